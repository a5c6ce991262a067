"""The newsletter goes out: subscribe → confirm → edition → a real SMTP server, once per subscriber.

A real aiosmtpd server receives what Django's SMTP backend sends (MAILERS, as in production). The
crash test runs `manage.py worker` in a subprocess against the test database and kills it mid-edition.
"""

import asyncio
import base64
import email
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from email import policy
from io import StringIO
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.db import connection
from django.test import Client

from articles import newsletter, newsletter_editions
from articles.models import Delivery, Edition, NewsletterSubscriber, SubscriberEvent
from articles import newsletter_bounces
from newsroom import inbound
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
SITE = "https://news.example"
BOUNCES = "bounces@news.example"
Status = NewsletterSubscriber.Status


class Inbox:
    """Keeps what the server accepted. `hold` makes the server sit on the next message until released."""

    def __init__(self):
        self.messages = []
        self.hold_after = None
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        if self.hold_after is not None and len(self.messages) >= self.hold_after:
            self.holding.set()
            while not self.release.is_set():  # the worker waits for our answer, and is killed meanwhile
                await asyncio.sleep(0.05)
            return "451 Try again later"
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address):
        return [message for _, rcpts, message in self.messages if address in rcpts]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def inbox(settings):
    box, port = Inbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {"default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "127.0.0.1", "port": port, "username": "", "password": "", "use_tls": False, "timeout": 5},
    }}
    settings.SITE_URL = SITE
    settings.NEWSLETTER_BOUNCE_EMAIL = BOUNCES
    settings.NEWSLETTER_SEND_RATE = 0
    settings.RATELIMIT_ENABLED = False
    box.port = port
    try:
        yield box
    finally:
        box.release.set()
        controller.stop()


def subscribe_and_confirm(inbox, address, language="en"):
    prefix = "/ko" if language == "ko" else ""
    assert Client().post(f"{prefix}/newsletter/", {"email": address}).status_code == 200
    text = inbox.to(address)[-1].get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"http://testserver(\S*/newsletter/confirm/\S+/)", text).group(1)
    assert Client().get(link).status_code == 200
    return NewsletterSubscriber.objects.get(email=address)


def send(language):
    out = StringIO()
    call_command("send_newsletter", language=language, stdout=out)
    return out.getvalue()


def parts(message):
    return (message.get_body(preferencelist=("plain",)).get_content(),
            message.get_body(preferencelist=("html",)).get_content())


def test_confirmed_subscribers_get_the_weekly_edition_in_their_language(inbox):
    english = subscribe_and_confirm(inbox, "reader@example.com")
    korean = subscribe_and_confirm(inbox, "dokja@example.com", "ko")
    Client().post("/newsletter/", {"email": "pending@example.com"})  # never confirmed
    gone = subscribe_and_confirm(inbox, "gone@example.com")
    newsletter.unsubscribe(newsletter.unsubscribe_token(gone))
    subscribe_and_confirm(inbox, "bounced@example.com")
    newsletter.suppress(email="bounced@example.com", reason="hard_bounce", how="test")
    lead = factories.article(title="Harbour bridge reopens", featured=True)
    factories.article(title="Market report")
    factories.article(title="항구 다리 재개통", language="ko", slug="hangu")
    inbox.messages.clear()

    assert "compose" in send("en")
    assert "compose" in send("ko")

    assert sorted(r for _, rcpts, _ in inbox.messages for r in rcpts) == ["dokja@example.com", "reader@example.com"]
    [message] = inbox.to("reader@example.com")
    text, html = parts(message)
    assert lead.title in message["Subject"]
    assert text.index("Harbour bridge reopens") < text.index("Market report")  # featured first
    assert f"{SITE}/articles/{lead.slug}/" in text and f'href="{SITE}/articles/{lead.slug}/"' in html
    assert "항구" not in text
    assert "<table" in html and "<img" not in html  # a table layout, and nothing that loads when opened
    unsubscribe = message["List-Unsubscribe"].removeprefix("<").removesuffix(">")
    assert unsubscribe.startswith(f"{SITE}/newsletter/unsubscribe/")
    assert newsletter.subscriber_for_unsubscribe(unsubscribe.rstrip("/").rsplit("/", 1)[1]) == english
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Id"] == "Newsroom newsletter (en) <newsletter-en.news.example>"
    assert unsubscribe in text and unsubscribe in html
    assert inbox.messages[0][0] == BOUNCES  # the envelope sender receives the bounces
    assert "newsroom@" in message["From"]

    [message] = inbox.to("dokja@example.com")
    text, html = parts(message)
    assert "항구 다리 재개통" in message["Subject"] and "항구 다리 재개통" in html
    assert f"{SITE}/ko/articles/hangu/" in text
    assert "주간 뉴스레터" in html and 'lang="ko"' in html
    unsubscribe = message["List-Unsubscribe"].removeprefix("<").removesuffix(">")
    assert unsubscribe.startswith(f"{SITE}/ko/newsletter/unsubscribe/") and unsubscribe in text
    assert newsletter.subscriber_for_unsubscribe(unsubscribe.rstrip("/").rsplit("/", 1)[1]) == korean

    edition = Edition.objects.get(language="en")
    assert (edition.status, edition.recipients_count, edition.sent_count) == ("sent", 1, 1)
    assert Delivery.objects.filter(status="sent").count() == 2


