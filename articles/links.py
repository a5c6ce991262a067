"""Which addresses are this site's articles: one answer for the notice form, staff and mail intake.

A URL is an article URL when its host is one of this site's (ALLOWED_HOSTS patterns, the host of
SITE_URL, and TAKEDOWN_SITE_HOSTS) and the site would route its path to the article page, in
either language. The path is resolved against the site's own URL patterns rather than matched
with a pattern of our own, so the two can never disagree.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.http import Http404
from django.http.request import split_domain_port, validate_host
from django.urls import resolve, reverse
from django.utils import translation

ARTICLE_VIEW = "articles:detail"
# What running text puts right after a link: "see …/articles/slug/)." is the article.
TRAILING_PUNCTUATION = ".,;:!?)]}>'\"»」』、。…"


class ArticleLink(NamedTuple):
    slug: str  # as written: an old slug still names its article (takedowns.articles_by_slug)
    language: str
    path: str  # the article's path in that language, as reverse() gives it (percent-encoded)
    url: str  # canonical and readable: scheme://host[:port][/ko]/articles/<slug>/


def host_patterns(hosts: Iterable[str] | str) -> list[str]:
    """Host patterns in ALLOWED_HOSTS syntax; "*" is dropped: it would make every site's links ours."""
    if isinstance(hosts, str):
        hosts = [hosts]
    patterns = (host.strip().lower().removesuffix(".") for host in hosts if host)
    return list(dict.fromkeys(p for p in patterns if p and p != "*"))


def site_hosts() -> list[str]:
    """This site's hosts: ALLOWED_HOSTS, SITE_URL's host, and TAKEDOWN_SITE_HOSTS (e.g. a former domain)."""
    return host_patterns([*settings.ALLOWED_HOSTS, _host(urlsplit(settings.SITE_URL).netloc),
                          *settings.TAKEDOWN_SITE_HOSTS])


def _host(netloc: str) -> str:
    # Lower-cased, without port or trailing dot, IPv6 kept in brackets: as ALLOWED_HOSTS names it.
    return split_domain_port(netloc.rpartition("@")[2])[0]


def is_site_url(url: str, hosts: Iterable[str] | None = None) -> bool:
    """True when the URL's host is one of this site's (whatever its path)."""
    try:
        host = _host(urlsplit(url).netloc)
    except ValueError:
        return False
    return bool(host) and validate_host(host, site_hosts() if hosts is None else host_patterns(hosts))


def parse(url: str, hosts: Iterable[str] | None = None) -> ArticleLink | None:
    """The article a URL points at on this site (`hosts` instead of site_hosts() if given), else None."""
    url = url.strip().rstrip(TRAILING_PUNCTUATION)
    try:
        parts = urlsplit(url)
        port = parts.port  # refuses a port that is not a number
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not is_site_url(url, hosts):
        return None
    path = unicodedata.normalize("NFC", unquote(parts.path, errors="replace")) or "/"
    candidates = [path]
    if settings.APPEND_SLASH and not path.endswith("/"):
        candidates.append(path + "/")  # the site redirects there
    for language, _name in settings.LANGUAGES:
        with translation.override(language):  # the /ko/ prefix only resolves with Korean active
            for candidate in candidates:
                try:
                    match = resolve(candidate)
                except Http404:
                    continue
                if match.view_name == ARTICLE_VIEW:
                    slug = match.kwargs["slug"]
                    article_path = reverse(ARTICLE_VIEW, kwargs={"slug": slug})
                    netloc = _host(parts.netloc) + (f":{port}" if port is not None else "")
                    return ArticleLink(slug=slug, language=language, path=article_path,
                                       url=f"{parts.scheme.lower()}://{netloc}{unquote(article_path)}")
    return None

