from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0010_article_contributor_photo"),
    ]

    operations = [
        migrations.AddField(
            model_name="category",
            name="description_ko",
            field=models.TextField(blank=True, verbose_name="Korean description"),
        ),
    ]
