from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe
from django.views.static import serve

from newsroom import health


@require_safe
@never_cache
def healthz(request):
    """200 when the database and the cache answer, else 503; the body names each part's state (newsroom/health.py)."""
    results = health.report()
    healthy = all(state == "ok" for state in results.values())
    return JsonResponse(results, status=200 if healthy else 503)


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


@require_safe
def cookie_settings(request):
    """Which cookies the site sets, and why there is nothing to choose: none is optional."""
    return render(request, "newsroom/cookie_settings.html")


def media(request, path):
    """Development only (settings.SERVE_MEDIA): uploads and covers from MEDIA_ROOT."""
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    if path.startswith("covers/"):
        # Cover file names carry a hash of their content (articles/cover_files.py).
        response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
