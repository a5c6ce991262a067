"""Listings in the reader's language first, fast at any depth.

Sorting the whole archive by "is it in my language?" would defeat the date
index, so a listing is treated as two date-ordered runs, the reader's language
then the others, each read straight from the (language, status, date) index.
Counts are cached until the listing's cache tag is invalidated (newsroom/public_cache.py),
so paging does not count the archive on every request.

Deep pages start from a bookmark: every ANCHOR_EVERY entries of a run, the
(published_at, id) found there is kept the same way, and a page seeks to
the nearest bookmark before it, so page 5,000 skips at most ANCHOR_EVERY index
entries instead of 60,000.
"""

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.utils.functional import cached_property

from newsroom import public_cache

ORDER = ("-published_at", "-id")
ANCHOR_EVERY = 1200  # 100 pages of 12


def _cached(kind, queryset, extra, tags, compute):
    """`compute()`, kept for this exact query (and `extra`) until one of the listing's cache `tags` is
    invalidated, whatever the fragment cache's setting: paging must not count or skip through the
    archive on every request."""
    sql, params = queryset.values("pk").query.sql_with_params()
    return public_cache.versioned(None, f"listing-{kind}", [sql, params, extra], compute, seconds=600, tags=tags)


class LanguageRuns:
    """A sliceable, countable view of `queryset` with `language` first (what Paginator needs)."""

    def __init__(self, queryset, language, cards, tags):
        self.queryset = queryset.order_by()
        self.language = language
        # The ids are already known to be listed; loading them by primary key alone keeps
        # the query planner on the primary key.
        self.cards = cards
        self.tags = tags  # what the listing's membership changes with (articles/cache_tags.py)

    @cached_property
    def _counts(self):
        return _cached("count", self.queryset, self.language, self.tags, lambda: self.queryset.aggregate(
            total=Count("pk"), own=Count("pk", filter=Q(language=self.language))
        ))

    def count(self):
        return self._counts["total"]

    def __len__(self):
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        start, stop = index.start or 0, index.stop
        own = self._counts["own"]
        ids = []
        if start < own:
            ids += self._ids(self.queryset.filter(language=self.language), start, min(stop, own))
        if stop > own:
            ids += self._ids(self.queryset.exclude(language=self.language), max(start - own, 0), stop - own)
        by_id = {item.pk: item for item in self.cards.filter(pk__in=ids)}
        return [by_id[pk] for pk in ids if pk in by_id]

    def _ids(self, run, start, stop):
        # Skip rows in the index alone, then load just the page: a deep OFFSET never joins what it skips.
        ordered = run.order_by(*ORDER)
        at = start - start % ANCHOR_EVERY
        if at:
            published_at, pk = _cached("anchor", run, at, self.tags, lambda: ordered.values_list("published_at", "pk")[at])
            # The bookmark's bound goes first: given two upper bounds on published_at, SQLite scans the
            # index from the first one written (here it would be the listing's published_at <= now()).
            bound = run.model._default_manager.filter(published_at__lte=published_at)
            ordered = (bound & run).exclude(published_at=published_at, pk__gt=pk).order_by(*ORDER)
            start, stop = start - at, stop - at
        return list(ordered.values_list("pk", flat=True)[start:stop])


class KnownStories:
    """A listing of few stories whose (published_at, pk, language) are in hand (a rare tag's:
    articles/tagged.py), ordered here as LanguageRuns orders them; only a page's cards are loaded."""

    def __init__(self, rows, language, cards):
        newest = sorted(set(rows), key=lambda row: row[:2], reverse=True)
        self.ids = [pk for _, pk, lang in newest if lang == language] + [pk for _, pk, lang in newest if lang != language]
        self.cards = cards

    def count(self):
        return len(self.ids)

    def __len__(self):
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        ids = self.ids[index]
        by_id = {item.pk: item for item in self.cards.filter(pk__in=ids)}
        return [by_id[pk] for pk in ids if pk in by_id]


def paginate(queryset, *, language, page, per_page, cards, tags):
    return Paginator(LanguageRuns(queryset, language, cards, tags), per_page).get_page(page)


def paginate_known(rows, *, language, page, per_page, cards):
    return Paginator(KnownStories(rows, language, cards), per_page).get_page(page)
