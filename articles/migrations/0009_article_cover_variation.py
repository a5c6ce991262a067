"""Covers can be redrawn as a new variation of the generated art."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0008_admin_list_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="cover_variation",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
    ]
