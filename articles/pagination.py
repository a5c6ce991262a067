"""Listings in the reader's language first, fast at any depth.

Sorting the whole archive by "is it in my language?" would defeat the date
index, so a listing is treated as two date-ordered runs, the reader's language
then the others, each read straight from the (language, status, date) index.
Counts are cached per content version (newsroom/public_cache.py), so paging
does not count the archive on every request.
"""

import hashlib

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.utils.functional import cached_property

from newsroom import public_cache

ORDER = ("-published_at", "-id")


class LanguageRuns:
    """A sliceable, countable view of `queryset` with `language` first (what Paginator needs)."""

    def __init__(self, queryset, language, cards):
        self.queryset = queryset.order_by()
        self.language = language
        # The ids are already known to be listed; loading them by primary key alone keeps
        # the query planner on the primary key.
        self.cards = cards

    @cached_property
    def _counts(self):
        sql, params = self.queryset.values("pk").query.sql_with_params()
        key = "listing-count:%s:%s" % (
            public_cache.version(), hashlib.sha256(f"{self.language}|{sql}|{params}".encode()).hexdigest()
        )
        counts = cache.get(key)
        if counts is None:
            counts = self.queryset.aggregate(total=Count("pk"), own=Count("pk", filter=Q(language=self.language)))
            cache.set(key, counts, 600)
        return counts

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

    @staticmethod
    def _ids(queryset, start, stop):
        # Skip rows in the index alone, then load just the page: a deep OFFSET never joins what it skips.
        return list(queryset.order_by(*ORDER).values_list("pk", flat=True)[start:stop])


def paginate(queryset, *, language, page, per_page, cards):
    return Paginator(LanguageRuns(queryset, language, cards), per_page).get_page(page)
