from django.conf import settings
from django.urls import translate_url
from django.utils.functional import SimpleLazyObject

from articles.models import Category


def site(request):
    """Site-wide template values: name, menu, language links, consent state."""
    path = request.get_full_path()
    return {
        "site_name": settings.SITE_NAME,
        "copyright_email": settings.COPYRIGHT_EMAIL,
        "menu_categories": Category.objects.all(),
        # Lazy: a page whose header and links come from cached fragments never works them out.
        "language_links": SimpleLazyObject(
            lambda: [(code, name, translate_url(path, code)) for code, name in settings.LANGUAGES]
        ),
        "cookie_consent": request.COOKIES.get(settings.COOKIE_CONSENT_NAME),
    }
