from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps import views as sitemaps
from django.urls import include, path
from django.views.generic import RedirectView

from articles.sitemaps import SITEMAPS
from newsroom import account, accounts, privacy_views, two_factor, views

account_patterns = [
    # Ours where we add limits (newsroom/accounts.py); the rest is allauth's.
    path("login/", accounts.LoginView.as_view(), name="account_login"),
    path("signup/", accounts.SignupView.as_view(), name="account_signup"),
    path("password/reset/", accounts.PasswordResetView.as_view(), name="account_reset_password"),
    # Two-factor (newsroom/two_factor.py): staff are sent to the guided set-up; codes are limited per account.
    path("2fa/required/", two_factor.setup_required, name="mfa_required"),
    path("2fa/authenticate/", two_factor.AuthenticateView.as_view(), name="mfa_authenticate"),
    path("", include("allauth.urls")),
    # The addresses of before allauth, still in bookmarks and emails.
    path("password_reset/", RedirectView.as_view(pattern_name="account_reset_password", query_string=True)),
    path("password_reset/done/", RedirectView.as_view(pattern_name="account_reset_password_done")),
    path("reset/done/", RedirectView.as_view(pattern_name="account_reset_password_from_key_done")),
    path("reset/<str:uidb64>/<str:token>/", accounts.old_password_reset_link),
    path("activate/<str:uidb64>/<str:token>/", accounts.old_activation_link),
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
    path("my/account/", account.account_page, name="my_account"),
    # Privacy rights (newsroom/privacy.py); the account page (my_account) links them.
    path("my/account/export/", privacy_views.export, name="my_account_export"),
    path("my/account/delete/", privacy_views.delete, name="my_account_delete"),
    path("my/account/deleted/", privacy_views.deleted, name="my_account_deleted"),
    path("", include("articles.urls")),
    path("", include("submissions.urls")),
    path("", include("submissions.takedowns.urls")),
    prefix_default_language=False,
)

if settings.SERVE_MEDIA:
    urlpatterns += [path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", views.media)]
