"""The Redis cache (REDIS_URL), made to degrade instead of fail.

Django's RedisCache raises on any Redis error, so a Redis outage turned every page into a 500. This
backend treats an unreachable Redis as an empty cache: reads miss, writes do nothing, pages render
uncached, and the rate-limit counters fall back to the database (newsroom/ratelimit.py).

An outage is logged once, and its end once. While Redis is down the backend does not even try for
REDIS_RETRY_SECONDS, so a Redis that does not answer costs one socket timeout per process per
interval, not one per cache call; `/healthz` always tries (newsroom/health.py).
"""

import functools
import logging
import threading
import time

from django.conf import settings
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


class Unavailable(Exception):
    """Redis is down (or was a moment ago): the caller falls back."""


class _Outage:
    """Per-process memory of whether Redis is reachable, shared by everything that talks to one server."""

    def __init__(self, location):
        self.location = location
        self.retry_at = None  # set while Redis is considered down
        self.lock = threading.Lock()

    def skipping(self):
        return self.retry_at is not None and time.monotonic() < self.retry_at

    def failed(self, error):
        with self.lock:
            first = self.retry_at is None
            self.retry_at = time.monotonic() + settings.REDIS_RETRY_SECONDS
        if first:
            logger.error("Redis at %s is unavailable (%s): serving without the cache, rate limits counted in "
                         "the database, until it answers again.", self.location, error.__class__.__name__)

    def succeeded(self):
        if self.retry_at is None:
            return
        with self.lock:
            was_down, self.retry_at = self.retry_at is not None, None
        if was_down:
            logger.warning("Redis at %s answers again: the cache is back in use.", self.location)


@functools.cache
def _outage(location):
    return _Outage(location)


def _degrading(fallback):
    """Run a cache method against Redis; while Redis is unreachable, return `fallback(*args)` instead."""

    def decorator(method):
        @functools.wraps(method)
        def wrapped(self, *args, **kwargs):
            try:
                return self.run(lambda: method(self, *args, **kwargs))
            except Unavailable:
                return fallback(*args, **kwargs)

        return wrapped

    return decorator


def _default(key, default=None, version=None):
    return default


class RedisCache(DjangoRedisCache):
    """Django's RedisCache where connection errors and timeouts are misses and no-ops."""

    @functools.cached_property
    def outage(self):
        return _outage(",".join(self._servers))

    def run(self, operation, *, even_if_down=False):
        """`operation()` against Redis, or Unavailable if Redis is (or just was) unreachable."""
        if self.outage.skipping() and not even_if_down:
            raise Unavailable
        try:
            result = operation()
        except RedisError as error:
            self.outage.failed(error)
            raise Unavailable from error
        self.outage.succeeded()
        return result

    def client(self):
        """The raw redis-py client for the write server (the rate-limit counters use it through run())."""
        return self._cache.get_client(write=True)

    def ping(self):
        """A round trip through Redis whatever the recent past, for the health check; raises Unavailable."""
        client = self.client()
        self.run(client.ping, even_if_down=True)

    get = _degrading(_default)(DjangoRedisCache.get)
    get_many = _degrading(lambda keys, version=None: {})(DjangoRedisCache.get_many)
    has_key = _degrading(lambda key, version=None: False)(DjangoRedisCache.has_key)
    add = _degrading(lambda *args, **kwargs: False)(DjangoRedisCache.add)
    set = _degrading(lambda *args, **kwargs: None)(DjangoRedisCache.set)
    set_many = _degrading(lambda data, *args, **kwargs: list(data))(DjangoRedisCache.set_many)
    touch = _degrading(lambda *args, **kwargs: False)(DjangoRedisCache.touch)
    delete = _degrading(lambda *args, **kwargs: False)(DjangoRedisCache.delete)
    delete_many = _degrading(lambda *args, **kwargs: None)(DjangoRedisCache.delete_many)
    clear = _degrading(lambda: False)(DjangoRedisCache.clear)

    def incr(self, key, delta=1, version=None):
        try:
            return self.run(lambda: super(RedisCache, self).incr(key, delta, version))
        except Unavailable:
            raise ValueError(f"Key '{key}' not found (Redis is unavailable).") from None
