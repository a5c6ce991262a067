from django.db import migrations

# The tags' own rows in (tag, article) order, read from the index alone: how many stories share an
# article's tags, and which, when they are few (articles/story.py). The through table is Django's
# own (ManyToManyField without `through=`), so the index is created here rather than in a Meta.
INDEX = "articles_article_tags_tag_article_idx"


class Migration(migrations.Migration):
    dependencies = [("articles", "0015_newsletter_editions")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX {INDEX} ON articles_article_tags (tag_id, article_id)",
            f"DROP INDEX {INDEX}",
        ),
    ]
