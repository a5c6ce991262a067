import importlib
import re

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from newsroom.models import OutboundEmail, RateCounter
from submissions import moderation
from submissions.models import Status
from tests import factories

pytestmark = pytest.mark.django_db
User = get_user_model()

SIGNUP = {
    "username": "newcomer", "email": "newcomer@example.com", "display_name": "New Comer",
    "password1": "a-long-and-unusual-passphrase", "password2": "a-long-and-unusual-passphrase",
}
SENT = "Verify Your Email Address"  # allauth's page after a sign-up, and after logging into an unconfirmed account


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """Run a request and deliver the emails it records in the outbox; returns the response."""
    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)
    return run


def link_in(message, path):
    return re.search(rf"https?://[^/\s]+({path}\S+)", message.body).group(1)


def time_passes():
    """The confirmation-email cooldown's window runs out."""
    RateCounter.objects.all().delete()


def test_sign_up_lost_email_resend_confirm_and_log_in(client, sent):
    response = sent(client.post, "/accounts/signup/", SIGNUP, follow=True)

    assert SENT in response.content.decode()
    user = User.objects.get(username="newcomer")
    assert user.profile.display_name == "New Comer"
    assert len(mail.outbox) == 1
    # The email is lost. Logging in with the right password says the address awaits confirmation and sends it again.
    time_passes()
    login = sent(client.post, "/accounts/login/", {"login": "newcomer", "password": SIGNUP["password1"]}, follow=True)
    assert SENT in login.content.decode()
    assert not login.context["user"].is_authenticated
    assert len(mail.outbox) == 2 and mail.outbox[1].to == ["newcomer@example.com"]

    confirm = link_in(mail.outbox[1], "/accounts/confirm-email/")
    assert client.get(confirm).status_code == 200  # a page with a button: opening the link changes nothing
    assert not EmailAddress.objects.get(user=user).verified
    client.post(confirm)
    assert EmailAddress.objects.get(user=user).verified

    response = client.post("/accounts/login/", {"login": "newcomer", "password": SIGNUP["password1"]})
    assert response.status_code == 302
    assert "Log out" in client.get("/").content.decode()


def test_logging_in_again_and_again_does_not_flood_the_inbox(client, sent):
    sent(client.post, "/accounts/signup/", SIGNUP)
    for _ in range(3):
        sent(client.post, "/accounts/login/", {"login": "newcomer", "password": SIGNUP["password1"]})

    assert len(mail.outbox) == 1  # within the cooldown, the first email stands


def test_the_confirmation_link_does_not_sign_in_whoever_opens_it(client, sent):
    sent(client.post, "/accounts/signup/", SIGNUP)
    stranger = client.__class__()

    response = stranger.post(link_in(mail.outbox[0], "/accounts/confirm-email/"), follow=True)

    assert EmailAddress.objects.get(email="newcomer@example.com").verified
    assert not response.context["user"].is_authenticated
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")


def test_signing_up_with_a_taken_address_answers_alike_and_emails_the_owner(client, sent):
    factories.user(username="owner", email="owner@example.com")

    taken = sent(client.post, "/accounts/signup/", {**SIGNUP, "username": "other", "email": "OWNER@example.com"},
                 follow=True)
    new = sent(client.post, "/accounts/signup/", SIGNUP, follow=True)

    assert taken.redirect_chain == new.redirect_chain and SENT in taken.content.decode()
    assert not User.objects.filter(username="other").exists()
    to_owner = mail.outbox[0]
    assert to_owner.to == ["owner@example.com"] and "/accounts/password/reset/" in to_owner.body
    assert "already" in to_owner.body


def test_sign_up_errors_are_explained(client):
    factories.user(username="taken")

    response = client.post("/accounts/signup/", {**SIGNUP, "username": "taken", "password2": "something else"})

    assert response.status_code == 200
    assert {"username", "password2"} <= set(response.context["form"].errors)


def test_sign_ups_are_limited_per_address_whether_or_not_it_has_an_account(client, settings, sent):
    settings.SIGNUP_RATE_LIMITS = {"email": (1, 3600), "ip": (10, 3600)}
    factories.user(username="owner", email="owner@example.com")

    for email in ("owner@example.com", "new@example.com"):
        first = sent(client.post, "/accounts/signup/", {**SIGNUP, "username": email[:3], "email": email})
        second = sent(client.post, "/accounts/signup/", {**SIGNUP, "username": email[:3] + "2", "email": email})
        assert first.status_code == 302 and second.status_code == 429, email
        assert "too many times" in second.content.decode()


