"""/my/account/: a signed-in person's profile, email, password, newsletter and sessions in one place."""

import io
import os
import re

import pytest
from allauth.usersessions.models import UserSession
from django.core import mail
from django.core.files.storage import default_storage
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from articles import newsletter
from articles.models import AuthorProfile, NewsletterSubscriber, SubscriberEvent
from newsroom.account import device_name
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/my/account/"
HOSTILE_BIO = '<script>alert("bio")</script><img src=x onerror=alert(1)> I write about <b>harbours</b>.'


@pytest.fixture
def writer(author):
    return author


@pytest.fixture
def signed_in(client, writer):
    client.force_login(writer)
    return client


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a request as on a real site: after-commit work (cache invalidation, emails) happens."""
    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)
    return run


def profile_post(client, **fields):
    data = {"action": "profile", "display_name": "Wendy Writer", "bio": "", **fields}
    return client.post(URL, data)


def photo_with_gps():
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {1: "N", 2: (37.0, 33.0, 12.0), 3: "E", 4: (126.0, 58.0, 41.0)}  # GPS: where the writer lives
    buffer = io.BytesIO()
    Image.new("RGB", (1600, 1200), (40, 90, 160)).save(buffer, "JPEG", exif=exif.tobytes())
    data = buffer.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # the upload does carry a location
    return SimpleUploadedFile("me.jpg", data, content_type="image/jpeg")


def stored_avatars(user):
    try:
        return default_storage.listdir(f"avatars/{user.pk}")[1]
    except FileNotFoundError:
        return []


# --- Access --------------------------------------------------------------------------------------

def test_anonymous_readers_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=/my/account/")
    assert client.get("/ko" + URL)["Location"].startswith("/ko/accounts/login/")


def test_the_header_links_every_signed_in_reader_to_their_account(signed_in):
    page = signed_in.get("/").content.decode()
    assert 'href="/my/account/"' in page
    assert 'href="/ko/my/account/"' in signed_in.get("/ko/").content.decode()


def test_the_page_shows_each_section_in_both_languages(signed_in, writer):
    page = signed_in.get(URL).content.decode()
    for text in ("Profile", "Wendy Writer", writer.email, "Verified", 'href="/accounts/email/"',
                 'href="/accounts/password/change/"', "Newsletter", 'href="/accounts/sessions/"',
                 "Your data", 'href="/my/account/export/"', 'href="/my/account/delete/"'):
        assert text in page, text
    korean = signed_in.get("/ko" + URL).content.decode()
    assert "내 계정" in korean and 'href="/ko/accounts/password/change/"' in korean
    assert "내 데이터" in korean and 'href="/ko/my/account/delete/"' in korean


def test_the_page_costs_a_fixed_number_of_queries(signed_in, writer, django_assert_max_num_queries):
    for n in range(3):
        log_in(writer, CHROME)  # other devices
    # Session, user, profile, addresses, newsletter, sessions, the header's roles and menu: the same however many
    # sessions or addresses there are.
    with django_assert_max_num_queries(8):
        response = signed_in.get(URL)
    assert response.status_code == 200 and response.content.decode().count("Chrome on Linux") == 3


# --- Profile -------------------------------------------------------------------------------------

def test_editing_the_profile_shows_on_the_author_page_with_hostile_markup_inert(signed_in, writer, committed):
    response = committed(profile_post, signed_in, display_name="  Wendy   Harbour  ", bio=HOSTILE_BIO)

    assert response.status_code == 302 and response["Location"] == URL
    profile = AuthorProfile.objects.get(user=writer)
    assert profile.display_name == "Wendy Harbour" and profile.bio == HOSTILE_BIO
    page = Client().get(f"/authors/{writer.username}/").content.decode()
    assert "<h1>Wendy Harbour</h1>" in page
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>harbours" not in page
    assert "&lt;script&gt;alert(&quot;bio&quot;)&lt;/script&gt;" in page  # shown as typed, never run


def test_a_saved_name_is_seen_at_once_on_cached_pages(settings, client, writer, article, committed):
    settings.PUBLIC_CACHE_SECONDS = settings.FRAGMENT_CACHE_SECONDS = 600
    reader = Client()
    for url in (f"/authors/{writer.username}/", article.get_absolute_url()):
        reader.get(url)
        assert reader.get(url)["X-Cache"] == "hit" and "Wendy Writer" in reader.get(url).content.decode()
    client.force_login(writer)

    committed(profile_post, client, display_name="Wendy Harbour")

    for url in (f"/authors/{writer.username}/", article.get_absolute_url()):
        page = reader.get(url)
        assert page["X-Cache"] == "miss" and "Wendy Harbour" in page.content.decode() and "Wendy Writer" not in page.content.decode()


def test_an_account_without_a_profile_gets_one(client, committed):
    guest = factories.user(username="guest")
    AuthorProfile.objects.filter(user=guest).delete()
    client.force_login(guest)
    assert client.get(URL).status_code == 200

    committed(profile_post, client, display_name="Gina Guest", bio="Harbour pilot.")

    assert AuthorProfile.objects.get(user=guest).display_name == "Gina Guest"


def test_a_photo_is_stored_without_its_location_and_can_be_removed(signed_in, writer, committed):
    committed(profile_post, signed_in, photo=photo_with_gps())

    profile = AuthorProfile.objects.get(user=writer)
    assert profile.avatar.name.startswith(f"avatars/{writer.pk}/")
    with default_storage.open(profile.avatar.name, "rb") as file:
        data = file.read()
    stored = Image.open(io.BytesIO(data))
    assert not stored.getexif() and b"Exif" not in data and b"SpyCam" not in data
    assert max(stored.size) <= 512  # shown at 96 px: not the 1600 px original
    assert profile.avatar.url in Client().get(f"/authors/{writer.username}/").content.decode()

    first = profile.avatar.name
    committed(profile_post, signed_in, photo=factories.image_upload(fmt="PNG", name="new.png"))
    profile.refresh_from_db()
    assert profile.avatar.name != first and not default_storage.exists(first)  # the old file is gone

    committed(profile_post, signed_in, remove_photo="on")
    profile.refresh_from_db()
    assert not profile.avatar and stored_avatars(writer) == []
    assert 'class="avatar avatar--initials"' in Client().get(f"/authors/{writer.username}/").content.decode()


@pytest.mark.parametrize("upload, message", [
    ("too_large", "The image is too large"),
    (SimpleUploadedFile("me.jpg", b"<?php system($_GET['c']); ?>", content_type="image/jpeg"),
     "This file is not an image we can read"),
    ("too_many_pixels", "The image has too many pixels"),
])
def test_a_refused_photo_says_why_and_stores_nothing(signed_in, writer, settings, upload, message):
    if upload == "too_large":
        settings.IMAGE_UPLOAD_MAX_BYTES = 1024 * 1024
        buffer = io.BytesIO()
        Image.frombytes("RGB", (800, 800), os.urandom(800 * 800 * 3)).save(buffer, "PNG")  # noise: 1.9 MB
        upload = SimpleUploadedFile("me.png", buffer.getvalue(), content_type="image/png")
    elif upload == "too_many_pixels":
        settings.IMAGE_UPLOAD_MAX_PIXELS = 1000
        upload = factories.image_upload(width=100, height=100)

    response = profile_post(signed_in, display_name="Renamed", photo=upload)

    assert response.status_code == 400 and message in response.content.decode()
    profile = AuthorProfile.objects.get(user=writer)
    assert profile.display_name == "Wendy Writer" and not profile.avatar and stored_avatars(writer) == []


def test_new_photos_are_limited_per_account(signed_in, writer, settings, committed):
    settings.PROFILE_PHOTO_RATE_LIMITS = {"account": (2, 3600)}
    for _ in range(2):
        assert committed(profile_post, signed_in, photo=factories.image_upload(width=200, height=200)).status_code == 302
    response = profile_post(signed_in, photo=factories.image_upload(width=200, height=200))
    assert response.status_code == 400 and "too many times in a short while" in response.content.decode()
    assert profile_post(signed_in, display_name="Wendy W.").status_code == 302  # a name alone is no photo


def test_a_display_name_is_required(signed_in, writer):
    response = profile_post(signed_in, display_name="   ")
    assert response.status_code == 400 and "Enter the name to show on your stories." in response.content.decode()
    assert AuthorProfile.objects.get(user=writer).display_name == "Wendy Writer"


def test_posts_need_the_csrf_token(writer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(writer)
    assert profile_post(client, display_name="Mallory").status_code == 403
    assert AuthorProfile.objects.get(user=writer).display_name == "Wendy Writer"


# --- Newsletter ----------------------------------------------------------------------------------

def subscriber(email, status, language="en"):
    return NewsletterSubscriber.objects.create(email=email, status=status, language=language)


@pytest.mark.parametrize("status, shown, button", [
    (None, "is not subscribed", "Subscribe"),
    ("pending", "is waiting for confirmation (English edition)", "Unsubscribe"),
    ("confirmed", "receives the weekly newsletter (English edition)", "Unsubscribe"),
    ("unsubscribed", "has unsubscribed", "Subscribe"),
    ("suppressed", "We no longer send the newsletter", None),
])
def test_the_newsletter_status_of_the_accounts_address(signed_in, writer, status, shown, button):
    if status:
        subscriber(writer.email, status)
    page = signed_in.get(URL).content.decode()
    section = page[page.index('id="newsletter"'):page.index('id="sessions"')]
    assert shown in section
    buttons = re.findall(r'<button type="submit"[^>]*>([^<]+)</button>', section)
    assert buttons == ([button] if button else [])


def test_subscribing_sends_the_double_opt_in_email(signed_in, writer, committed, settings):
    response = committed(signed_in.post, URL, {"action": "subscribe", "language": "ko"}, follow=True)

    row = NewsletterSubscriber.objects.get(email=writer.email)
    assert row.status == "pending" and row.language == "ko"
    assert "We sent a confirmation link" in response.content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [writer.email]
    link = re.search(r"https?://\S+/newsletter/confirm/\S+/", mail.outbox[0].body).group(0)
    assert link.startswith(settings.SITE_URL.rstrip("/") + "/ko/newsletter/confirm/")  # the site's address, in Korean
    assert "is waiting for confirmation (Korean edition)" in response.content.decode()


def test_subscribing_again_after_unsubscribing_asks_for_confirmation_again(signed_in, writer, committed):
    subscriber(writer.email, "unsubscribed")
    committed(signed_in.post, URL, {"action": "subscribe", "language": "en"})
    assert NewsletterSubscriber.objects.get(email=writer.email).status == "pending"
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("status", ["pending", "confirmed"])
def test_unsubscribing_from_the_account_page(signed_in, writer, status):
    row = subscriber(writer.email, status)

    response = signed_in.post(URL, {"action": "unsubscribe"}, follow=True)

    row.refresh_from_db()
    assert row.status == "unsubscribed" and row.unsubscribed_at
    assert SubscriberEvent.objects.filter(subscriber=row, to_status="unsubscribed", reason="account page").exists()
    assert "You will no longer receive the newsletter." in response.content.decode()


def test_a_suppressed_address_cannot_be_subscribed_from_here(signed_in, writer, committed):
    subscriber(writer.email, "suppressed")
    committed(signed_in.post, URL, {"action": "subscribe", "language": "en"})
    assert NewsletterSubscriber.objects.get(email=writer.email).status == "suppressed" and not mail.outbox


# --- Sessions and devices ------------------------------------------------------------------------

CHROME = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
          "Safari/537.36")
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/18.1 Mobile/15E148 Safari/604.1")


def log_in(user, user_agent):
    client = Client(HTTP_USER_AGENT=user_agent)
    response = client.post("/accounts/login/", {"login": user.username, "password": factories.PASSWORD})
    assert response.status_code == 302
    return client


def test_the_sessions_page_lists_both_devices_and_signs_out_the_other(writer):
    laptop, phone = log_in(writer, CHROME), log_in(writer, IPHONE)

    page = laptop.get("/accounts/sessions/").content.decode()
    assert "Chrome on Linux" in page and "Safari on iOS" in page and page.count("<tr>") == 3  # a header and two
    assert "This device" in page
    assert "Safari on iOS" in laptop.get(URL).content.decode()

    laptop.post("/accounts/sessions/")

    assert phone.get(URL).status_code == 302  # the phone is signed out
    assert laptop.get(URL).status_code == 200
    assert list(UserSession.objects.filter(user=writer).values_list("user_agent", flat=True)) == [CHROME]


def test_a_session_logged_out_elsewhere_is_no_longer_listed(writer):
    laptop, phone = log_in(writer, CHROME), log_in(writer, IPHONE)
    phone.post("/accounts/logout/")
    page = laptop.get(URL).content.decode()
    assert "Chrome on Linux" in page and "Safari on iOS" not in page


def test_an_account_without_a_password_is_offered_to_set_one(client):
    guest = factories.user(username="guest")
    guest.set_unusable_password()
    guest.save()
    client.force_login(guest)
    assert 'href="/accounts/password/set/"' in client.get(URL).content.decode()


def test_sessions_cost_reading_pages_nothing(client, writer, article):
    """Recorded at log-in only (USERSESSIONS_TRACK_ACTIVITY is off): no reader's page reads or writes them."""
    with CaptureQueriesContext(connection) as anonymous:
        client.get(article.get_absolute_url())
    laptop = log_in(writer, CHROME)
    with CaptureQueriesContext(connection) as signed_in:
        laptop.get(article.get_absolute_url())
        laptop.get("/")
    assert not [q for q in anonymous.captured_queries + signed_in.captured_queries if "usersession" in q["sql"]]
    assert UserSession.objects.get(user=writer).user_agent == CHROME


def test_with_tracking_on_a_signed_in_request_writes_once(settings, writer, article):
    settings.USERSESSIONS_TRACK_ACTIVITY = True
    laptop = log_in(writer, CHROME)
    with CaptureQueriesContext(connection) as signed_in:
        laptop.get(article.get_absolute_url())
    tracking = [q["sql"] for q in signed_in.captured_queries if "usersession" in q["sql"]]
    assert len([sql for sql in tracking if sql.startswith(("UPDATE", "INSERT"))]) == 1 and len(tracking) == 2


@pytest.mark.parametrize("user_agent, name", [
    (CHROME, "Chrome on Linux"),
    (IPHONE, "Safari on iOS"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Windows"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
     "Safari/537.36 Edg/131.0.0.0", "Edge on Windows"),
    ("Mozilla/5.0 (Linux; Android 14; SM-S918N) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 "
     "Chrome/122.0.0.0 Mobile Safari/537.36", "Samsung Internet on Android"),
    ("curl/8.5.0", "Unknown browser"),
])
def test_devices_are_named_as_people_know_them(user_agent, name):
    assert device_name(user_agent) == name
