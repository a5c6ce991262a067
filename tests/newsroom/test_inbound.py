"""The inbound mechanism (newsroom/inbound.py, `ingest_mail`): every message stored once, routed by recipient to the
app that handles it, quarantined with its reason otherwise; retried when a handler fails; IMAP with a Korean folder."""

import io
import mailbox
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command

from articles.models import Delivery, Edition, NewsletterSubscriber
from articles.newsletter_editions import message_id as newsletter_message_id
from newsroom import inbound
from newsroom.models import InboundMessage
from submissions.takedowns import workflow as takedowns
from submissions.takedowns.models import TakedownCase
from tests import factories
from tests.submissions.imap_server import imap_server  # noqa: F401  (the session fixture)

pytestmark = pytest.mark.django_db
MAIL = Path(__file__).resolve().parent.parent / "data" / "mail"
COPYRIGHT = "copyright@news.example.org"
BOUNCES = "bounces@news.example.org"
STORIES = "stories@news.example.org"
Status = InboundMessage.Status


def sample(name):
    return (MAIL / name).read_bytes()


def notice(**replace):
    raw = sample("notice_plain_en.eml")
    for old, new in replace.items():
        raw = raw.replace(old.encode(), new.encode())
    return raw


def to(address, *, message_id):
    """A plain message to one of our addresses (or another)."""
    return (f"From: Someone <someone@example.net>\nTo: {address}\nSubject: Hello\nMessage-ID: <{message_id}>\n"
            f"Date: Tue, 03 Nov 2026 09:14:05 +0000\n\nA few words.\n").encode()


def bounce(delivery):
    """A delivery status notification (RFC 3464) for one of our newsletter messages."""
    return factories.delivery_status_notification(to=BOUNCES, recipient=delivery.subscriber.email,
                                                  message_id=delivery.message_id)


@pytest.fixture(autouse=True)
def site(settings):
    settings.TAKEDOWN_SITE_HOSTS = ["news.example.org"]
    settings.COPYRIGHT_EMAIL = COPYRIGHT
    settings.NEWSLETTER_BOUNCE_EMAIL = BOUNCES
    settings.SUBMISSIONS_EMAIL = STORIES
    factories.article(slug="harbour-bridge-reopens-after-repairs")


@pytest.fixture
def delivery():
    """A newsletter message that went out to a confirmed subscriber."""
    subscriber = NewsletterSubscriber.objects.create(email="reader@example.com", status="confirmed")
    edition = Edition.objects.create(status="sent", recipients_count=1, sent_count=1)
    sent = Delivery.objects.create(edition=edition, subscriber=subscriber, status="sent")
    sent.message_id = newsletter_message_id(sent.pk)
    sent.save(update_fields=["message_id"])
    return sent


def make_maildir(path, *messages):
    box = mailbox.Maildir(path, create=True)
    for raw in messages:
        box.add(raw)
    box.close()
    return path


