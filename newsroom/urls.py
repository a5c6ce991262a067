from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.sitemaps import views as sitemaps
from django.urls import include, path

from articles.sitemaps import SITEMAPS
from newsroom import accounts, views

account_patterns = [
    path("signup/", accounts.signup, name="signup"),
    path("activate/<str:uidb64>/<str:token>/", accounts.activate, name="activate"),
    path("login/", accounts.ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password_reset/", accounts.ThrottledPasswordResetView.as_view(), name="password_reset"),
    path("password_reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    # An index of per-section sitemaps, each split into files of at most 1,000 articles
    # (articles/sitemaps.py); the index lists every file of every section.
    path("sitemap.xml", sitemaps.index, {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap_section"}, name="sitemap"),
    path("sitemap-<slug:section>.xml", sitemaps.sitemap, {"sitemaps": SITEMAPS}, name="sitemap_section"),
    path("admin/", admin.site.urls),
    # Email providers' tracking webhooks (django-anymail): bounces and complaints suppress newsletter addresses.
    path("anymail/", include("anymail.urls")),
]

urlpatterns += i18n_patterns(
    path("accounts/", include(account_patterns)),
    path("cookies/", views.cookie_settings, name="cookie_settings"),
    path("", include("articles.urls")),
    path("", include("submissions.urls")),
    prefix_default_language=False,
)

if settings.SERVE_MEDIA:
    urlpatterns += [path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", views.media)]