def test_log_in_by_username_or_email_and_out(client):
    factories.user(username="reader", email="reader@example.com")

    for login in ("reader", "Reader@Example.com"):
        response = client.post("/accounts/login/", {"login": login, "password": factories.PASSWORD})
        assert response.status_code == 302, login
        assert "Log out" in client.get("/").content.decode()
        client.post("/accounts/logout/")
        assert "Log in" in client.get("/").content.decode()


def test_wrong_passwords_by_username_and_by_email_share_one_limit(client, settings):
    settings.LOGIN_RATE_LIMITS = {"username_ip": (2, 900), "username": (20, 3600), "ip": (50, 3600)}
    factories.user(username="reader", email="reader@example.com")

    codes = [client.post("/accounts/login/", {"login": login, "password": "wrong"}).status_code
             for login in ("reader", "reader@example.com", "reader")]

    assert codes == [200, 200, 429]


def test_reset_link_is_built_from_site_url_whatever_the_host(client, settings, sent):
    settings.SITE_URL = "https://news.example"
    settings.ALLOWED_HOSTS = ["*"]
    factories.user(username="forgetful", email="forgetful@example.com")

    sent(client.post, "/accounts/password/reset/", {"email": "forgetful@example.com"},
         headers={"Host": "localhost:31337"})

    body = mail.outbox[0].body
    assert "https://news.example/accounts/password/reset/key/" in body
    assert "31337" not in body and "31337" not in mail.outbox[0].subject
    assert "news.example" in mail.outbox[0].alternatives[0][0]  # the HTML part, in our layout


def test_the_account_of_an_approved_guest_story_recovers_by_password_reset(client, sent):
    moderator = factories.moderator(username="maya")
    submission = factories.submission(status=Status.IN_REVIEW, by=moderator, guest_email="Hana.Guest@example.com",
                                      guest_name="Hana Guest")
    guest = moderation.approve(submission, by=moderator).author
    assert not guest.is_active and not guest.has_usable_password()

    response = sent(client.post, "/accounts/password/reset/", {"email": "hana.guest@example.com"}, follow=True)
    assert "password reset" in response.content.decode().lower()
    link = link_in(mail.outbox[-1], "/accounts/password/reset/key/")
    form_page = client.get(link, follow=True)  # allauth moves the key into the session, then shows the form
    new = {"password1": "a-fresh-long-passphrase", "password2": "a-fresh-long-passphrase"}
    client.post(form_page.redirect_chain[-1][0], new)

    guest.refresh_from_db()
    assert guest.is_active and EmailAddress.objects.get(user=guest).verified
    login = client.post("/accounts/login/", {"login": "hana.guest@example.com", "password": new["password1"]})
    assert login.status_code == 302


def test_an_account_closed_by_staff_gets_no_reset_link(client, sent):
    closed = factories.user(username="closed", email="closed@example.com")
    closed.is_active = False
    closed.save()

    response = sent(client.post, "/accounts/password/reset/", {"email": "closed@example.com"}, follow=True)

    assert response.status_code == 200 and mail.outbox == []


def test_an_unconfirmed_account_from_before_allauth_logs_in_to_get_a_new_link(client, sent):
    old = User.objects.create_user(username="old", email="old@example.com", password=factories.PASSWORD,
                                   is_active=False)

    response = sent(client.post, "/accounts/login/", {"login": "old", "password": factories.PASSWORD}, follow=True)

    assert SENT in response.content.decode()
    client.post(link_in(mail.outbox[0], "/accounts/confirm-email/"))
    old.refresh_from_db()
    assert old.is_active
    assert client.post("/accounts/login/", {"login": "old", "password": factories.PASSWORD}).status_code == 302


@pytest.mark.parametrize(("old", "new"), [
    ("/accounts/password_reset/", "/accounts/password/reset/"),
    ("/accounts/password_reset/done/", "/accounts/password/reset/done/"),
    ("/accounts/reset/done/", "/accounts/password/reset/key/done/"),
    ("/accounts/reset/MTIz/abc-def/", "/accounts/password/reset/key/3f-abc-def/"),
    ("/accounts/activate/MTIz/abc-def/", "/accounts/login/"),
    ("/ko/accounts/password_reset/", "/ko/accounts/password/reset/"),
])
def test_the_old_addresses_redirect(client, old, new):
    response = client.get(old)

    assert response.status_code in (301, 302) and response["Location"] == new


@pytest.mark.parametrize("path", ["/accounts/signup/", "/accounts/login/", "/accounts/password/reset/",
                                  "/ko/accounts/signup/", "/ko/accounts/login/", "/ko/accounts/password/reset/"])
def test_account_pages_render_in_the_sites_look(client, path):
    response = client.get(path)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="form-control' in html and "noindex" in html
    if path.startswith("/ko/"):
        assert 'lang="ko"' in html


