"""Rate limits: fixed-window counters that every process shares, counted before anything is decided.

A rule is `(kind, value, limit, window_seconds)`, e.g. `("ip", client_ip(request), 10, 3600)`.
`enforce(scope, rules)` counts one event against every rule first, in one atomic step, then decides:
past any limit it takes the event back from every rule and raises `RateLimited` (with a message a
person understands). Counting first is what makes a limit hold under load: of 16 parallel attempts
against a limit of 5, each sees its own count, so at most 5 get through.

    try:
        ratelimit.enforce("signup", [("ip", ratelimit.client_ip(request), 5, 3600)])
    except ratelimit.RateLimited as error:
        form.add_error(None, error.message)

or, for a whole view, `@ratelimit.limit("newsletter", per_ip=(5, 3600))`; `hit(key, limit, window)`
for a single counter. `enforce()` returns what it counted, so that an attempt that turns out not to
count (a successful log-in) can be taken back with `.undo()`.

The counters never live in the page cache (a flood of cached pages would evict them): they are
Redis keys (INCR and EXPIRE in one transaction) when the cache is Redis (REDIS_URL), otherwise rows
of `newsroom.RateCounter` (one upsert per event). While Redis is unreachable they are counted in the
database. Count outside a transaction that may roll back: a rolled-back count is a free attempt.
"""

import functools
import hashlib
import math
import random
import time

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.shortcuts import render
from django.utils.translation import ngettext

from newsroom.cache import RedisCache, Unavailable

KEY_PREFIX = "rl"
# One event in this many also deletes the database rows of windows that have ended (an indexed range).
CLEANUP_ONE_IN = 200


class RateLimited(Exception):
    def __init__(self, *, scope, kind, retry_after):
        self.scope = scope
        self.kind = kind
        self.retry_after = max(1, int(retry_after))
        super().__init__(f"rate limit {scope}/{kind} reached; retry in {self.retry_after}s")

    @property
    def message(self):
        minutes = max(1, math.ceil(self.retry_after / 60))
        return ngettext(
            "You have done this too many times in a short while. Please try again in about %(minutes)d minute.",
            "You have done this too many times in a short while. Please try again in about %(minutes)d minutes.",
            minutes,
        ) % {"minutes": minutes}


def _window(window, now=None):
    now = time.time() if now is None else now
    start = int(now // window) * window
    return start, start + window - now


def _key(scope, kind, value, window, start):
    digest = hashlib.sha256(str(value).strip().lower().encode()).hexdigest()[:32]
    return f"{KEY_PREFIX}:{scope}:{kind}:{window}:{start}:{digest}"


# --- Where the counts live ----------------------------------------------------------------------

def _quoted():
    from newsroom.models import RateCounter

    quote = connection.ops.quote_name
    return quote(RateCounter._meta.db_table), quote("key"), quote("count"), quote("expires")


def _database_count(expiries, delta):
    """Add `delta` to each key's row (created at `delta`); the counts after the change."""
    table, key, count, expires = _quoted()
    keys = sorted(expiries)  # one lock order for every statement: concurrent upserts never deadlock
    with connection.cursor() as cursor:
        if delta < 0:
            cursor.execute(f"UPDATE {table} SET {count} = {count} + %s WHERE {key} IN ({', '.join(['%s'] * len(keys))})",
                           [delta, *keys])
            return {}
        # One statement per event, atomic on SQLite (3.35 or later) and PostgreSQL alike.
        cursor.execute(
            f"INSERT INTO {table} ({key}, {count}, {expires}) VALUES {', '.join(['(%s, %s, %s)'] * len(keys))} "
            f"ON CONFLICT ({key}) DO UPDATE SET {count} = {table}.{count} + %s RETURNING {key}, {count}",
            [value for name in keys for value in (name, delta, expiries[name])] + [delta],
        )
        counts = dict(cursor.fetchall())
    if random.randrange(CLEANUP_ONE_IN) == 0:
        purge_expired()
    return counts


def purge_expired():
    """Delete the database counters of windows that have ended."""
    from newsroom.models import RateCounter

    RateCounter.objects.filter(expires__lt=int(time.time())).delete()


def _redis_count(backend, expiries, delta):
    client = backend.client()
    keys = sorted(expiries)

    def transaction():
        pipeline = client.pipeline(transaction=True)
        for name in keys:
            pipeline.incrby(backend.make_key(name), delta)
            pipeline.expireat(backend.make_key(name), expiries[name] + 1)
        return pipeline.execute()[::2]

    return dict(zip(keys, backend.run(transaction)))


def _count(expiries, delta=1):
    """(counts, where) after adding `delta` to every key: Redis when the cache is Redis and answers, else the database."""
    backend = _redis_backend()
    if backend is not None:
        try:
            return _redis_count(backend, expiries, delta), backend
        except Unavailable:
            pass  # Redis said it is down (logged once by the backend): the database counts meanwhile
    return _database_count(expiries, delta), None


def _redis_backend():
    backend = caches["default"]
    return backend if isinstance(backend, RedisCache) else None


class Counted:
    """What one `enforce()` counted, exactly where it counted it (window and store), so it can be taken back."""

    def __init__(self, expiries=(), backend=None):
        self.expiries = dict(expiries)
        self.backend = backend

    def undo(self):
        if not self.expiries:
            return
        if self.backend is not None:
            try:
                _redis_count(self.backend, self.expiries, -1)
            except Unavailable:
                pass  # the count stays: an outage may cost a person one attempt, never give one
        else:
            _database_count(self.expiries, -1)
        self.expiries = {}


def enforce(scope: str, rules) -> Counted:
    """Count one event against every rule; past any limit, take it back and raise RateLimited.

    Rules whose value is empty (e.g. no account for a guest) are skipped.
    """
    rules = [(kind, value, limit, window) for kind, value, limit, window in rules if value]
    if not getattr(settings, "RATELIMIT_ENABLED", True) or not rules:
        return Counted()
    now = time.time()
    keyed = []
    for kind, value, limit, window in rules:
        start, remaining = _window(window, now)
        keyed.append((_key(scope, kind, value, window, start), kind, limit, remaining, int(start + window)))
    counts, backend = _count({key: expires for key, _kind, _limit, _remaining, expires in keyed})
    counted = Counted({key: expires for key, _kind, _limit, _remaining, expires in keyed}, backend)
    for key, kind, limit, remaining, _expires in keyed:
        if counts[key] > limit:
            counted.undo()  # a refused attempt uses up no allowance
            raise RateLimited(scope=scope, kind=kind, retry_after=remaining)
    return counted


def hit(key: str, limit: int, window: int) -> bool:
    """Count one event for `key` in the current window; True while the count is within `limit`."""
    try:
        enforce("raw", [("key", key, limit, window)])
    except RateLimited:
        return False
    return True


def client_ip(request) -> str:
    """The client's address. Behind N trusted proxies (RATELIMIT_TRUSTED_PROXIES), the Nth-from-last X-Forwarded-For."""
    proxies = getattr(settings, "RATELIMIT_TRUSTED_PROXIES", 0)
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def limit(scope, *, per_ip=None, per_user=None, methods=("POST",), template="429.html"):
    """Decorator for a whole view: answers 429 with a friendly page once a limit is reached."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods:
                rules = []
                if per_ip:
                    rules.append(("ip", client_ip(request), *per_ip))
                if per_user and request.user.is_authenticated:
                    rules.append(("account", str(request.user.pk), *per_user))
                try:
                    enforce(scope, rules)
                except RateLimited as error:
                    response = render(request, template, {"message": error.message}, status=429)
                    response["Retry-After"] = str(error.retry_after)
                    return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorator

