import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("submissions", "0003_copyright_staff_permissions"),
    ]

    operations = [
        migrations.AddField(
            model_name="submission",
            name="translation_of",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                to="articles.article", verbose_name="translation of",
                help_text="The published story this one translates.",
            ),
        ),
        migrations.AddField(
            model_name="revision",
            name="translation_of",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                to="articles.article", verbose_name="translation of",
            ),
        ),
    ]