def test_password_reset_emails_are_limited_per_address_without_revealing_accounts(client, settings, sent):
    settings.PASSWORD_RESET_RATE_LIMITS = {"email": (2, 3600), "ip": (10, 3600)}
    factories.user(username="forgetful", email="forgetful@example.com")

    member = [sent(client.post, "/accounts/password/reset/", {"email": "forgetful@example.com"}) for _ in range(3)]
    stranger = [sent(client.post, "/accounts/password/reset/", {"email": "nobody@example.com"}) for _ in range(3)]

    assert [r.status_code for r in member] == [302, 302, 429] and len(mail.outbox) == 2
    assert member[2]["Retry-After"] and "too many times" in member[2].content.decode()
    # An address without an account answers exactly alike (and gets no email), so the limit reveals nothing.
    assert [r.status_code for r in stranger] == [302, 302, 429] and len(mail.outbox) == 2


def test_password_reset_is_limited_per_ip_address(client, settings):
    settings.PASSWORD_RESET_RATE_LIMITS = {"email": (5, 3600), "ip": (2, 3600)}

    codes = [client.post("/accounts/password/reset/", {"email": f"n{i}@example.com"}).status_code for i in range(3)]

    assert codes == [302, 302, 429]


def test_account_emails_go_through_the_outbox_once_in_the_readers_language(client, sent):
    sent(client.post, "/ko/accounts/signup/", SIGNUP)

    record = OutboundEmail.objects.get()
    assert record.recipients == ["newcomer@example.com"] and record.status == OutboundEmail.Status.SENT
    assert len(mail.outbox) == 1 and "[Newsroom]" in mail.outbox[0].subject
    body = mail.outbox[0].body
    assert re.search(r"[가-힣]", body) and "/ko/accounts/confirm-email/" in body
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", body).group(0)
    assert link.endswith("/"), link  # on a line of its own: no Korean particle glued to the address


def test_existing_accounts_get_their_email_addresses():
    migration = importlib.import_module("newsroom.migrations.0007_allauth_email_addresses")
    active = User.objects.create_user(username="active", email="Active@example.com", password="x")
    waiting = User.objects.create_user(username="waiting", email="waiting@example.com", is_active=False)
    User.objects.create_user(username="closed", email="closed@example.com", is_active=False, last_login=timezone.now())
    User.objects.create_user(username="noemail", email="")

    migration.create_email_addresses(django_apps, None)

    assert {(a.user.username, a.email, a.verified, a.primary) for a in EmailAddress.objects.all()} == {
        ("active", "active@example.com", True, True), ("waiting", "waiting@example.com", False, True),
        ("closed", "closed@example.com", True, True)}  # closed by staff: no reset reopens it
    assert active.is_active and not waiting.is_active


def test_a_new_email_address_replaces_the_old_one_once_confirmed(client, sent):
    reader = factories.user(username="reader", email="old@example.com")
    client.force_login(reader)

    response = sent(client.post, "/accounts/email/", {"action_add": "", "email": "new@example.com"}, follow=True)

    assert response.status_code == 200 and mail.outbox[-1].to == ["new@example.com"]
    reader.refresh_from_db()
    assert reader.email == "old@example.com"  # not before the new address is confirmed
    client.post(link_in(mail.outbox[-1], "/accounts/confirm-email/"))
    reader.refresh_from_db()
    assert reader.email == "new@example.com"
    assert list(EmailAddress.objects.filter(user=reader).values_list("email", "verified")) == [("new@example.com", True)]


def test_adding_addresses_cannot_mail_strangers_in_bulk(client, sent, settings):
    settings.EMAIL_CONFIRMATION_RATE_LIMITS = {"email": (1, 180), "account": (2, 3600)}
    client.force_login(factories.user(username="reader"))

    for n in range(4):
        sent(client.post, "/accounts/email/", {"action_add": "", "email": f"stranger{n}@example.com"})

    assert [m.to for m in mail.outbox] == [["stranger0@example.com"], ["stranger1@example.com"]]


def test_a_borrowed_session_cannot_guess_the_current_password(client, settings):
    settings.PASSWORD_CHANGE_RATE_LIMITS = {"account": (2, 900)}
    reader = factories.user(username="reader")
    client.force_login(reader)
    change = {"password1": "a-fresh-long-passphrase", "password2": "a-fresh-long-passphrase"}

    for guess in ("guess-one", "guess-two"):
        assert "oldpassword" in client.post("/accounts/password/change/", {**change, "oldpassword": guess}).context["form"].errors
    refused = client.post("/accounts/password/change/", {**change, "oldpassword": factories.PASSWORD})

    assert "too many times" in refused.content.decode()
    reader.refresh_from_db()
    assert reader.check_password(factories.PASSWORD)
