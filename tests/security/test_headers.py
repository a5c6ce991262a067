"""Production security headers and cookies, checked on real responses.

The production values are read from the settings module in a fresh process started with DEBUG=0 (as
a deployment starts it), then applied to this test process with override_settings, so the headers
asserted here are the ones production sends, not a copy of them. The deployment checklist itself
(`check --deploy`) and the SECRET_KEY guard are in tests/newsroom/test_settings.py.
"""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.template import RequestContext, Template
from django.test import Client, override_settings
from django.urls import path

from submissions.models import Status
from tests import factories
from tests.security.htmlcheck import csp_nonce

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
HOST = "news.example.org"
NAMES = [
    "DEBUG", "SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD", "SECURE_CONTENT_TYPE_NOSNIFF", "SECURE_REFERRER_POLICY", "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "X_FRAME_OPTIONS", "SECURE_CSP", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY", "CSRF_COOKIE_SAMESITE", "LANGUAGE_COOKIE_SECURE",
    "LANGUAGE_COOKIE_HTTPONLY", "MIDDLEWARE",
]


def run_settings(**env):
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS"}}
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name, None) for name in {NAMES!r}}}, default=str))"
    )
    return subprocess.run([sys.executable, "manage.py", "shell", "--no-imports", "-c", code], cwd=ROOT,
                          env={**clean, **env}, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def production():
    result = run_settings(DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS=HOST)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


@pytest.fixture
def live(production, settings):
    """This process, configured as production is (database and secret aside)."""
    with override_settings(**production, ALLOWED_HOSTS=[HOST], RATELIMIT_ENABLED=False):
        yield Client(HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="https")


def directives(response):
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in policy.split(";")) if part}


# --- Settings a deployment gets -----------------------------------------------------------------------

def test_production_is_not_in_debug_and_redirects_to_https(production):
    assert production["DEBUG"] is False
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert production["SESSION_COOKIE_SECURE"] and production["CSRF_COOKIE_SECURE"]


def test_debug_on_refuses_to_start_with_a_public_host():
    result = run_settings(DEBUG="1", SECRET_KEY="x" * 50, ALLOWED_HOSTS=HOST)

    assert result.returncode != 0
    assert "DEBUG is on while ALLOWED_HOSTS names public hosts" in result.stderr


def test_debug_on_still_serves_a_developer_on_local_addresses():
    result = run_settings(DEBUG="1", ALLOWED_HOSTS="localhost,127.0.0.1,[::1],192.168.1.20")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["DEBUG"] is True


# --- Headers ------------------------------------------------------------------------------------------------

def sample_pages(client):
    article = factories.article(title="Harbour bridge reopens")
    return {
        "front page": client.get("/"),
        "article": client.get(article.get_absolute_url()),
        "search": client.get("/search/", {"q": "harbour"}),
        "log-in": client.get("/accounts/login/"),
        "submission form": client.get("/submit/"),
        "not found": client.get("/no-such-page/"),
        "disabled": client.get(factories.article(status="disabled").get_absolute_url()),
        "feed": client.get("/feeds/latest/"),
        "health": client.get("/healthz"),
    }


def test_every_response_carries_the_security_headers(live):
    for name, response in sample_pages(live).items():
        assert response.status_code in (200, 404, 451), name
        assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload", name
        assert response["X-Content-Type-Options"] == "nosniff", name
        assert response["Referrer-Policy"] == "strict-origin-when-cross-origin", name
        assert response["X-Frame-Options"] == "DENY", name
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", name
        assert "Content-Security-Policy" in response, name


def test_the_content_security_policy_allows_no_inline_code_and_no_framing(live):
    response = live.get("/")
    policy = directives(response)
    header = response["Content-Security-Policy"]

    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no page uses an inline script, so none carries a nonce
    assert policy["style-src"] == ["'self'"]
    for loose in ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "http:", "https:", "'strict-dynamic'"):
        assert loose not in header.split(), loose
    assert "data:" not in policy["script-src"] + policy["style-src"] + policy["default-src"]