def test_a_second_run_sends_nothing(inbox):
    subscribe_and_confirm(inbox, "reader@example.com")
    factories.article(title="Harbour bridge reopens")
    inbox.messages.clear()
    send("en")
    assert len(inbox.messages) == 1

    out = send("en")

    assert "already gone out" in out
    assert len(inbox.messages) == 1
    assert Edition.objects.count() == 1


def test_the_header_one_click_unsubscribe_works(inbox):
    subscriber = subscribe_and_confirm(inbox, "reader@example.com")
    factories.article()
    inbox.messages.clear()
    send("en")
    [message] = inbox.to("reader@example.com")
    url = message["List-Unsubscribe"].strip("<>").removeprefix(SITE)

    # What Gmail or Yahoo posts (RFC 8058): no cookie, no CSRF token.
    response = Client(enforce_csrf_checks=True).post(url, "List-Unsubscribe=One-Click",
                                                     content_type="application/x-www-form-urlencoded")

    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == Status.UNSUBSCRIBED
    assert subscriber.events.last().reason == "one-click (RFC 8058)"


def dsn(*, recipient, message_id, delivery_id, status="5.1.1"):
    return factories.delivery_status_notification(to=BOUNCES, recipient=recipient, message_id=message_id,
                                                  delivery_id=delivery_id, status=status)


def test_a_dsn_hard_bounce_at_the_bounce_address_suppresses_the_address(inbox):
    subscriber = subscribe_and_confirm(inbox, "reader@example.com")
    factories.article()
    inbox.messages.clear()
    send("en")
    [message] = inbox.to("reader@example.com")

    forged = inbound.ingest_message(dsn(recipient="reader@example.com", message_id="<guess@news.example>",
                                            delivery_id="1"))
    assert forged.outcome == inbound.Outcome.QUARANTINED
    subscriber.refresh_from_db()
    assert subscriber.status == Status.CONFIRMED

    result = inbound.ingest_message(dsn(recipient="reader@example.com", message_id=message["Message-ID"],
                                            delivery_id=message["X-Newsroom-Delivery"]))

    assert result.outcome == newsletter_bounces.BOUNCE
    subscriber.refresh_from_db()
    assert (subscriber.status, subscriber.suppression_reason) == (Status.SUPPRESSED, "hard_bounce")
    assert SubscriberEvent.objects.filter(subscriber=subscriber, to_status=Status.SUPPRESSED).exists()
    edition = Edition.objects.get()
    assert (edition.sent_count, edition.bounced_count) == (0, 1)
    assert Delivery.objects.get().status == "bounced"
    # The address gets nothing more, not even a confirmation request if someone signs it up again.
    inbox.messages.clear()
    Client().post("/newsletter/", {"email": "reader@example.com"})
    assert inbox.messages == []


@pytest.mark.parametrize("record_type, kind, reason", [
    ("Bounce", "HardBounce", "hard_bounce"), ("SpamComplaint", "SpamComplaint", "complaint"),
])
def test_a_providers_webhook_suppresses_the_address(inbox, settings, record_type, kind, reason):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:s3cret"}
    subscriber = subscribe_and_confirm(inbox, "reader@example.com")
    factories.article()
    send("en")
    delivery = Delivery.objects.get()
    payload = {"RecordType": record_type, "Type": kind, "ID": 42, "MessageID": "8a6f-postmark",
               "Email": "Reader@example.com", "BouncedAt": "2026-12-03T10:00:00Z",
               "Metadata": {"newsletter_delivery": str(delivery.pk)}, "Tag": "newsletter"}
    url = "/anymail/postmark/tracking/"

    refused = Client().post(url, json.dumps(payload), content_type="application/json")
    assert refused.status_code == 400  # no credentials: nothing happens
    subscriber.refresh_from_db()
    assert subscriber.status == Status.CONFIRMED

    auth = "Basic " + base64.b64encode(b"hook:s3cret").decode()
    response = Client().post(url, json.dumps(payload), content_type="application/json", HTTP_AUTHORIZATION=auth)

    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert (subscriber.status, subscriber.suppression_reason) == (Status.SUPPRESSED, reason)
    assert Edition.objects.get().bounced_count == 1


# --- Exactly once, across a worker killed mid-edition ---------------------------------------------------


