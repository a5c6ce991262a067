import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from tests import factories

pytestmark = pytest.mark.django_db
User = get_user_model()

SIGNUP = {
    "username": "newcomer", "email": "newcomer@example.com", "display_name": "New Comer",
    "password1": "a-long-and-unusual-passphrase", "password2": "a-long-and-unusual-passphrase",
}


def test_sign_up_sends_a_confirmation_link_that_activates_the_account(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/signup/", SIGNUP)

    assert response.status_code == 200
    assert "newcomer@example.com" in response.content.decode()
    user = User.objects.get(username="newcomer")
    assert not user.is_active
    assert user.profile.display_name == "New Comer"
    link = re.search(r"http://testserver(/accounts/activate/\S+)", mail.outbox[0].body).group(1)

    activated = client.get(link, follow=True)

    user.refresh_from_db()
    assert user.is_active
    assert activated.context["user"] == user
    assert client.get(link).status_code == 400  # single use


def test_sign_up_errors_are_explained(client):
    factories.user(username="taken", email="taken@example.com")

    response = client.post("/accounts/signup/", {**SIGNUP, "username": "taken", "email": "TAKEN@example.com",
                                                 "password2": "something else"})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "username" in errors and "email" in errors and "password2" in errors
    assert "already exists" in response.content.decode()


@pytest.mark.parametrize("path", ["/accounts/activate/xx/yy/", "/accounts/activate/MTIzNDU2/bad-token/",
                                  "/accounts/activate/%C3%28/zz/"])
def test_bad_activation_links_get_a_clear_page(client, path):
    response = client.get(path)

    assert response.status_code == 400
    assert "does not work" in response.content.decode()


def test_log_in_and_out(client):
    factories.user(username="reader")

    response = client.post("/accounts/login/", {"username": "reader", "password": factories.PASSWORD})
    assert response.status_code == 302
    assert "Log out" in client.get("/").content.decode()

    client.post("/accounts/logout/")
    assert "Log in" in client.get("/").content.decode()


def test_password_reset_sends_a_link(client):
    factories.user(username="forgetful", email="forgetful@example.com")

    response = client.post("/accounts/password_reset/", {"email": "forgetful@example.com"}, follow=True)

    assert "Check your inbox" in response.content.decode()
    assert len(mail.outbox) == 1
    assert "/accounts/reset/" in mail.outbox[0].body


@pytest.mark.parametrize("path", ["/accounts/signup/", "/accounts/login/", "/accounts/password_reset/",
                                  "/ko/accounts/signup/", "/ko/accounts/login/"])
def test_account_pages_render(client, path):
    assert client.get(path).status_code == 200


def test_password_reset_emails_are_limited_per_address_without_revealing_accounts(client, settings):
    settings.PASSWORD_RESET_RATE_LIMITS = {"email": (2, 3600), "ip": (10, 3600)}
    factories.user(username="forgetful", email="forgetful@example.com")

    member = [client.post("/accounts/password_reset/", {"email": "forgetful@example.com"}) for _ in range(3)]
    stranger = [client.post("/accounts/password_reset/", {"email": "nobody@example.com"}) for _ in range(3)]

    assert [r.status_code for r in member] == [302, 302, 429] and len(mail.outbox) == 2
    assert member[2]["Retry-After"] and "too many times" in member[2].content.decode()
    # An address without an account answers exactly alike, so the limit reveals nothing.
    assert [r.status_code for r in stranger] == [302, 302, 429] and len(mail.outbox) == 2


def test_password_reset_is_limited_per_ip_address(client, settings):
    settings.PASSWORD_RESET_RATE_LIMITS = {"email": (5, 3600), "ip": (2, 3600)}

    codes = [client.post("/accounts/password_reset/", {"email": f"n{i}@example.com"}).status_code for i in range(3)]

    assert codes == [302, 302, 429]
