"""What an article page shows around the article itself.

Each part is read from the database only when a template asks for it, so a page whose
story fragment comes from the cache ({% fragment %}) costs one query for the article.
Previews render the very same parts.
"""

from collections import Counter

from django.utils.functional import cached_property

from articles.models import Article, Disclaimer

RELATED_COUNT = 4
# Only the newest candidates sharing a tag are ranked, so the cost stays flat as tags grow.
RELATED_CANDIDATES = 100


class Story:
    def __init__(self, article):
        self.article = article

    @cached_property
    def tags(self):
        return list(self.article.tags.all())

    @cached_property
    def _disclaimers(self):
        return list(self.article.disclaimers.order_by("position", "id"))

    @cached_property
    def cover_note(self):
        """The cover-art note is the caption of generated art; an uploaded cover gets its own caption."""
        if self.article.cover_source != Article.CoverSource.GENERATED:
            return None
        return next((d for d in self._disclaimers if d.kind == Disclaimer.Kind.COVER_ART), None)

    @cached_property
    def disclaimers(self):
        return [d for d in self._disclaimers if d.kind != Disclaimer.Kind.COVER_ART]

    @cached_property
    def related(self):
        """Same tags first (most shared, then newest), then the same category; never itself, never unpublished."""
        article = self.article
        tag_ids = [tag.pk for tag in self.tags]
        others = Article.objects.published().exclude(pk=article.pk)
        related = []
        if tag_ids:
            # One row per (article, shared tag), newest first: an article's rows are adjacent, so the rows
            # after the first RELATED_CANDIDATES hold the rest of the last candidates' shared tags.
            rows = list(
                others.filter(tags__in=tag_ids).order_by("-published_at", "-id")
                .values_list("pk", flat=True)[: RELATED_CANDIDATES + len(tag_ids) - 1]
            )
            shared = Counter(rows)
            candidates = list(dict.fromkeys(rows[:RELATED_CANDIDATES]))  # newest first
            # Most shared tags first; sorted() keeps the newest first among equals.
            best = sorted(candidates, key=lambda pk: -shared[pk])[:RELATED_COUNT]
            # Public already: loaded by primary key alone (see articles/pagination.py).
            by_id = {card.pk: card for card in Article.objects.for_cards().filter(pk__in=best)}
            related = [by_id[pk] for pk in best if pk in by_id]
        if len(related) < RELATED_COUNT:
            related += list(
                others.for_cards().filter(category_id=article.category_id)
                .exclude(pk__in=[a.pk for a in related]).latest()[: RELATED_COUNT - len(related)]
            )
        return related
