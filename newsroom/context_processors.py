import functools

from django.conf import settings
from django.urls import translate_url
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language

from articles.models import Category
from newsroom import public_cache


def language_links(path, editions=None):
    """(code, name, url) for each language: `path` in that language, or the address `editions` gives for it
    (an article page names its translation's, so that the switcher opens the translated story)."""
    editions = editions or {}
    return [(code, name, editions.get(code) or _translated(path, code, get_language())) for code, name in settings.LANGUAGES]


@functools.lru_cache(maxsize=4096)
def _translated(path, language, active_language):
    """translate_url() remembered: the URL patterns and the active language (which decides how a path
    resolves) alone decide it, and every page's header asks for each language (it resolves the path and
    reverses it again: a tenth of a millisecond per page)."""
    return translate_url(path, language)


def site_values(request=None):
    """The site's own values, which no view can change: all a shared fragment sees besides what its
    tag names (newsroom/templatetags/fragments.py). The site address is the one fragment keys carry."""
    return {
        "site_name": settings.SITE_NAME,
        "copyright_email": settings.COPYRIGHT_EMAIL,
        "menu_categories": Category.objects.all(),
        "LANGUAGE_CODE": get_language(),
        "site_address": SimpleLazyObject(lambda: public_cache.site_address(request)),
    }


def site(request):
    """Site-wide template values: the site's own (above) and the language links."""
    path = request.get_full_path()
    return {
        **site_values(request),
        # Lazy: a page whose header and links come from cached fragments never works them out.
        "language_links": SimpleLazyObject(lambda: language_links(path)),
    }
