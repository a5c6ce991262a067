"""The site's own caches of public pages and fragments, made stale by tag.

**Tags.** Whatever a page shows is named by tags: `article-12` (a story), `section-3`, `tag-7`,
`author-5` (a section's, tag's, author's own data and the stories they list), `front`, `search`, `feed`,
`sitemap`, `page-privacy`, `sections` (the menu), `disclaimers`; the articles app names them
(articles/cache_tags.py). Code that loads something for a page says so with `tag(...)`; a cached fragment
or value records the tags named while it was built, and the page collects every one of them (from
fragments served from the cache too). Every change calls `invalidate(tags)` with the tags of what it
touched: after commit their versions grow here, and the shared HTTP cache purges the same tags
(newsroom/http_cache.py, which also sends them in `xkey`/`Surrogate-Key`). Every page also carries
`newsroom` (SITE_TAG): invalidating it makes every page stale.

**Versions.** A tag's version is a row in the database (newsroom.CacheTagVersion; no row: 0), not a
cache entry, so that a change made in any process is seen by all of them. A new version is greater than
every version any tag has had and than the clock in nanoseconds, so versions never go back: after a
backup of an older database is restored they move past every value the old site could have used, and
no cached copy made before the restore is ever taken for current (issue 18).

**Pages.** An anonymous public page is stored with the versions of its tags (at most
PUBLIC_CACHE_SECONDS). A request's first and, on a hit, only query reads the current versions of the
stored page's tags together with the greatest version of all: equal versions mean a hit. That greatest
version is where the request starts (`Build.start`): a tag whose version is above it changed while the
page was being built, and nothing built from it is stored.

**Fragments and values** (`versioned()`, `{% fragment %}`) are of two kinds. Those whose key names
everything they show (a listing card keyed by its story's columns) record no tag and are never checked.
The others are stored with their tags' versions and the `start` of the request that stored them: a
later request that starts from the same greatest version knows nothing has changed anywhere and uses
them without a query; otherwise one query compares their versions, and a match is stamped with the new
start. What a request builds is stored when it ends, with one query for the versions of all of it.

An anonymous public page is the same bytes for every reader of its address: it carries no CSRF token
and sets no cookie (the newsletter sign-up on it is protected by newsroom/csrf.py instead). A response
that sets a cookie is never stored.
"""

import contextlib
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
# Views that read no cache-tag version: the health check answers in bounded time even when the
# database does not (newsroom/health.py).
UNVERSIONED_VIEWS = {":healthz"}
SITE_TAG = "newsroom"
# Every cached 404 carries it, and any new or changed public content invalidates it: the address
# a "not found" was cached for may be the new story's.
NOT_FOUND_TAG = "not-found"


# --- Versions -----------------------------------------------------------------------------------


@functools.cache
def _table():
    from newsroom.models import CacheTagVersion

    return connection.ops.quote_name(CacheTagVersion._meta.db_table)


def read_versions(tags):
    """({tag: version} for `tags`, 0 for a tag without a row; the greatest version of any tag): one query."""
    tags = sorted(set(tags))
    table = _table()
    sql = f"SELECT NULL, MAX(version) FROM {table}"
    if tags:
        sql = f"SELECT tag, version FROM {table} WHERE tag IN ({', '.join(['%s'] * len(tags))}) UNION ALL {sql}"
    with connection.cursor() as cursor:
        cursor.execute(sql, tags)
        rows = cursor.fetchall()
    found = {tag: version for tag, version in rows if tag is not None}
    greatest = next((version for tag, version in rows if tag is None), None) or 0
    return {tag: found.get(tag, 0) for tag in tags}, greatest


def bump(tags):
    """Give each tag a new version: above every version any tag has now and above the clock (ns), so a
    version never goes back, even once a backup of an older database is restored."""
    tags = sorted(set(tags))
    if not tags:
        return
    table = _table()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(version) FROM {table}")
        new = max((cursor.fetchone()[0] or 0) + 1, time.time_ns())
        # Sorted: two processes bumping overlapping tags lock their rows in the same order.
        cursor.executemany(
            f"INSERT INTO {table} (tag, version) VALUES (%s, %s) ON CONFLICT (tag) DO UPDATE SET version = "
            f"CASE WHEN {table}.version >= excluded.version THEN {table}.version + 1 ELSE excluded.version END",
            [(tag, new) for tag in tags],
        )


def invalidate(tags=(SITE_TAG,)):
    """Make what carries any of `tags` stale once the current transaction commits, here and in the
    shared HTTP cache (newsroom/http_cache.py). Without tags: every page."""
    from newsroom import http_cache

    # Kept on the connection (one per thread): the saves of one transaction add to it and the first
    # commit callback bumps them all, before the shared cache is purged (so that it refetches fresh pages).
    pending = connection.__dict__.setdefault("_public_cache_pending_tags", set())
    pending.update(tags)
    transaction.on_commit(_bump_pending)
    http_cache.purge_on_commit(tags)


def _bump_pending():
    pending = connection.__dict__.get("_public_cache_pending_tags")
    if pending:
        tags = set(pending)
        pending.clear()
        bump(tags)


# --- What one request builds --------------------------------------------------------------------


