"""Two-factor authentication for staff (newsroom/two_factor.py, allauth.mfa).

Staff without an authenticator are sent from every staff area and the admin to the guided set-up;
log-in asks staff with one for a code (or a recovery code, used up once used); wrong codes are limited
per account; the admin's log-in goes through the same steps; readers are never asked.
"""

from urllib.parse import quote

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.test import Client

from articles.models import Article
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = factories.PASSWORD


def logged_in(client):
    return "_auth_user_id" in client.session


def log_in(client, username, next_url=""):
    data = {"login": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post("/accounts/login/", data)


def setup_url(next_url):
    return "/accounts/2fa/required/?next=" + quote(next_url, safe="")


@pytest.fixture
def draft():
    return factories.article(status=Article.Status.DRAFT)


# --- Staff without a second factor ----------------------------------------------------------------

@pytest.mark.parametrize("make_staff, path", [
    (lambda: factories.moderator(two_factor=False), "/moderation/"),
    (lambda: factories.moderator(two_factor=False), "/moderation/1/"),
    (lambda: factories.copyright_staff(two_factor=False), "/copyright/cases/"),
    (lambda: factories.copyright_staff(two_factor=False), "/copyright/cases/TD-2026-00001/"),
    (lambda: factories.editor(two_factor=False), "/admin/"),
    (lambda: factories.editor(two_factor=False), "/admin/articles/article/"),
    (lambda: factories.user(is_staff=True, is_superuser=True, two_factor=False), "/admin/auth/user/"),
    (lambda: factories.user(is_staff=True, is_superuser=True, two_factor=False), "/moderation/"),
    (lambda: factories.user(is_staff=True, is_superuser=True, two_factor=False), "/copyright/cases/"),
], ids=["queue", "review", "cases", "case", "admin", "admin-articles", "admin-users", "superuser-queue",
        "superuser-cases"])
def test_staff_without_an_authenticator_are_sent_to_the_set_up_from_every_staff_area(client, make_staff, path):
    client.force_login(make_staff())

    response = client.get(path)

    assert response.status_code == 302 and response["Location"] == setup_url(path)


def test_every_page_behind_a_staff_role_is_marked_a_staff_page():
    """Staff pages are marked where they are defined (the role decorators mark theirs): walking the URLconf finds
    every one, so a new view behind a staff role cannot be left out of the second-factor guard."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield f"{namespace}{pattern.name}", pattern.callback

    marked = {name for name, view in walk(get_resolver().url_patterns) if getattr(view, "staff_page", False)}
    assert marked == {"articles:preview", "submissions:queue", "submissions:review", "submissions:resolve_flag",
                      "takedowns:cases", "takedowns:case", "takedowns:message_original", "takedowns:attachment"}


def test_the_staff_preview_and_a_post_are_guarded_too(client, draft):
    editor = factories.editor(two_factor=False)
    client.force_login(editor)

    assert client.get(f"/preview/{draft.pk}/")["Location"] == setup_url(f"/preview/{draft.pk}/")
    response = client.post("/moderation/flags/1/resolve/", {"note": "x"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/required/")


def test_the_set_up_page_explains_why_in_korean(client):
    client.force_login(factories.moderator(two_factor=False))

    response = client.get("/ko/moderation/")
    assert response["Location"] == "/ko/accounts/2fa/required/?next=%2Fko%2Fmoderation%2F"
    page = client.get(response["Location"]).content.decode()

    assert "2단계 인증" in page and 'href="/ko/accounts/2fa/totp/activate/"' in page


def test_staff_with_an_authenticator_reach_their_pages(client, draft):
    editor = factories.editor()
    moderator = factories.moderator()
    assert Authenticator.objects.filter(user=editor, type="totp").exists()

    client.force_login(editor)
    assert client.get(f"/preview/{draft.pk}/").status_code == 200
    assert client.get("/admin/articles/article/").status_code == 200
    client.force_login(moderator)
    assert client.get("/moderation/").status_code == 200


# --- Guided set-up --------------------------------------------------------------------------------

def test_a_moderators_first_login_sets_up_an_authenticator_then_reaches_the_queue():
    factories.moderator(username="mira", two_factor=False)
    client = Client()
    response = log_in(client, "mira", next_url="/moderation/")
    assert response.status_code == 302 and logged_in(client)  # no factor yet: the password alone logs in

    response = client.get("/moderation/")
    assert response["Location"] == setup_url("/moderation/")
    page = client.get(response["Location"]).content.decode()
    assert "Set up two-factor authentication" in page and "publish to every reader" in page

    response = client.get("/accounts/2fa/totp/activate/")  # a sensitive change: the password once more
    assert response["Location"] == "/accounts/reauthenticate/?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F"
    response = client.post(response["Location"], {"password": PASSWORD})
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    page = client.get("/accounts/2fa/totp/activate/").content.decode()
    secret = client.session["mfa.totp.secret"]
    assert 'src="data:image/svg+xml;base64,' in page  # the QR code
    assert f'value="{secret}"' in page  # and the secret, for typing in by hand

    response = client.post("/accounts/2fa/totp/activate/", {"code": "000000" if factories.totp_code(secret) != "000000"
                                                            else "111111"})
    assert "Incorrect code" in response.content.decode()
    response = client.post("/accounts/2fa/totp/activate/", {"code": factories.totp_code(secret)})
    assert response["Location"] == "/accounts/2fa/recovery-codes/"

    page = client.get("/accounts/2fa/recovery-codes/").content.decode()
    user = Authenticator.objects.get(type="totp").user
    codes = factories.recovery_codes(user)
    assert len(codes) == 10 and all(code in page for code in codes)
    assert 'href="/accounts/2fa/recovery-codes/download/"' in page
    download = client.get("/accounts/2fa/recovery-codes/download/")
    assert download["Content-Disposition"].startswith("attachment") and codes[0] in download.content.decode()
    assert 'href="/accounts/2fa/required/"' in page  # "I have saved my codes: continue"

    response = client.get("/accounts/2fa/required/")
    assert response["Location"] == "/moderation/"
    assert client.get("/moderation/").status_code == 200


def test_the_set_up_never_continues_to_another_site(client):
    client.force_login(factories.moderator(two_factor=False))
    client.get("/accounts/2fa/required/?next=https://evil.example/")

    assert "newsroom_mfa_next" not in client.session


# --- Logging in with a second factor -------------------------------------------------------------

def test_staff_log_in_with_password_and_a_code():
    moderator = factories.moderator(username="mira")
    client = Client()

    response = log_in(client, "mira", next_url="/moderation/")
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    assert not logged_in(client)  # the password alone is not enough
    assert client.get("/moderation/")["Location"].startswith("/accounts/login/")

    response = client.post("/accounts/2fa/authenticate/", {"code": factories.totp_code(moderator)})

    assert response["Location"] == "/moderation/" and logged_in(client)
    assert client.get("/moderation/").status_code == 200


def test_log_in_with_a_recovery_code_uses_it_up():
    moderator = factories.moderator(username="mira")
    code = factories.recovery_codes(moderator)[0]
    client = Client()
    log_in(client, "mira")

    response = client.post("/accounts/2fa/authenticate/", {"code": code})

    assert response.status_code == 302 and logged_in(client)
    assert code not in factories.recovery_codes(moderator)
    again = Client()
    log_in(again, "mira")
    response = again.post("/accounts/2fa/authenticate/", {"code": code})
    assert "Incorrect code" in response.content.decode() and not logged_in(again)


def test_without_the_second_factor_there_is_no_log_in():
    factories.moderator(username="mira")
    client = Client()
    log_in(client, "mira")

    response = client.post("/accounts/2fa/authenticate/", {"code": ""})
    assert not logged_in(client)
    response = client.get("/moderation/")
    assert response.status_code == 302 and not logged_in(client)


def test_wrong_codes_are_refused_and_limited_per_account(settings):
    settings.MFA_CODE_RATE_LIMITS = {"account": (3, 900)}
    moderator = factories.moderator(username="mira")
    client = Client()
    log_in(client, "mira")
    wrong = "000000" if factories.totp_code(moderator) != "000000" else "111111"
    for _ in range(3):
        response = client.post("/accounts/2fa/authenticate/", {"code": wrong})
        assert response.status_code == 200 and "Incorrect code" in response.content.decode()

    response = client.post("/accounts/2fa/authenticate/", {"code": factories.totp_code(moderator)})

    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "Too many wrong codes" in response.content.decode()
    assert not logged_in(client)
    other = Client()  # logging in again does not reset the count
    log_in(other, "mira")
    assert other.post("/accounts/2fa/authenticate/", {"code": factories.totp_code(moderator)}).status_code == 429


def test_the_admin_log_in_goes_through_the_second_factor():
    boss = factories.user(username="boss", is_staff=True, is_superuser=True)
    client = Client()

    response = client.get("/admin/login/?next=/admin/auth/user/")
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Fauth%2Fuser%2F"
    response = client.post("/admin/login/", {"username": "boss", "password": PASSWORD})
    assert response.status_code == 302 and not logged_in(client)  # the admin's own form checks nothing

    response = log_in(client, "boss", next_url="/admin/auth/user/")
    assert response["Location"].startswith("/accounts/2fa/authenticate/") and not logged_in(client)
    response = client.post("/accounts/2fa/authenticate/", {"code": factories.totp_code(boss)})
    assert response["Location"] == "/admin/auth/user/"
    assert client.get("/admin/auth/user/").status_code == 200


def test_model_backend_is_gone_and_staff_log_in_by_email_still_works():
    factories.editor(username="eddie", email="eddie@example.com")
    client = Client()

    response = log_in(client, "eddie@example.com")

    assert "django.contrib.auth.backends.ModelBackend" not in settings.AUTHENTICATION_BACKENDS
    assert response["Location"].startswith("/accounts/2fa/authenticate/")


# --- Readers ------------------------------------------------------------------------------------

def test_readers_are_never_asked_for_a_second_factor(client):
    factories.user(username="rita")

    response = log_in(client, "rita")

    assert response["Location"] == "/" and logged_in(client)
    assert client.get("/my/submissions/").status_code == 200
    assert client.get("/moderation/").status_code == 403  # not staff: refused as before, not sent to a set-up


def test_the_guard_costs_readers_no_query(client, settings, django_assert_num_queries):
    client.force_login(factories.user(username="rita"))
    factories.article()

    def queries(path):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client.get(path)  # warm
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    guarded = settings.MIDDLEWARE
    with_guard = [queries("/"), queries("/my/submissions/")]
    settings.MIDDLEWARE = [m for m in guarded if m != "newsroom.two_factor.StaffTwoFactorMiddleware"]
    assert [queries("/"), queries("/my/submissions/")] == with_guard
    settings.MIDDLEWARE = guarded
    client.logout()
    with django_assert_num_queries(0):
        assert client.get("/moderation/").status_code == 302  # anonymous: to the log-in, asked nothing


def test_demo_staff_are_guided_to_the_set_up(settings):
    """seed_demo gives its staff no authenticator: trying the site shows the guided set-up."""
    import io

    from django.core.management import call_command

    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed_demo", "--no-covers", stdout=out)
    client = Client()

    response = client.post("/accounts/login/", {"login": "moderator", "password": "newsroom-demo", "next": "/moderation/"})

    assert response["Location"] == "/moderation/" and logged_in(client)
    assert client.get("/moderation/")["Location"] == setup_url("/moderation/")
    assert "two-factor" in out.getvalue()
