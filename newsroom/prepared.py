"""Queries whose SQL the ORM writes once per process, then run with new values each time.

For the small queries of a reader page, writing the SQL costs the ORM several times what running it
costs the database (about 0.5 ms against 0.05 ms on SQLite, measured with bench/cpu.py). A `Prepared`
query is still written by the ORM, from a queryset (so the conditions keep their one definition, such
as `Article.objects.published()`), but only once per database and per shape (how many values each list
argument holds): it is written with stand-in values, and each run puts the real values in their places.

Only for `values_list()` querysets whose parameters are the arguments (integers: ids) and constants,
and whose columns need no conversion from what the database driver returns (ids, counts, text: not
dates or booleans, which SQLite returns as text and integers). `instances(model, *arguments)` makes
model instances from rows that start with the model's own fields (the others deferred); the columns
after them (annotations) are set as attributes.
"""

import itertools

from django.db import connection


class Prepared:
    def __init__(self, build):
        """`build(*arguments)`: the queryset, its integer arguments (or lists of integers) placed in it."""
        self.build = build
        self._written = {}

    def rows(self, *arguments):
        return self._run(arguments)[1]

    def instances(self, model, *arguments):
        names, rows = self._run(arguments)
        own = {field.attname for field in model._meta.concrete_fields}
        names = [model._meta.pk.attname if name == "pk" else name for name in names]
        count = next((n for n, name in enumerate(names) if name not in own), len(names))
        fields, extra = names[:count], names[count:]
        objects = []
        for row in rows:
            instance = model.from_db(connection.alias, fields, row[:count])
            for name, value in zip(extra, row[count:]):
                setattr(instance, name, value)
            objects.append(instance)
        return objects

    def _run(self, arguments):
        shape = (connection.vendor, tuple(len(a) if isinstance(a, (list, tuple)) else None for a in arguments))
        if shape not in self._written:
            self._written[shape] = self._write(shape[1])
        sql, places, names = self._written[shape]
        values = list(itertools.chain.from_iterable(a if isinstance(a, (list, tuple)) else [a] for a in arguments))
        with connection.cursor() as cursor:
            cursor.execute(sql, [place.bind(values) for place in places])
            return names, cursor.fetchall()

    def _write(self, shape):
        # Stand-ins no real id takes (within a 32-bit integer column: the ORM writes a value out of its
        # range as an empty result), one per value: each parameter of the SQL is then either one of them
        # (its value's place) or a constant of the queryset.
        stand_ins = itertools.count(-2_000_000_001, -1)
        arguments = [[next(stand_ins) for _ in range(n)] if n is not None else next(stand_ins) for n in shape]
        places_of = {
            stand_in: place
            for place, stand_in in enumerate(itertools.chain.from_iterable(
                a if isinstance(a, list) else [a] for a in arguments))
        }
        queryset = self.build(*arguments)
        sql, params = queryset.query.sql_with_params()
        # psycopg's typed integers (Int4, Int8: the ORM sends some values so) are ints too, and keep their type.
        places = [
            _Place(places_of[p], type(p)) if isinstance(p, int) and not isinstance(p, bool) and p in places_of
            else _Constant(p)
            for p in params
        ]
        return sql, places, list(queryset._fields)


class _Place:
    __slots__ = ("index", "type")

    def __init__(self, index, type_):
        self.index, self.type = index, type_

    def bind(self, values):
        return self.type(values[self.index])


class _Constant:
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def bind(self, values):
        return self.value
