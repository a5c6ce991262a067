"""Abuse: password guessing, newsletter flooding, oversized requests and uploads.

Sign-up and submission rate limits are tested with their forms (tests/newsroom, tests/submissions),
the takedown form's with the takedowns, image decompression bombs in tests/articles/test_images.py.
"""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from articles.models import NewsletterSubscriber
from submissions.models import Submission
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = factories.PASSWORD
GUESSER, VICTIM_OFFICE, ELSEWHERE = "203.0.113.66", "198.51.100.10", "192.0.2.44"


@pytest.fixture
def limits(settings):
    settings.LOGIN_RATE_LIMITS = {"username_ip": (3, 900), "username": (6, 3600), "ip": (8, 3600)}
    settings.NEWSLETTER_RATE_LIMITS = {"email": (2, 3600), "ip": (4, 3600)}
    return settings


@pytest.fixture
def victim(limits):
    return factories.user(username="victim", password=PASSWORD)


def log_in(username, password, ip, path="/accounts/login/"):
    client = Client(REMOTE_ADDR=ip)
    field = "username" if path.startswith("/admin/") else "login"  # the site's log-in takes a username or an email
    response = client.post(path, {field: username, "password": password})
    return client, response


def logged_in(client):
    return "_auth_user_id" in client.session


# --- Log-in throttling ----------------------------------------------------------------------------

def test_repeated_failures_pause_logging_in_with_a_clear_message(victim):
    for _ in range(3):
        _, response = log_in("victim", "wrong guess", GUESSER)
        assert response.status_code == 200 and "password you specified are not correct" in response.content.decode()

    client, response = log_in("victim", PASSWORD, GUESSER)  # even the right password is refused now

    html = response.content.decode()
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "Too many failed attempts to log in" in html and "reset your password" in html
    assert not logged_in(client)


def test_the_owner_elsewhere_is_not_locked_out_by_a_stranger(victim):
    for _ in range(3):
        log_in("victim", "wrong guess", GUESSER)

    client, response = log_in("victim", PASSWORD, VICTIM_OFFICE)

    assert response.status_code == 302 and logged_in(client)


def test_guessing_from_many_addresses_slows_the_account_down(victim):
    addresses = [f"203.0.113.{n}" for n in range(1, 7)]
    for ip in addresses:  # one failure each: never the per-address limit, but 6 for the account
        log_in("victim", "wrong guess", ip)

    _, response = log_in("victim", PASSWORD, VICTIM_OFFICE)

    assert response.status_code == 429


def test_spraying_many_usernames_from_one_address_is_stopped(limits):
    for n in range(8):
        log_in(f"someone{n}", "password1", GUESSER)  # unknown names count too

    factories.user(username="real", password=PASSWORD)
    _, response = log_in("real", PASSWORD, GUESSER)

    assert response.status_code == 429


def test_a_successful_log_in_resets_nobodys_count(victim):
    factories.user(username="guesser", password=PASSWORD)
    log_in("victim", "wrong 1", GUESSER)
    log_in("victim", "wrong 2", GUESSER)
    own, response = log_in("guesser", PASSWORD, GUESSER)  # the guesser logs into their own account
    assert response.status_code == 302 and logged_in(own)

    log_in("victim", "wrong 3", GUESSER)
    _, response = log_in("victim", PASSWORD, GUESSER)

    assert response.status_code == 429


def test_names_are_counted_regardless_of_case_and_spacing(victim):
    for name in ("victim", "VICTIM", " Victim "):
        log_in(name, "wrong", GUESSER)

    _, response = log_in("victim", PASSWORD, GUESSER)

    assert response.status_code == 429


def test_the_admin_log_in_checks_no_password_itself_so_it_is_no_way_around_the_limits(victim):
    factories.user(username="boss", password=PASSWORD, is_staff=True, is_superuser=True)
    for _ in range(3):
        log_in("boss", "wrong", GUESSER)

    client, response = log_in("boss", PASSWORD, GUESSER, path="/admin/login/")  # the admin's old form

    assert not logged_in(client)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_non_staff_member_at_the_admin_log_in_is_refused_without_counting_a_guess(victim):
    client, _ = log_in("victim", PASSWORD, VICTIM_OFFICE)
    assert logged_in(client)

    assert client.get("/admin/login/").status_code == 403
    assert client.get("/admin/").status_code == 302  # to the admin log-in, which refuses them

    for _ in range(3):
        other, response = log_in("victim", PASSWORD, VICTIM_OFFICE)
        assert response.status_code == 302 and logged_in(other)


