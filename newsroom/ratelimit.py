"""Rate limits: fixed-window counters in the cache, shared by every form that needs one.

A rule is `(kind, value, limit, window_seconds)`, e.g. `("ip", client_ip(request), 10, 3600)`.
`enforce(scope, rules)` counts one event against every rule, or raises `RateLimited`
(with a message a person understands) without counting when any of them is already spent.
With Redis as the cache (REDIS_URL) the counters are shared by every app server.

    try:
        ratelimit.enforce("signup", [("ip", ratelimit.client_ip(request), 5, 3600)])
    except ratelimit.RateLimited as error:
        form.add_error(None, error.message)

or, for a whole view, `@ratelimit.limit("newsletter", per_ip=(5, 3600))`.
"""

import functools
import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render
from django.utils.translation import ngettext

KEY_PREFIX = "rl"


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


def hit(key: str, limit: int, window: int) -> bool:
    """Count one event for `key` in the current window; True while the count is within `limit`."""
    start, _remaining = _window(window)
    cache_key = _key("raw", "key", key, window, start)
    cache.add(cache_key, 0, timeout=window + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window + 1)
        count = 1
    return count <= limit


def enforce(scope: str, rules) -> None:
    """Count one event against every rule, or raise RateLimited if any limit is already reached.

    Rules whose value is empty (e.g. no account for a guest) are skipped.
    """
    rules = [(kind, value, limit, window) for kind, value, limit, window in rules if value]
    if not getattr(settings, "RATELIMIT_ENABLED", True) or not rules:
        return
    keys = []
    for kind, value, limit, window in rules:
        start, remaining = _window(window)
        key = _key(scope, kind, value, window, start)
        if (cache.get(key) or 0) >= limit:
            raise RateLimited(scope=scope, kind=kind, retry_after=remaining)
        keys.append((key, window))
    for key, window in keys:
        cache.add(key, 0, timeout=window + 1)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=window + 1)


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

