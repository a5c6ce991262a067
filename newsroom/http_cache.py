"""A shared HTTP cache (Varnish, a CDN) in front of the site: what it may store, and purging it.

Anonymous public pages are the same bytes for every reader (see public_cache.py), so a shared cache
may keep them: they say so with `Cache-Control: public, max-age=0, s-maxage=HTTP_CACHE_SECONDS` and
name their tags in `xkey` (Varnish's xkey vmod) and `Surrogate-Key` (Fastly). Every other response
says `private`, so no shared cache ever stores a signed-in page, a form or an answer that sets a cookie.

Browsers get max-age=0: they ask again every time, and only the shared cache, which is purged on every
change, answers from its copy.

Purging is shaped like Wagtail's frontend cache: backends with `purge(tags)`. `public_cache.invalidate(tags)`
calls `purge_on_commit(tags)`, so every change purges from the shared cache the very tags that make the
site's own cached pages stale: a story's edit reaches the pages that show it, not every page. The tags a
page carries are those public_cache collected while it was built (`response.cache_tags`), plus `newsroom`
for a purge of everything.
"""

import logging
import urllib.request

from django.conf import settings
from django.db import connection, transaction
from django.utils.cache import patch_cache_control

from newsroom import public_cache

logger = logging.getLogger(__name__)

SITE_TAG = public_cache.SITE_TAG


# --- What a shared cache may store --------------------------------------------------------------


def _public(request, response):
    user = getattr(request, "user", None)  # absent when a middleware answered before authentication
    cache_control = response.get("Cache-Control", "")
    return (
        settings.HTTP_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and user is not None
        and not user.is_authenticated
        and "messages" not in request.COOKIES  # a pending flash message is personal
        and response.status_code in public_cache.CACHEABLE_STATUS
        and not response.cookies
        and "private" not in cache_control
        and "no-store" not in cache_control
        and public_cache._cacheable_view(request)
    )


def tags(response):
    """The site-wide tag and those of what the page shows (`response.cache_tags`, e.g. "article-12")."""
    return " ".join([SITE_TAG, *sorted(set(getattr(response, "cache_tags", ())) - {SITE_TAG})])


def _drop_accept_language_from_vary(response):
    """The address alone decides a page's language: Django's LocaleMiddleware activates the default
    language on unprefixed paths (prefix_default_language=False) whatever Accept-Language says, yet adds
    it to Vary, which would make a shared cache keep one copy per browser language setting."""
    if not response.has_header("Vary"):
        return
    kept = [name.strip() for name in response["Vary"].split(",") if name.strip().lower() not in ("", "accept-language")]
    if kept:
        response["Vary"] = ", ".join(kept)
    else:
        del response["Vary"]


class SharedCacheHeadersMiddleware:
    """Outermost middleware, so it sees the cookies every other one sets and every early answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if _public(request, response):
            patch_cache_control(response, public=True, max_age=0, s_maxage=settings.HTTP_CACHE_SECONDS)
            response["xkey"] = response["Surrogate-Key"] = tags(response)
            _drop_accept_language_from_vary(response)
            return response
        cache_control = response.get("Cache-Control", "")
        if "public" in cache_control and not response.cookies:
            return response  # a view chose it for content that is not personal: robots.txt, static and media files
        if "no-cache" in cache_control or "no-store" in cache_control:
            patch_cache_control(response, private=True)
        else:
            patch_cache_control(response, private=True, no_cache=True)
        return response


# --- Purging -------------------------------------------------------------------------------------


class VarnishBackend:
    """Varnish with deploy/varnish/default.vcl: `PURGE` with the tags in `xkey-purge`."""

    def __init__(self, url, timeout=2):
        self.url = url
        self.timeout = timeout

    def purge(self, tags):
        request = urllib.request.Request(self.url, method="PURGE", headers={"xkey-purge": " ".join(tags)})
        with urllib.request.urlopen(request, timeout=self.timeout) as answer:
            answer.read()


def backends():
    """The configured purgers: none unless HTTP_CACHE_PURGE_URL names a Varnish."""
    if settings.HTTP_CACHE_PURGE_URL:
        return [VarnishBackend(settings.HTTP_CACHE_PURGE_URL)]
    return []


def purge(tags):
    """Purge the tags from every backend. A cache that cannot be reached is logged, never raised:
    the change is committed, and the cache's copies expire after HTTP_CACHE_SECONDS anyway."""
    for backend in backends():
        try:
            backend.purge(tags)
        except Exception:
            logger.exception("Could not purge %s from %s", " ".join(tags), type(backend).__name__)


def purge_on_commit(tags):
    """Purge the tags once the current transaction commits; one purge for all the saves it made."""
    if not backends():
        return
    # Kept on the connection (one per thread): saves in one transaction add to it, the first commit
    # callback purges them all and the others find nothing left. Tags of a rolled-back transaction
    # are purged with the next commit: harmless.
    pending = connection.__dict__.setdefault("_http_cache_pending_tags", set())
    pending.update(tags)
    transaction.on_commit(_purge_pending)


def _purge_pending():
    pending = connection.__dict__.get("_http_cache_pending_tags")
    if pending:
        tags = sorted(pending)
        pending.clear()
        purge(tags)