def run(*args):
    out = io.StringIO()
    call_command("ingest_mail", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


class _Stdin:
    def __init__(self, raw):
        self.buffer = io.BytesIO(raw)


# --- Routing ----------------------------------------------------------------------------------------------------


def test_a_takedown_and_a_bounce_in_one_maildir_run_each_reach_their_app(tmp_path, delivery,
                                                                          django_capture_on_commit_callbacks):
    maildir = make_maildir(tmp_path / "Maildir", sample("notice_plain_en.eml"), bounce(delivery))
    with django_capture_on_commit_callbacks(execute=True):
        line = run("--maildir", str(maildir))

    assert line == "handled: 2, new case: 1, newsletter bounce: 1, duplicates: 0, quarantined: 0"
    case = TakedownCase.objects.get()
    assert [a.slug for a in case.articles.all()] == ["harbour-bridge-reopens-after-repairs"]
    delivery.subscriber.refresh_from_db()
    assert delivery.subscriber.status == "suppressed"
    assert sorted(InboundMessage.objects.values_list("route", "recipient", "status")) == [
        ("newsletter_bounces", BOUNCES, Status.HANDLED), ("takedowns", COPYRIGHT, Status.HANDLED)]
    assert InboundMessage.objects.get(route="takedowns").handled_as == f"new case {case.reference}"


def test_mail_to_an_unknown_recipient_is_quarantined_with_the_reason():
    result = inbound.ingest_message(to("info@news.example.org", message_id="unknown@example.net"), source_id="t")

    assert result.outcome == "quarantined" and "sent to none of our addresses" in result.reason
    stored = InboundMessage.objects.get()
    assert (stored.status, stored.reason, stored.route, stored.message_id) == (
        Status.QUARANTINED, result.reason, "", "<unknown@example.net>")
    assert TakedownCase.objects.count() == 0


def test_nul_characters_in_headers_do_not_keep_a_message_out():
    """PostgreSQL refuses NUL in text columns: a sender putting one in the Message-ID or From must not block the pipe."""
    raw = to(STORIES, message_id="a\x00b@example.net").replace(b"someone@example.net", b"some\x00one@example.net")
    assert inbound.ingest_message(raw).outcome == "quarantined"
    assert InboundMessage.objects.get().message_id == "<ab@example.net>"


def test_mail_to_the_submissions_address_reaches_the_stories_handler():
    result = inbound.ingest_message(to(STORIES, message_id="story@example.net"))

    # "A few words." is no story (tests/submissions/test_stories_by_email.py has the stories).
    assert result.outcome == "quarantined"
    assert result.reason.startswith("not a story the submission form would take")
    assert InboundMessage.objects.get().route == "stories"


# --- Once -------------------------------------------------------------------------------------------------------


def test_the_same_maildir_read_twice_handles_each_message_once(tmp_path, delivery,
                                                              django_capture_on_commit_callbacks):
    maildir = make_maildir(tmp_path / "Maildir", sample("notice_plain_en.eml"), bounce(delivery),
                           sample("garbage.bin"))
    with django_capture_on_commit_callbacks(execute=True):
        run("--maildir", str(maildir))
    acks = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        again = run("--maildir", str(maildir), "--include-seen")

    assert again == "handled: 0, duplicates: 2, quarantined: 0"  # the garbage was moved to .Quarantine
    assert (InboundMessage.objects.count(), TakedownCase.objects.count(), len(mail.outbox)) == (3, 1, acks)
    assert Edition.objects.get().bounced_count == 1


def test_the_same_message_piped_twice_is_handled_once(monkeypatch, django_capture_on_commit_callbacks):
    for expected in ("handled: 1, new case: 1, duplicates: 0, quarantined: 0",
                     "handled: 0, duplicates: 1, quarantined: 0"):
        monkeypatch.setattr(sys, "stdin", _Stdin(b"From jane@example.com Tue Nov  3 09:14:05 2026\n"
                                                 + sample("notice_plain_en.eml").replace(b"\n", b"\r\n")))
        with django_capture_on_commit_callbacks(execute=True):
            assert run("-") == expected
    # The same message as another source would give it (LF, no mbox From line) is the same row.
    assert inbound.ingest_message(sample("notice_plain_en.eml")).outcome == "duplicate"
    assert (InboundMessage.objects.count(), TakedownCase.objects.count(), len(mail.outbox)) == (1, 1, 1)


def test_a_message_with_the_same_message_id_but_other_bytes_is_stored_but_not_filed_twice():
    inbound.ingest_message(sample("notice_plain_en.eml"))
    result = inbound.ingest_message(notice(**{"Subject: ": "X-Relayed: again\nSubject: "}))

    assert result.outcome == "duplicate"  # the takedown handler knows the Message-ID
    assert InboundMessage.objects.count() == 2 and TakedownCase.objects.count() == 1


# --- Failures ---------------------------------------------------------------------------------------------------


def test_a_failing_handler_keeps_the_message_retries_it_each_run_then_quarantines_it(
        tmp_path, monkeypatch, settings, django_capture_on_commit_callbacks):
    settings.MAIL_INTAKE_MAX_ATTEMPTS = 3
    real_open_case = takedowns.open_case

    def broken(**kwargs):
        raise RuntimeError("the case table is being repaired")

    monkeypatch.setattr(takedowns, "open_case", broken)
    maildir = make_maildir(tmp_path / "Maildir", sample("notice_plain_en.eml"))
    assert run("--maildir", str(maildir)) == "handled: 0, duplicates: 0, quarantined: 0, to retry: 1"
    stored = InboundMessage.objects.get()
    assert (stored.status, stored.attempts) == (Status.RECEIVED, 1)
    assert stored.reason == "could not be handled (RuntimeError: the case table is being repaired); attempt 1 of 3"
    assert list((maildir / "new").iterdir()) == []  # stored: the source may forget it

    # The next run (nothing new in the Maildir) tries it again; the third failure quarantines it.
    assert run("--maildir", str(maildir)) == "handled: 0, duplicates: 0, quarantined: 0, to retry: 1"
    assert run("--maildir", str(maildir)) == "handled: 0, duplicates: 0, quarantined: 1"
    stored.refresh_from_db()
    assert (stored.status, stored.attempts) == (Status.QUARANTINED, 3)
    assert stored.reason.endswith("RuntimeError: the case table is being repaired), 3 times")
    assert run("--maildir", str(maildir)) == "handled: 0, duplicates: 0, quarantined: 0"  # no more attempts
    assert TakedownCase.objects.count() == 0

    # Repaired: staff hand it to its handler again from the admin.
    monkeypatch.setattr(takedowns, "open_case", real_open_case)
    client_user = factories.user(is_superuser=True, is_staff=True)
    from django.test import Client

    client = Client()
    client.force_login(client_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/newsroom/inboundmessage/", {
            "action": "handle_again", "_selected_action": [stored.pk]}, follow=True)
    assert response.status_code == 200 and "new case TD-" in response.content.decode()
    stored.refresh_from_db()
    assert stored.status == Status.HANDLED and TakedownCase.objects.count() == 1 and len(mail.outbox) == 1


