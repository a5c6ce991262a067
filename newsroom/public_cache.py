"""Whole-page cache for anonymous readers, invalidated by a version number.

Every cached page's key contains the current content version. Any write that can
change what a public page shows (an article published, edited, withdrawn,
disabled or restored; a section, tag, author, page or disclaimer edited) calls
`invalidate()`, which bumps the version after the transaction commits, so every
page is rebuilt on its next request. Publishing is rare next to reading, so this
simple rule is both correct and effective. The version is a row in the database,
not a cache entry, so that a change made in any process is seen by all of them
(see newsroom/models.py); it is read once per request.

An anonymous public page is the same bytes for every reader of its address: it carries no CSRF token
and sets no cookie (the newsletter sign-up on it is protected by newsroom/csrf.py instead). A response
that sets a cookie is never stored.
"""

import contextvars
import functools
import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import connection, transaction
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils.translation import get_language

CACHEABLE_STATUS = {200, 404, 410, 451}
# Views that read no content version: the health check answers in bounded time even when the
# database does not (newsroom/health.py).
UNVERSIONED_VIEWS = {":healthz"}


def version():
    """The current content version: one row of the database (see ContentVersion for why not the cache)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {_version_table()} WHERE id = 1")
        row = cursor.fetchone()
    if row is None:  # the row is gone (a test database flushed): start again from the clock
        _bump()
        return version()
    return row[0]


def _bump():
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {_version_table()} SET value = value + 1 WHERE id = 1")
        changed = cursor.rowcount
    if not changed:
        from newsroom.models import ContentVersion

        # A clock value, so a version made again never reuses an old number.
        ContentVersion.objects.get_or_create(pk=1, defaults={"value": time.time_ns()})


@functools.cache
def _version_table():
    from newsroom.models import ContentVersion

    return connection.ops.quote_name(ContentVersion._meta.db_table)


def invalidate():
    """Make every cached public page stale once the current transaction commits, here and in the
    shared HTTP cache (newsroom/http_cache.py)."""
    from newsroom import http_cache

    transaction.on_commit(_bump)
    http_cache.purge_on_commit([http_cache.SITE_TAG])


# The version pinned for the request being served, for code that has no request at hand (listings, search).
_pinned = contextvars.ContextVar("content_version", default=None)


def request_version(request):
    """The content version a request works with: one per request, however many fragments the page has.

    The middleware below reads it before the view reads any data, so a page built from data older
    than a change is never stored under the version that announces the change.
    """
    current = getattr(request, "_content_version", None) if request else _pinned.get()
    if current is None:
        current = version()
        if request is not None:
            request._content_version = current
    return current


@functools.cache
def release():
    """What identifies this deployment's static files (the manifest's hash; empty in development).

    Cached HTML names hashed static files, and a shared cache (Redis) outlives a deploy: every key
    carries the release, so a new deployment never serves pages that link to files it no longer has.
    """
    from django.contrib.staticfiles.storage import staticfiles_storage

    return getattr(staticfiles_storage, "manifest_hash", "")


def site_address(request):
    """The address the reader asked for the site at: pages and fragments name it (canonical links, feeds)."""
    if request is None:
        return ""
    if not hasattr(request, "_site_address"):  # asked once per fragment; get_host() checks ALLOWED_HOSTS each time
        try:
            request._site_address = f"{request.scheme}://{request.get_host()}"
        except DisallowedHost:
            # The 400 page for a refused Host header is built from fragments too: asking again would
            # raise again, from inside the error handler (a 500). Such a page names no address.
            request._site_address = "refused-host"
    return request._site_address


def fragment_key(request, name, parts):
    """A template fragment's key: its name and parts, the content version, release, language and site address."""
    digest = hashlib.sha256("|".join([site_address(request), *map(str, parts)]).encode()).hexdigest()
    return f"fragment:{request_version(request)}:{release()}:{get_language()}:{name}:{digest}"


def versioned(request, name, parts, compute, seconds=None):
    """`compute()`, cached like a fragment (same key rules; FRAGMENT_CACHE_SECONDS unless `seconds`
    is given); None is not cached."""
    seconds = settings.FRAGMENT_CACHE_SECONDS if seconds is None else seconds
    if not seconds:
        return compute()
    key = fragment_key(request, name, parts)
    value = cache.get(key)
    if value is None:
        value = compute()
        if value is not None:
            cache.set(key, value, seconds)
    return value


def _cacheable_view(request):
    return _view_name(settings.ROOT_URLCONF, request.path_info) in settings.PUBLIC_CACHE_VIEWS


@functools.lru_cache(maxsize=4096)
def _view_name(urlconf, path):
    """The view a path resolves to, remembered: every anonymous request asks, hits included.
    (The path alone decides, language prefix included: LocaleMiddleware has activated its language.)"""
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return None
    return f"{match.namespace}:{match.url_name}"


def _key(request):
    path = hashlib.sha256(f"{site_address(request)}{request.get_full_path()}".encode()).hexdigest()
    return f"public-page:{request_version(request)}:{release()}:{get_language()}:{request.method}:{path}"


def _anonymous_and_plain(request):
    return (
        request.method in ("GET", "HEAD")
        and not request.user.is_authenticated
        and "messages" not in request.COOKIES  # a pending flash message is personal
    )


class PublicPageCacheMiddleware:
    """Innermost middleware: the outer ones (sessions, CSRF cookie, CSP, locale) still run on cached pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not (settings.PUBLIC_CACHE_SECONDS or settings.FRAGMENT_CACHE_SECONDS) or (
            _view_name(settings.ROOT_URLCONF, request.path_info) in UNVERSIONED_VIEWS
        ):
            return self.get_response(request)
        pinned = _pinned.set(request_version(request))  # before the view reads anything
        try:
            return self._respond(request)
        finally:
            _pinned.reset(pinned)

    def _respond(self, request):
        if not settings.PUBLIC_CACHE_SECONDS or not _anonymous_and_plain(request) or not _cacheable_view(request):
            return self.get_response(request)
        key = _key(request)
        cached = cache.get(key)
        if cached is not None:
            cached["X-Cache"] = "hit"
            return cached
        response = self.get_response(request)
        if self._storable(response):
            self._store(key, response)
        response["X-Cache"] = "miss"
        return response

    @staticmethod
    def _storable(response):
        return (
            response.status_code in CACHEABLE_STATUS
            and not response.streaming
            and not response.cookies
            and "private" not in response.get("Cache-Control", "")
            and "no-store" not in response.get("Cache-Control", "")
        )

    @staticmethod
    def _store(key, response):
        copy = HttpResponse(
            response.content,
            status=response.status_code,
        )
        for header, value in response.items():
            if header.lower() not in {"content-length", "x-cache"}:
                copy[header] = value
        cache.set(key, copy, settings.PUBLIC_CACHE_SECONDS)