def _inline_script_view(request):
    template = Template('<!doctype html><title>t</title><script nonce="{{ csp_nonce }}">window.ok = 1;</script>')
    return HttpResponse(template.render(RequestContext(request)))


urlpatterns = [path("inline/", _inline_script_view)]


def test_an_inline_script_that_must_exist_gets_a_fresh_nonce(live):
    """Should a page ever need an inline script, the template's {{ csp_nonce }} is the one the header allows."""
    with override_settings(ROOT_URLCONF=__name__):
        responses = [live.get("/inline/") for _ in range(3)]

    nonces = []
    for response in responses:
        nonce = csp_nonce(response)
        assert nonce and f'<script nonce="{nonce}">' in response.content.decode()
        assert directives(response)["script-src"] == ["'self'", f"'nonce-{nonce}'"]
        nonces.append(nonce)
    assert len(set(nonces)) == 3


def test_pages_need_no_inline_script_or_style(live, settings):
    """What the CSP forbids, the pages do not use: inline scripts without the nonce, <style>, style="",
    on*="" handlers. Staff pages (moderation, copyright, admin) included."""
    superuser = factories.user(password=None, is_staff=True, is_superuser=True)
    article = factories.article(title="Harbour bridge reopens")
    submission = factories.submission(status=Status.IN_REVIEW, by=superuser)
    staff = Client(HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="https")
    staff.force_login(superuser)
    pages = {**{path: live.get(path) for path in ("/", article.get_absolute_url(), "/search/?q=harbour", "/submit/",
                                                    "/accounts/login/", "/accounts/signup/", "/newsletter/",
                                                    "/cookies/", "/pages/privacy/", "/copyright/report/")},
             **{path: staff.get(path) for path in ("/my/submissions/", "/moderation/", f"/moderation/{submission.pk}/",
                                                   "/copyright/cases/", "/admin/", "/admin/articles/article/",
                                                   f"/admin/articles/article/{article.pk}/change/")}}
    for path, response in pages.items():
        if response.status_code == 404 and path.startswith("/copyright/"):
            continue  # takedowns not built yet
        assert response.status_code == 200, path
        html = response.content.decode()
        nonce = csp_nonce(response)
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert " src=" in tag or f'nonce="{nonce}"' in tag or 'type="application/json"' in tag, (path, tag)
        for tag in re.findall(r"<style\b[^>]*>", html):
            assert f'nonce="{nonce}"' in tag, (path, tag)
        assert not re.search(r"<[^>]+\sstyle=", html), (path, re.search(r"<[^>]+\sstyle=[^>]*>", html).group(0))
        assert not re.search(r"<[^>]+\son[a-z]+=", html), path


def test_plain_http_is_sent_to_https(production):
    with override_settings(**production, ALLOWED_HOSTS=[HOST]):
        response = Client(HTTP_HOST=HOST).get("/articles/some-story/?ref=mail")

    assert response.status_code == 301
    assert response["Location"] == f"https://{HOST}/articles/some-story/?ref=mail"


# --- Cookies ------------------------------------------------------------------------------------------------

def test_cookies_are_secure_http_only_and_same_site(live, settings):
    factories.user(username="reader", password=factories.PASSWORD)

    form = live.get("/accounts/login/")
    response = live.post("/accounts/login/", {"login": "reader", "password": factories.PASSWORD})

    assert response.status_code == 302
    cookies = {**form.cookies, **response.cookies}
    for name in ("sessionid", "csrftoken"):
        cookie = cookies[name]
        assert cookie["secure"] is True, name
        assert cookie["httponly"] is True, name
        assert cookie["samesite"] == "Lax", name


def test_flash_messages_in_cookies_are_secure_too(live):
    article = factories.article(title="Harbour bridge reopens")

    response = live.post(f"/flag/{article.slug}/", {"reason": "inaccurate", "note": "Wrong date."})

    assert response.status_code == 302
    for name, cookie in response.cookies.items():
        assert cookie["secure"] is True and cookie["httponly"] is True, name