def test_the_admin_lists_messages_read_only_with_their_download(client):
    inbound.ingest_message(sample("garbage.bin"), source_id="maildir:/x/garbage")
    client.force_login(factories.user(is_superuser=True, is_staff=True))
    stored = InboundMessage.objects.get()

    listing = client.get("/admin/newsroom/inboundmessage/?status=quarantined").content.decode()
    assert "not an email message" in listing
    assert client.get("/admin/newsroom/inboundmessage/add/").status_code == 403
    download = client.get(f"/admin/newsroom/inboundmessage/{stored.pk}/raw/")
    assert download.content == sample("garbage.bin") and download["Content-Disposition"].startswith("attachment;")


# --- IMAP with a Korean folder name (a real Dovecot) ---------------------------------------------------------------


def test_a_korean_imap_folder_is_read_and_handled_mail_moved_to_korean_folders(imap_server, settings,  # noqa: F811
                                                                             django_capture_on_commit_callbacks):
    imap_server.reset()
    settings.MAIL_IMAP_HOST = "localhost"  # the test certificate is made for "localhost"
    settings.MAIL_IMAP_PORT = imap_server.port
    settings.MAIL_IMAP_USER = imap_server.user
    settings.MAIL_IMAP_PASSWORD = imap_server.password
    settings.MAIL_IMAP_CA_FILE = str(imap_server.workdir / "cert.pem")
    settings.MAIL_IMAP_FOLDER = "받은편지함/저작권"
    settings.MAIL_IMAP_DONE_FOLDER = "받은편지함/처리됨"
    settings.MAIL_IMAP_QUARANTINE_FOLDER = "받은편지함/격리"
    imap_server.deliver(sample("notice_euckr.eml"), folder="받은편지함/저작권")
    imap_server.deliver(sample("garbage.bin"), folder="받은편지함/저작권")

    with django_capture_on_commit_callbacks(execute=True):
        assert run() == "handled: 1, new case: 1, duplicates: 0, quarantined: 1"

    assert imap_server.messages("받은편지함/저작권") == []
    assert len(imap_server.messages("받은편지함/처리됨")) == 1 and len(imap_server.messages("받은편지함/격리")) == 1
    assert {"받은편지함/저작권", "받은편지함/처리됨", "받은편지함/격리"} <= set(imap_server.folders())
    assert TakedownCase.objects.get().language == "ko"
    assert InboundMessage.objects.get(status=Status.HANDLED).source_id.startswith(
        f"imap://{imap_server.user}@localhost/받은편지함/저작권;UIDVALIDITY=")
