from django.conf import settings
from django.db import connection
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_safe
from django.views.static import serve

CONSENT_CHOICES = {"all", "essential"}


@require_safe
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


@require_safe
@cache_control(max_age=86400, public=True)
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /accounts/",
        "Disallow: /my/",
        "Disallow: /moderation/",
        "Disallow: /search/",
        "Disallow: /ko/search/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


def safe_next(request, fallback="/"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


@require_http_methods(["GET", "HEAD", "POST"])
def cookie_settings(request):
    """The consent choice: a plain form, so it works without JavaScript."""
    invalid = False
    if request.method == "POST":
        choice = request.POST.get("consent")
        invalid = choice not in CONSENT_CHOICES
        if not invalid:
            response = HttpResponseRedirect(safe_next(request, reverse("cookie_settings")))
            response.set_cookie(
                settings.COOKIE_CONSENT_NAME, choice, max_age=settings.COOKIE_CONSENT_MAX_AGE,
                samesite="Lax", secure=request.is_secure(), httponly=True,
            )
            return response
    return render(
        request, "newsroom/cookie_settings.html", {"next": safe_next(request, ""), "invalid": invalid},
        status=400 if invalid else 200,
    )


def media(request, path):
    """Development only (settings.SERVE_MEDIA): uploads and covers from MEDIA_ROOT."""
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    if path.startswith("covers/"):
        # Cover file names carry a hash of their content (articles/cover_files.py).
        response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
