"""Stories of rare tags, read from the tags' own rows.

SQLite's planner has no statistics (the project does not run ANALYZE: they lead it to worse plans
elsewhere), so for "the newest public stories with these tags" it walks the publication index newest
first and probes each story's tags. That stops soon for a common tag and reads the whole archive for a
rare one (a tag on three stories out of 100,000: 62 ms for an article's related stories, 67 ms for the
tag's listing). So a tag's stories are counted first, up to RARE_TAG_ROWS, in the (tag, article) index
alone (articles migration 0016); when there are no more, they are read from the tags' rows, their
stories by primary key, and sorted here.
"""

from django.db import connection
from django.db.models.expressions import RawSQL

from articles.models import Article, ArticleQuerySet, Tag

RARE_TAG_ROWS = 1000


def story_count():
    """An annotation for a Tag queryset: how many stories carry the tag (any status), counted up to
    RARE_TAG_ROWS + 1, so `is_rare(tags)` costs no query of its own."""
    table = connection.ops.quote_name(Article.tags.through._meta.db_table)
    tag_id = f"{connection.ops.quote_name(Tag._meta.db_table)}.{connection.ops.quote_name('id')}"
    return RawSQL(
        f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE tag_id = {tag_id} LIMIT %s) AS tagged", [RARE_TAG_ROWS + 1]
    )


def is_rare(tags):
    """Whether the tags (annotated with story_count() as `stories`) are on RARE_TAG_ROWS stories or fewer."""
    return sum(tag.stories for tag in tags) <= RARE_TAG_ROWS


def public_rows(tag_ids, *, exclude=None):
    """(published_at, pk, language) of the public stories carrying these tags, one per (story, tag).

    Visibility is selected, not filtered: in the WHERE clause, the equality on status would lead
    SQLite onto the status index."""
    rows = Article.tags.through.objects.filter(tag_id__in=tag_ids)
    if exclude is not None:
        rows = rows.exclude(article_id=exclude)
    rows = rows.values_list(
        "article__published_at", "article_id", "article__language", ArticleQuerySet.public_condition("article__")
    )
    return [(published_at, pk, language) for published_at, pk, language, public in rows if public]