def worker_env(inbox):
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": url, "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
           "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "127.0.0.1",
           "EMAIL_PORT": str(inbox.port), "SITE_URL": SITE, "NEWSLETTER_BOUNCE_EMAIL": BOUNCES,
           "NEWSLETTER_SEND_RATE": "0", "NEWSLETTER_SEND_LEASE": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def worker(env, *extra):
    return subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--queue-name", "mail", "--no-startup-delay", "--no-reload",
         "--interval", "0.1", *extra],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def test_every_subscriber_gets_the_edition_once_though_the_worker_was_killed_mid_edition(inbox, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mail", "covers"]}}
    settings.NEWSLETTER_BATCH_SIZE = 4
    settings.NEWSLETTER_SEND_LEASE = 1
    addresses = [f"reader{n}@example.com" for n in range(10)]
    for address in addresses:
        subscriber = NewsletterSubscriber.objects.create(email=address, status=Status.CONFIRMED)
        assert subscriber.status == Status.CONFIRMED
    factories.article()
    env = worker_env(inbox)
    send("en")  # queued: 10 deliveries in 3 batch tasks, nothing sent yet
    assert inbox.messages == [] and Delivery.objects.filter(status="pending").count() == 10

    inbox.hold_after = 5  # the sixth message is on the wire when the worker dies
    first = worker(env)
    try:
        assert inbox.holding.wait(30), first.stderr.read1().decode() if first.poll() is not None else "no sixth message"
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    inbox.hold_after = None
    inbox.release.set()
    assert len(inbox.messages) == 5
    assert Delivery.objects.filter(status="sending").count() == 1  # claimed, never accepted
    assert Edition.objects.get().status == "sending"

    time.sleep(1.1)  # the dead worker's lease runs out
    assert "resume" in send("en")  # what the scheduler runs: stale claims handed back, pending ones queued again
    restarted = worker(env, "--batch")
    try:
        assert restarted.wait(60) == 0, restarted.stderr.read().decode()
    finally:
        if restarted.poll() is None:
            restarted.kill()
            restarted.wait()

    received = sorted(r for _, rcpts, _ in inbox.messages for r in rcpts)
    assert received == sorted(addresses)  # every subscriber, once
    edition = Edition.objects.get()
    assert (edition.status, edition.sent_count) == ("sent", 10)
    assert "already gone out" in send("en")


# --- The admin ----------------------------------------------------------------------------------------


def test_an_editor_composes_previews_tests_and_sends_an_edition_in_the_admin(inbox, admin_user, client):
    admin_user.email = "editor@news.example"
    admin_user.save()
    client.force_login(admin_user)
    subscribe_and_confirm(inbox, "reader@example.com")
    story = factories.article(title="Harbour bridge reopens")
    inbox.messages.clear()

    response = client.post("/admin/articles/edition/compose/en/")
    edition = Edition.objects.get()
    assert response.url == f"/admin/articles/edition/{edition.pk}/change/"
    assert [s.article for s in edition.edition_stories.all()] == [story]
    preview = client.get(f"/admin/articles/edition/{edition.pk}/preview/")
    assert story.title in preview.content.decode() and "unsafe-inline" in preview["Content-Security-Policy"]

    form = {"language": "en", "introduction": "A calm week.", "scheduled_for_0": "", "scheduled_for_1": "",
            "edition_stories-TOTAL_FORMS": "1", "edition_stories-INITIAL_FORMS": "1",
            "edition_stories-0-id": str(edition.edition_stories.get().pk), "edition_stories-0-edition": str(edition.pk),
            "edition_stories-0-position": "1", "edition_stories-0-article": str(story.pk)}
    client.post(f"/admin/articles/edition/{edition.pk}/change/", {**form, "_send_test": "1"})
    [test] = inbox.to("editor@news.example")
    assert test["Subject"].startswith("[Test]") and "A calm week." in parts(test)[0]
    assert inbox.to("reader@example.com") == []

    client.post(f"/admin/articles/edition/{edition.pk}/change/", {**form, "_send_now": "1"})
    assert len(inbox.to("reader@example.com")) == 1
    edition.refresh_from_db()
    assert (edition.status, edition.sent_count) == ("sent", 1)
    listing = client.get("/admin/articles/edition/").content.decode()
    assert "Sent" in listing


def test_subscribers_export_as_csv_with_their_suppression(admin_client):
    NewsletterSubscriber.objects.create(email="reader@example.com", status=Status.CONFIRMED)
    NewsletterSubscriber.objects.create(email="=cmd@example.com", status=Status.CONFIRMED)
    newsletter.suppress(email="reader@example.com", reason="complaint", how="test")

    response = admin_client.post("/admin/articles/newslettersubscriber/", {
        "action": "export_csv", "_selected_action": list(NewsletterSubscriber.objects.values_list("pk", flat=True)),
    })

    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("email,language,status")
    assert lines[1].startswith("reader@example.com,en,suppressed,") and ",complaint," in lines[1]
    assert lines[2].startswith("'=cmd@example.com")
