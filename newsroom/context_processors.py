from django.conf import settings
from django.urls import translate_url
from django.utils.functional import SimpleLazyObject

from articles.models import Category


def language_links(path, editions=None):
    """(code, name, url) for each language: `path` in that language, or the address `editions` gives for it
    (an article page names its translation's, so that the switcher opens the translated story)."""
    editions = editions or {}
    return [(code, name, editions.get(code) or translate_url(path, code)) for code, name in settings.LANGUAGES]


def site(request):
    """Site-wide template values: name, menu, language links, consent state."""
    path = request.get_full_path()
    return {
        "site_name": settings.SITE_NAME,
        "copyright_email": settings.COPYRIGHT_EMAIL,
        "menu_categories": Category.objects.all(),
        # Lazy: a page whose header and links come from cached fragments never works them out.
        "language_links": SimpleLazyObject(lambda: language_links(path)),
        "cookie_consent": request.COOKIES.get(settings.COOKIE_CONSENT_NAME),
    }
