import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0011_category_description_ko"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="translation",
            field=models.OneToOneField(
                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                to="articles.article", verbose_name="translation",
                help_text="The same story in the other language. Readers are offered it once both are published.",
            ),
        ),
    ]