class Build:
    """The tags one request (or one computation outside a request) shows, and what it will store."""

    def __init__(self):
        self._start = None
        self.known = {}  # versions read no later than `start`: valid stamps, and no need to ask again
        self.collectors = [set()]  # the page's tags; a fragment or value being built adds its own set
        self.pending = []  # (key, tags, value, seconds): stored by flush()

    def begin(self, tags=()):
        """Read where the request starts (once, before the data it shows), with these tags' versions."""
        if self._start is None:
            versions, self._start = read_versions(tags)
            self.known.update(versions)
        return self._start

    @property
    def start(self):
        """The greatest version when the request started."""
        return self.begin()

    def versions(self, tags):
        missing = set(tags) - self.known.keys()
        current = read_versions(missing)[0] if missing else {}
        return {tag: self.known[tag] if tag in self.known else current[tag] for tag in tags}

    def tag(self, tags):
        for collector in self.collectors:
            collector.update(tags)

    @contextlib.contextmanager
    def collecting(self):
        tags = set()
        self.collectors.append(tags)
        try:
            yield tags
        finally:
            self.collectors.pop()

    def lookup(self, key, seconds):
        entry = cache.get(key)
        if entry is None:
            return None
        stamp, versions, value = entry
        if versions and stamp != self.start:
            if self.versions(versions) != versions:
                return None
            # Still current: stamped with this start, the next request from it need not ask again.
            cache.set(key, (self.start, versions, value), seconds)
        self.tag(versions)
        return value

    def flush(self, page_tags=()):
        """Store what was built, with its tags' versions (one query at most); return those of `page_tags`."""
        versions = self.versions(set(page_tags).union(*(tags for _, tags, _, _ in self.pending)))
        for key, tags, value, seconds in self.pending:
            stamp = {tag: versions[tag] for tag in tags}
            if all(version <= self.start for version in stamp.values()):  # else it changed while being built
                cache.set(key, (self.start, stamp, value), seconds)
        self.pending.clear()
        return {tag: versions[tag] for tag in page_tags}


_build = contextvars.ContextVar("public_cache_build", default=None)


def tag(*tags):
    """Say that what is being built shows what these tags name (nothing happens outside a request)."""
    build = _build.get()
    if build is not None:
        build.tag(tags)


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
    """A template fragment's key: its name and parts, the release, language and site address."""
    digest = hashlib.sha256("|".join([site_address(request), *map(str, parts)]).encode()).hexdigest()
    return f"fragment:{release()}:{get_language()}:{name}:{digest}"


def versioned(request, name, parts, compute, seconds=None, tags=()):
    """`compute()`, cached like a fragment (same key rules; FRAGMENT_CACHE_SECONDS unless `seconds`
    is given) until one of `tags` or of the tags named while computing it is invalidated; None is not
    cached. (Tags known in advance are read with the request's first query when it has not been made.)"""
    seconds = settings.FRAGMENT_CACHE_SECONDS if seconds is None else seconds
    build = _build.get()
    if not seconds:
        if build is not None:
            build.tag(tags)  # what it shows still reaches the page being built
        return compute()
    standalone = build is None
    if standalone:  # a command, a test: no request to store it at the end of
        build = Build()
    build.begin(tags)  # before the data is read
    key = fragment_key(request, name, parts)
    value = build.lookup(key, seconds)
    if value is None:
        with build.collecting() as named:
            build.tag(tags)
            value = compute()
        if value is not None:
            build.pending.append((key, named, value, seconds))
    if standalone:
        build.flush()
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
    return f"public-page:{release()}:{get_language()}:{request.method}:{path}"


def _anonymous_and_plain(request):
    return (
        request.method in ("GET", "HEAD")
        and not request.user.is_authenticated
        and "messages" not in request.COOKIES  # a pending flash message is personal
    )


class PublicPageCacheMiddleware:
    """Innermost middleware: the outer ones (sessions, CSRF cookie, CSP, locale) still run on cached pages.

    Every response leaves with `cache_tags`: what its page shows (for the shared cache's headers)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _view_name(settings.ROOT_URLCONF, request.path_info) in UNVERSIONED_VIEWS:
            return self.get_response(request)
        build = Build()
        token = _build.set(build)
        try:
            return self._respond(request, build)
        finally:
            _build.reset(token)

    def _respond(self, request, build):
        caching = bool(settings.PUBLIC_CACHE_SECONDS) and _anonymous_and_plain(request) and _cacheable_view(request)
        key = _key(request) if caching else None
        entry = cache.get(key) if caching else None
        if settings.PUBLIC_CACHE_SECONDS or settings.FRAGMENT_CACHE_SECONDS:
            # One query, before the view reads anything: the stored page's versions and where we start.
            build.begin(entry[0] if entry else ())
            current = {tag: build.known[tag] for tag in entry[0]} if entry else None
            if entry is not None and current == entry[0]:
                response = entry[1]
                response.cache_tags = set(entry[0])
                response["X-Cache"] = "hit"
                return response
        response = self.get_response(request)
        tags = build.collectors[0] | set(getattr(response, "cache_tags", ())) | {SITE_TAG}
        if response.status_code == 404:
            tags.add(NOT_FOUND_TAG)
        response.cache_tags = tags
        store = caching and self._storable(response)
        versions = build.flush(tags if store else ())
        if store and all(version <= build.start for version in versions.values()):
            self._store(key, versions, response)
        if caching:
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
    def _store(key, versions, response):
        copy = HttpResponse(
            response.content,
            status=response.status_code,
        )
        for header, value in response.items():
            if header.lower() not in {"content-length", "x-cache"}:
                copy[header] = value
        cache.set(key, (versions, copy), settings.PUBLIC_CACHE_SECONDS)
