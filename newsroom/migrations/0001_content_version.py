import time

from django.db import migrations, models


def first_version(apps, schema_editor):
    # A clock value, so a version that is ever lost and made again never reuses an old number.
    apps.get_model("newsroom", "ContentVersion").objects.using(schema_editor.connection.alias).get_or_create(
        pk=1, defaults={"value": time.time_ns()}
    )


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="ContentVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("value", models.BigIntegerField()),
            ],
            options={"verbose_name": "content version"},
        ),
        migrations.RunPython(first_version, migrations.RunPython.noop),
    ]
