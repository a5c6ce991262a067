from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("newsroom", "0001_content_version")]

    operations = [
        migrations.CreateModel(
            name="CacheTagVersion",
            fields=[
                ("tag", models.CharField(max_length=200, primary_key=True, serialize=False)),
                ("version", models.BigIntegerField(db_index=True)),
            ],
            options={"verbose_name": "cache tag version"},
        ),
        # One version for the whole site gives way to one per tag.
        migrations.DeleteModel(name="ContentVersion"),
    ]
