"""CSRF protection without a per-reader token, for the one form on pages every anonymous reader shares.

Anonymous public pages are the same bytes for every reader (they are cached, by the site and by a
shared HTTP cache), so they cannot carry a token of their own. The newsletter sign-up on them is
protected the way browsers now allow: a browser says where a request comes from, in `Sec-Fetch-Site`
(every current browser) or `Origin` (every browser since 2020 on a POST), and a request that another
site made the reader's browser send is refused. Such a request also could do little harm here: the
sign-up only sends a confirmation email (double opt-in), and it is rate-limited by address and by IP.
A request that carries neither header is not from a browser (curl, a script): cross-site request
forgery needs the victim's browser, so it is let through like any other anonymous request.

Every other form keeps Django's token (its pages are personal and never shared).
"""

import functools
from urllib.parse import urlsplit

from django.conf import settings
from django.views.decorators.csrf import csrf_exempt

SAME_SITE_FETCHES = {"same-origin", "none"}  # "none": the reader typed the address or used a bookmark


def _trusted_origins(request):
    return {f"{request.scheme}://{request.get_host()}", *settings.CSRF_TRUSTED_ORIGINS}


def from_this_site(request) -> bool:
    """Whether the browser says the request comes from this site's own pages (see the module's docstring)."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site in SAME_SITE_FETCHES
    origin = request.headers.get("Origin")
    if origin is not None:
        return origin in _trusted_origins(request)
    referer = request.headers.get("Referer")
    if referer:
        parts = urlsplit(referer)
        return f"{parts.scheme}://{parts.netloc}" in _trusted_origins(request)
    return True


def same_origin_post(view):
    """Django's CSRF token replaced by the browser's word on where the POST comes from: 403 otherwise."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "POST" and not from_this_site(request):
            from django.views.csrf import csrf_failure

            return csrf_failure(request, reason="The request did not come from this site's pages.")
        return view(request, *args, **kwargs)

    return csrf_exempt(wrapped)
