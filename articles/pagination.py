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

    def __init__(self, queryset, language):
        self.queryset = queryset.order_by()
        self.language = language

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
        items = []
        if start < own:
            items += list(self.queryset.filter(language=self.language).order_by(*ORDER)[start : min(stop, own)])
        if stop > own:
            items += list(self.queryset.exclude(language=self.language).order_by(*ORDER)[max(start - own, 0) : stop - own])
        return items


def paginate(queryset, *, language, page, per_page):
    return Paginator(LanguageRuns(queryset, language), per_page).get_page(page)