def test_limits_can_be_switched_off(victim, settings):
    settings.RATELIMIT_ENABLED = False
    for _ in range(5):
        log_in("victim", "wrong", GUESSER)

    _, response = log_in("victim", PASSWORD, GUESSER)

    assert response.status_code == 302


# --- Newsletter ---------------------------------------------------------------------------------------

def subscribe(email, ip):
    return Client(REMOTE_ADDR=ip).post("/newsletter/", {"email": email})


def test_one_address_cannot_be_mail_bombed_through_the_newsletter(limits, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        responses = [subscribe("target@example.com", f"192.0.2.{n}") for n in range(1, 4)]

    assert [r.status_code for r in responses] == [200, 200, 429]
    assert len(mail.outbox) == 2  # the refused request sent nothing
    html = responses[-1].content.decode()
    assert "too many times" in html and 'id="newsletter-email-error"' in html and responses[-1]["Retry-After"]


def test_one_address_cannot_sign_up_many_others(limits):
    statuses = [subscribe(f"person{n}@example.com", GUESSER).status_code for n in range(5)]

    assert statuses == [200, 200, 200, 200, 429]
    assert NewsletterSubscriber.objects.count() == 4
    assert subscribe("person9@example.com", ELSEWHERE).status_code == 200


def test_an_invalid_address_does_not_use_up_the_allowance(limits):
    for _ in range(6):
        assert subscribe("not an address", GUESSER).status_code == 400

    assert subscribe("reader@example.com", GUESSER).status_code == 200


# --- Oversized requests and uploads ---------------------------------------------------------------------

@pytest.fixture
def writer(db):
    return factories.user(username="writer", password=None)


def story_form(category, **extra):
    return {
        "title": "Riverside library stays open", "summary": "A vote.", "body": factories.STORY_BODY,
        "category": category.pk, "tags": "library", "language": "en", "sources": "https://example.org/minutes",
        "accept_guidelines": "on", "confirm_rights": "on", "action": "submit", **extra,
    }


def test_an_oversized_request_is_refused_with_the_limit_in_words(client, writer, settings):
    settings.REQUEST_MAX_BYTES = 1024 * 1024
    client.force_login(writer)
    photo = SimpleUploadedFile("holiday.jpg", b"\xff" * (3 * 1024 * 1024), content_type="image/jpeg")

    response = client.post("/submit/", story_form(factories.category(), image=photo))

    html = response.content.decode()
    assert response.status_code == 413
    assert "That is too large to send" in html
    assert "the limit is 1 MB" in html and "Images may be at most 8 MB" in html
    assert not Submission.objects.exists()


def test_too_much_text_is_refused_with_the_limit_in_words(client, writer, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024
    client.force_login(writer)

    response = client.post("/submit/", story_form(factories.category(), body="word " * 10_000))

    assert response.status_code == 413
    assert "a form may hold at most 20 KB of text" in response.content.decode()
    assert not Submission.objects.exists()


def test_too_many_fields_are_refused_with_a_page_that_says_so(client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 50

    response = client.post("/newsletter/", {f"field{n}": "x" for n in range(100)})

    assert response.status_code == 400
    html = response.content.decode()
    assert "We could not understand that request" in html and "at most 50 are accepted" in html


def test_an_image_over_its_own_limit_is_explained_on_the_form(client, writer, settings):
    settings.IMAGE_UPLOAD_MAX_BYTES = 2 * 1024 * 1024
    client.force_login(writer)
    png = factories.image_upload(width=800, height=600, fmt="PNG").read()
    # a real image with 3 MB of padding: past the image limit, well within the request limit
    photo = SimpleUploadedFile("photo.png", png + b"\0" * (3 * 1024 * 1024), content_type="image/png")

    response = client.post("/submit/", story_form(factories.category(), image=photo))

    html = response.content.decode()
    assert response.status_code == 400
    assert "The image is too large" in html and "the limit is 2 MB" in html
    assert 'value="Riverside library stays open"' in html  # what was typed is kept
    assert not Submission.objects.exists()


def test_a_request_for_an_unknown_host_gets_the_400_page_not_a_crash(client):
    response = client.get("/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert "We could not understand that request" in response.content.decode()
