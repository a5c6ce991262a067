from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("newsroom", "0003_outbound_email")]

    operations = [
        migrations.CreateModel(
            name="RateCounter",
            fields=[
                ("key", models.CharField(max_length=200, primary_key=True, serialize=False)),
                ("count", models.IntegerField()),
                ("expires", models.BigIntegerField(db_index=True)),
            ],
            options={"verbose_name": "rate counter"},
        ),
    ]
