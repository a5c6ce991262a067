from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0008_admin_list_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="category",
            name="description_ko",
            field=models.TextField(blank=True, verbose_name="Korean description"),
        ),
    ]
