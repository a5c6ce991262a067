from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("newsroom", "0004_rate_counters")]

    operations = [
        migrations.CreateModel(
            name="SchedulerLease",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=50, unique=True)),
                ("holder", models.CharField(blank=True, max_length=200)),
                ("acquired_at", models.DateTimeField(null=True)),
                ("expires_at", models.DateTimeField(null=True)),
            ],
            options={"verbose_name": "scheduled job", "verbose_name_plural": "scheduled jobs"},
        ),
    ]
