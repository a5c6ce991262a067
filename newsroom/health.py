"""What `/healthz` checks: the database and the cache, each with a real round trip, in bounded time.

A load balancer takes a server out of rotation on a 503, so the answer must be true (a server whose
Redis or database is gone says so) and must come quickly (a database that accepts connections and
never answers must not hold the check until gunicorn's timeout). Each check runs in a thread of its
own, with a fresh database connection (connecting is bounded by DATABASE_CONNECT_TIMEOUT), and the
answer waits for them at most that long.
"""

import logging
import secrets
from concurrent.futures import ThreadPoolExecutor, wait

from django.conf import settings
from django.core.cache import cache
from django.db import connections

logger = logging.getLogger(__name__)


def database():
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise RuntimeError("SELECT 1 did not answer 1")


def cache_round_trip():
    if hasattr(cache, "ping"):  # newsroom.cache.RedisCache: its reads and writes never fail, so ask Redis itself
        cache.ping()
        return
    key, value = f"healthz:{secrets.token_hex(8)}", secrets.token_hex(8)
    cache.set(key, value, 10)
    try:
        if cache.get(key) != value:
            raise RuntimeError("the cache did not return what was stored")
    finally:
        cache.delete(key)


CHECKS = {"database": database, "cache": cache_round_trip}


def _run(name, check):
    try:
        check()
        return True
    except Exception:
        logger.exception("Health check: the %s failed.", name)
        return False
    finally:
        connections.close_all()  # this thread's own connections: opened for the check, closed with it


def report():
    """{"database": "ok" | "failed" | "timeout", "cache": ...}, within DATABASE_CONNECT_TIMEOUT (plus a second)."""
    pool = ThreadPoolExecutor(max_workers=len(CHECKS), thread_name_prefix="healthz")
    futures = {name: pool.submit(_run, name, check) for name, check in CHECKS.items()}
    wait(futures.values(), timeout=settings.DATABASE_CONNECT_TIMEOUT + 1)
    pool.shutdown(wait=False)  # a check still hanging ends with its own timeout, without holding the answer
    results = {}
    for name, future in futures.items():
        if not future.done():
            logger.error("Health check: the %s did not answer in time.", name)
            results[name] = "timeout"
        else:
            results[name] = "ok" if future.result() else "failed"
    return results
