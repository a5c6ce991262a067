"""Queries whose SQL the ORM writes once per process, then run with new values each time.

For the small queries of a reader page, writing the SQL costs the ORM several times what running it
costs the database (about 0.5 ms against 0.05 ms on SQLite, measured in bench/cpu.py). A `Prepared`
query is still written by the ORM, from a queryset (so the conditions keep their one definition, such
as `Article.objects.published()`), but only once per database and per shape (how many values each list
argument holds): it is written with stand-in values, and each run puts the real values in their places.

Only for querysets whose parameters are the arguments (integers: ids) and constants, and that return
plain values needing no conversion (ids, counts); a query with a literal date or text in its parameters
is also fine, as the constants are kept as written.
"""

import itertools

from django.db import connection


class Prepared:
    def __init__(self, build):
        """`build(*arguments)`: the queryset, its integer arguments (or lists of integers) placed in it."""
        self.build = build
        self._written = {}

    def rows(self, *arguments):
        shape = (connection.vendor, tuple(len(a) if isinstance(a, (list, tuple)) else None for a in arguments))
        if shape not in self._written:
            self._written[shape] = self._write(shape[1])
        sql, places = self._written[shape]
        values = list(itertools.chain.from_iterable(a if isinstance(a, (list, tuple)) else [a] for a in arguments))
        with connection.cursor() as cursor:
            cursor.execute(sql, [values[place] if isinstance(place, int) else place.value for place in places])
            return cursor.fetchall()

    def _write(self, shape):
        # Stand-ins no real id takes, one per value: each parameter of the SQL is then either one of them
        # (its value's place) or a constant of the queryset.
        stand_ins = itertools.count(-7_000_000_001, -1)
        arguments = [[next(stand_ins) for _ in range(n)] if n is not None else next(stand_ins) for n in shape]
        places_of = {
            stand_in: place
            for place, stand_in in enumerate(itertools.chain.from_iterable(
                a if isinstance(a, list) else [a] for a in arguments))
        }
        sql, params = self.build(*arguments).query.sql_with_params()
        return sql, [places_of[p] if type(p) is int and p in places_of else _Constant(p) for p in params]


class _Constant:
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value
