"""What an article page shows around the article itself.

Each part is read from the database only when a template asks for it, so a page whose
story fragment comes from the cache ({% fragment %}) costs one query for the article.
Previews render the very same parts. Each part names its cache tags whenever it is shown
(newsroom/public_cache.py), so every fragment that shows it is made stale by a change of it.
"""

from collections import Counter

from django.utils.functional import cached_property

from articles import cache_tags, tagged
from articles.models import Article, Disclaimer, Tag
from newsroom import public_cache
from newsroom.prepared import Prepared

RELATED_COUNT = 4
# Only the newest candidates sharing a tag are ranked, so the cost stays flat as tags grow.
RELATED_CANDIDATES = 100


class Story:
    def __init__(self, article):
        self.article = article

    @property
    def cache_tags(self):
        """What the article's own row shows (for `{% fragment … tagged story.cache_tags %}`)."""
        return cache_tags.story(self.article)

    @property
    def tags(self):
        public_cache.tag(*(cache_tags.tag(tag.pk) for tag in self._tags))
        return self._tags

    @cached_property
    def _tags(self):
        # With how many stories carry each (up to a bound): rare tags are read another way (_candidate_rows).
        return _TAGS.instances(Tag, self.article.pk)

    @cached_property
    def _disclaimers(self):
        return _DISCLAIMERS.instances(Disclaimer, self.article.pk)

    @property
    def cover_note(self):
        """The cover-art note is the caption of generated art; an uploaded cover gets its own caption."""
        if self.article.cover_source != Article.CoverSource.GENERATED:
            return None
        public_cache.tag(cache_tags.DISCLAIMERS)
        return next((d for d in self._disclaimers if d.kind == Disclaimer.Kind.COVER_ART), None)

    @property
    def disclaimers(self):
        public_cache.tag(cache_tags.DISCLAIMERS)
        return [d for d in self._disclaimers if d.kind != Disclaimer.Kind.COVER_ART]

    @property
    def related(self):
        related, tags = self._related
        public_cache.tag(*tags)
        return related

    @cached_property
    def _related(self):
        """Same tags first (most shared, then newest), then the same category; never itself, never unpublished.

        With its cache tags: the stories shown, and the lists a new story would enter it from (the tags;
        the section too when the same-tag stories did not fill it)."""
        article = self.article
        tags = self.tags
        tag_ids = [tag.pk for tag in tags]
        others = Article.objects.published().exclude(pk=article.pk)
        related = []
        if tag_ids:
            rows = _candidate_rows(article, tags)
            shared = Counter(rows)
            candidates = list(dict.fromkeys(rows[:RELATED_CANDIDATES]))  # newest first
            # Most shared tags first; sorted() keeps the newest first among equals.
            best = sorted(candidates, key=lambda pk: -shared[pk])[:RELATED_COUNT]
            # Public already: loaded by primary key alone (see articles/pagination.py).
            by_id = {card.pk: card for card in Article.objects.for_cards().filter(pk__in=best)}
            related = [by_id[pk] for pk in best if pk in by_id]
        tags = {*map(cache_tags.tag, tag_ids)}
        if len(related) < RELATED_COUNT:
            tags.add(cache_tags.section(article.category_id))
            related += list(
                others.for_cards().filter(category_id=article.category_id)
                .exclude(pk__in=[a.pk for a in related]).latest()[: RELATED_COUNT - len(related)]
            )
        return related, tags | cache_tags.cards(related)


# Asked on every article page: their SQL is written once per process (newsroom/prepared.py).
_TAGS = Prepared(
    lambda article_id: Tag.objects.filter(articles__id=article_id).annotate(stories=tagged.story_count())
    .order_by("name").values_list("pk", "name", "slug", "stories")
)
# What the page shows of them (text only: see newsroom/prepared.py); the rest is deferred.
_DISCLAIMERS = Prepared(
    lambda article_id: Disclaimer.objects.filter(articles__id=article_id).order_by("position", "id")
    .values_list("pk", "kind", "name", "html_en", "html_ko", "position")
)
# One row per (article, shared tag), newest first: an article's rows are adjacent, so the rows after the
# first RELATED_CANDIDATES hold the rest of the last candidates' shared tags. Run on every article page.
_NEWEST_SHARING_A_TAG = Prepared(
    lambda article_id, tag_ids: Article.objects.published().exclude(pk=article_id).filter(tags__in=tag_ids)
    .order_by("-published_at", "-id").values_list("pk")[: RELATED_CANDIDATES + len(tag_ids) - 1]
)


def _candidate_rows(article, tags):
    """The newest RELATED_CANDIDATES public stories sharing a tag with `article`, one row (the pk) per
    shared tag, newest first, with the rows of the last candidates' other shared tags after them
    (from the tags' own rows when they are rare: articles/tagged.py)."""
    tag_ids = [tag.pk for tag in tags]
    if not tagged.is_rare(tags):
        return [pk for (pk,) in _NEWEST_SHARING_A_TAG.rows(article.pk, tag_ids)]
    rows = tagged.public_rows(tag_ids, exclude=article.pk)
    shared = Counter(pk for _, pk, _ in rows)
    newest = sorted({(published_at, pk) for published_at, pk, _ in rows}, reverse=True)
    return [pk for _, pk in newest for _ in range(shared[pk])]
