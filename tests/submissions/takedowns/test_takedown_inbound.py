"""Takedowns through the inbound mechanism (newsroom/inbound.py → submissions.takedowns.inbound) and `ingest_takedown_mail`:
the sample corpus from a Maildir, an mbox, stdin and a real IMAP server (Dovecot), into cases, replies, duplicates and
quarantine."""

import io
import mailbox
import os
import re
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.management import call_command
from django.db import connection

from articles.models import Article
from newsroom import inbound
from newsroom.models import InboundMessage
from submissions.takedowns import inbound as mail_intake
from submissions.takedowns import workflow as takedowns
from submissions.takedowns.mail_parsing import parse
from submissions.takedowns.models import TakedownCase, TakedownEvent, TakedownMessage, TakedownStatus
from tests import factories
from tests.submissions.imap_server import imap_server  # noqa: F401  (the session fixture)

pytestmark = pytest.mark.django_db
Status = TakedownStatus
MAIL = Path(__file__).resolve().parents[2] / "data" / "mail"
ROOT = Path(__file__).resolve().parents[3]
SAMPLES = sorted(p.name for p in MAIL.iterdir() if p.suffix == ".eml")
ALL = [*SAMPLES, "garbage.bin"]
COPYRIGHT = "copyright@news.example.org"

# The articles the samples link to (https://news.example.org/[ko/]articles/<slug>/).
SLUGS = [
    "harbour-bridge-reopens-after-repairs", "harbour-bridge-gallery", "city-council-budget-vote",
    "night-market-reopens", "메타-신제품-발표", "서울-지하철-파업", "deep-sea-expedition-returns",
    "city-marathon-record", "가을-단풍-축제", "부산-영화제", "future-of-urban-farming",
]

# Each sample ingested alone into an empty case list: what it becomes.
EXPECTED = {
    "notice_plain_en.eml": ("new case", Status.RECEIVED, ["harbour-bridge-reopens-after-repairs"]),
    "notice_html_only.eml": ("new case", Status.RECEIVED, ["city-council-budget-vote"]),
    "notice_with_attachments.eml": ("new case", Status.RECEIVED, ["night-market-reopens"]),
    "notice_euckr.eml": ("new case", Status.RECEIVED, ["메타-신제품-발표"]),
    "notice_utf8_qp_ko.eml": ("new case", Status.RECEIVED, ["서울-지하철-파업"]),
    "forwarded_rfc822.eml": ("new case", Status.RECEIVED, ["deep-sea-expedition-returns"]),
    "forwarded_inline.eml": ("new case", Status.RECEIVED, ["city-marathon-record"]),
    "forwarded_inline_ko.eml": ("new case", Status.NEEDS_INFO, ["가을-단풍-축제"]),
    "no_message_id.eml": ("new case", Status.NEEDS_INFO, ["부산-영화제"]),
    "notice_incomplete.eml": ("new case", Status.NEEDS_INFO, ["future-of-urban-farming"]),
    "wrong_charset.eml": ("new case", Status.NEEDS_INFO, ["harbour-bridge-reopens-after-repairs"]),
    # A reply to a case that does not exist here is still a notice (it names an article).
    "reply_case.eml": ("new case", Status.NEEDS_INFO, ["harbour-bridge-gallery"]),
    # Automatic mail about no known case never opens one.
    "auto_reply.eml": ("quarantined", None, []),
    "bounce.eml": ("quarantined", None, []),
    "garbage.bin": ("quarantined", None, []),
}
NEW_CASES = sum(1 for outcome, _, _ in EXPECTED.values() if outcome == "new case")
NEEDS_INFO = sum(1 for _, status, _ in EXPECTED.values() if status == Status.NEEDS_INFO)


def sample(name):
    return (MAIL / name).read_bytes()


@pytest.fixture(autouse=True)
def site(settings, db):
    settings.TAKEDOWN_SITE_HOSTS = ["news.example.org"]
    settings.COPYRIGHT_EMAIL = COPYRIGHT
    writer = factories.user(username="writer", email="writer@example.com")
    section = factories.category(name="Local")
    return {slug: factories.article(title=f"Story {slug}", slug=slug, author=writer, category=section)
            for slug in SLUGS}


@pytest.fixture
def maildir(tmp_path):
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    for name in ALL:
        box.add(sample(name))
    box.close()
    return tmp_path / "Maildir"


def ingest(name, **kwargs):
    return inbound.ingest_message(sample(name), source_id=name, **kwargs)


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("ingest_takedown_mail", *args, stdout=out, stderr=err)
    return out.getvalue().strip()


def summary(new, needs_info, replies, duplicates, quarantined):
    counts = {"needing information": needs_info, "new case": new, "reply": replies}
    return (f"handled: {new + replies}" + "".join(f", {label}: {n}" for label, n in counts.items() if n)
            + f", duplicates: {duplicates}, quarantined: {quarantined}")


def quarantined():
    """The messages the intake set aside, kept whole with their reason."""
    return InboundMessage.objects.filter(status=InboundMessage.Status.QUARANTINED)


# --- Every sample -------------------------------------------------------------------------------------


def test_the_table_covers_every_sample():
    assert sorted(EXPECTED) == sorted(ALL)


@pytest.mark.parametrize("name", ALL)
def test_each_sample_becomes_what_it_should(name, django_capture_on_commit_callbacks):
    outcome, status, slugs = EXPECTED[name]
    with django_capture_on_commit_callbacks(execute=True):
        result = ingest(name)
    assert result.outcome == outcome
    if outcome == "quarantined":
        assert TakedownCase.objects.count() == 0 and mail.outbox == []
        (kept,) = quarantined().all()
        assert bytes(kept.raw) == sample(name) and kept.reason == result.reason and kept.source_id == name
        return
    case = result.case
    assert case.status == status and case.source == "email"
    assert sorted(a.slug for a in case.articles.all()) == sorted(slugs)
    (notice,) = case.messages.filter(direction="in")
    assert bytes(notice.raw) == sample(name)  # the original is kept byte for byte
    assert notice.message_id == parse(sample(name), site_hosts=["news.example.org"]).message_id
    # One acknowledgement, threaded to the notice; an incomplete notice's says what is missing.
    (ack,) = mail.outbox
    assert case.reference in ack.subject
    assert ack.extra_headers["In-Reply-To"] == notice.message_id
    assert ack.extra_headers["Auto-Submitted"] == "auto-replied"
    # The reply is in the sender's language (English, or Korean for a Korean notice).
    assert ("incomplete" in ack.subject or "불완전" in ack.subject) == (status == Status.NEEDS_INFO)


def test_korean_notices_are_decoded_and_answered_in_korean():
    case = ingest("notice_euckr.eml").case
    notice = case.messages.get(direction="in")
    assert case.language == "ko" and case.complainant_name == "이민호"
    assert notice.subject == "[저작권 침해 신고] 메타 신제품 기사 무단 복제"
    assert "선의로 믿습니다" in notice.text and "서울특별시 중구 세종대로 110" in notice.text
    assert case.messages.get(direction="out").language == "ko"
    assert case.reported_url_list == ["https://news.example.org/ko/articles/메타-신제품-발표/"]


def test_attachments_are_kept_and_listed():
    case = ingest("notice_with_attachments.eml").case
    notice = case.messages.get(direction="in")
    assert notice.attachments == [
        {"filename": "evidence.pdf", "content_type": "application/pdf", "size": 193},
        {"filename": "원본_사진.png", "content_type": "image/png", "size": 73},
    ]
    pdf, png = mail_intake.attachments(notice)
    assert pdf.data.startswith(b"%PDF-1.4") and png.data.startswith(b"\x89PNG")


def test_a_forwarded_notice_records_its_original_sender():
    case = ingest("forwarded_rfc822.eml").case
    assert case.forwarded_from == "takedowns@rights-agency.example.com"
    assert case.complainant_email == "hana.cho@news.example.org"  # we answer whoever wrote to us
    assert case.status == Status.RECEIVED


def test_a_message_without_message_id_is_handled_once():
    first = ingest("no_message_id.eml")
    notice = first.case.messages.get(direction="in")
    assert notice.synthetic_message_id and notice.message_id.endswith("@newsroom.invalid>")
    # The same message read over IMAP (CRLF line endings) is the same message.
    again = inbound.ingest_message(sample("no_message_id.eml").replace(b"\n", b"\r\n"))
    assert again.outcome == "duplicate" and TakedownCase.objects.count() == 1


def test_an_incomplete_notice_asks_for_what_is_missing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = ingest("notice_incomplete.eml").case
    assert case.missing_elements == ["accuracy_statement", "signature"]
    (request,) = mail.outbox
    assert request.to == ["sam@rivera-design.example.com"]
    assert "penalty of perjury" in request.body and "signature" in request.body
    assert "/copyright/report/" in request.body


def test_a_demo_on_an_ip_address_recognises_its_articles_and_links_its_own_address(
        site, settings, tmp_path, django_capture_on_commit_callbacks):
    """The demo runs on 127.0.0.1:8000: notices naming it (or localhost) are complete, and the
    acknowledgement sent by the mailbox run links the configured SITE_URL, whatever host the notice used."""
    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    settings.TAKEDOWN_SITE_HOSTS = []
    korean = quote("부산-영화제")
    raw = (sample("notice_plain_en.eml")
           .replace(b"https://news.example.org/articles/harbour-bridge-reopens-after-repairs/?utm_source=feed.",
                    f"http://localhost/ko/articles/{korean}/.".encode())
           .replace(b"https://news.example.org/", b"http://127.0.0.1:8000/"))
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    box.add(raw)
    box.close()
    with django_capture_on_commit_callbacks(execute=True):
        assert run("--maildir", str(tmp_path / "Maildir")) == summary(1, 0, 0, 0, 0)
    case = TakedownCase.objects.get()
    assert case.status == Status.RECEIVED and case.missing_elements == []
    assert sorted(a.slug for a in case.articles.all()) == ["harbour-bridge-reopens-after-repairs", "부산-영화제"]
    (ack,) = mail.outbox
    for body in (ack.body, ack.alternatives[0][0]):
        links = re.findall(r"https?://[^\s<>\"']+", body)
        assert f"http://127.0.0.1:8000/ko/articles/{korean}/" in links, body
        assert "http://127.0.0.1:8000/articles/harbour-bridge-reopens-after-repairs/" in links, body
        assert all(link.startswith("http://127.0.0.1:8000/") for link in links), body


# --- Replies ------------------------------------------------------------------------------------------


def test_a_reply_joins_its_case_by_the_reference_in_the_subject(site, django_capture_on_commit_callbacks):
    case = factories.takedown_case(status="needs_info", reference="TD-2026-00042",
                                   articles=[site["harbour-bridge-reopens-after-repairs"]])
    sent_before = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        result = ingest("reply_case.eml")
    assert result.outcome == "reply" and result.case == case
    assert TakedownCase.objects.count() == 1
    reply = case.messages.get(direction="in")
    assert "licence register extract" in reply.text
    # A person answered a request for information: the case is back under review...
    case.refresh_from_db()
    assert case.status == Status.UNDER_REVIEW
    # ...the article the reply names is linked, and nobody is sent an automatic answer.
    assert "harbour-bridge-gallery" in [a.slug for a in case.articles.all()]
    assert len(mail.outbox) == sent_before
    assert case.events.filter(kind=TakedownEvent.Kind.EMAIL_IN, message=reply).exists()


def test_a_reply_joins_its_case_by_in_reply_to(site, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = factories.takedown_case(status="received", articles=[site["night-market-reopens"]])
    ack = case.messages.get(direction="out")
    raw = (f"From: Jane Doe <jane.doe@lumen-photo.example.com>\nTo: {COPYRIGHT}\nSubject: Re: your email\n"
           f"Message-ID: <answer-1@lumen-photo.example.com>\nIn-Reply-To: {ack.message_id}\n"
           f"References: {ack.message_id}\n\nThe registration number is VA 2-345-678.\n").encode()
    result = inbound.ingest_message(raw)
    assert result.outcome == "reply" and result.case == case
    assert case.messages.filter(direction="in", message_id="<answer-1@lumen-photo.example.com>").exists()
    assert case.reference not in "Re: your email"


def test_an_auto_reply_to_a_case_is_kept_but_never_answered(site, django_capture_on_commit_callbacks):
    case = factories.takedown_case(status="needs_info", reference="TD-2026-00042",
                                   articles=[site["city-marathon-record"]])
    sent_before = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        result = ingest("auto_reply.eml")
    assert result.outcome == "reply" and result.case == case
    case.refresh_from_db()
    assert case.status == Status.NEEDS_INFO  # an out-of-office is not the information we asked for
    assert case.messages.get(direction="in").auto_submitted
    assert len(mail.outbox) == sent_before


def test_a_bounce_of_our_acknowledgement_goes_to_its_case(site, django_capture_on_commit_callbacks):
    case = factories.takedown_case(status="received", reference="TD-2026-00017", articles=[site["부산-영화제"]])
    ack = case.messages.get(direction="out")
    sent_before = len(mail.outbox)
    # The bounce returns our acknowledgement: its Message-ID, not the reference in its text, names the case.
    raw = sample("bounce.eml").replace(b"<td-2026-00017.ack@news.example.org>", ack.message_id.encode())
    with django_capture_on_commit_callbacks(execute=True):
        result = inbound.ingest_message(raw)
    assert result.outcome == "reply" and result.case == case and result.held
    assert len(mail.outbox) == sent_before and not quarantined().exists()


def test_a_bounce_quoting_only_a_reference_is_quarantined(site):
    """Anyone can write "MAILER-DAEMON" and a case reference: that files nothing on the case."""
    case = factories.takedown_case(status="received", reference="TD-2026-00017", articles=[site["부산-영화제"]])
    raw = sample("bounce.eml").replace(b"Your notice has been recorded as case TD-2026-00017.",
                                       b"Case TD-2026-00017: https://news.example.org/articles/city-marathon-record/")
    result = inbound.ingest_message(raw)
    assert result.outcome == "quarantined" and "automatic message" in result.reason
    assert not case.messages.filter(direction="in").exists()
    assert [a.slug for a in case.articles.all()] == ["부산-영화제"]


# --- Who may write into a case -------------------------------------------------------------------------


def _mail(sender, subject, body, **headers):
    extra = "".join(f"{name.replace('_', '-')}: {value}\n" for name, value in headers.items())
    return (f"From: {sender}\nTo: {COPYRIGHT}\nSubject: {subject}\nMessage-ID: <{uuid.uuid4().hex}@x.example>\n"
            f"{extra}\n{body}\n").encode()


STRANGER_NOTICE = ("Please also take down https://news.example.org/articles/city-marathon-record/ "
                   "which copies my photograph.")


def test_a_stranger_quoting_a_case_reference_cannot_write_into_it(site, django_capture_on_commit_callbacks):
    """The attack: references are sequential, so a stranger can name any case in a subject."""
    case = factories.takedown_case(status="needs_info", reference="TD-2026-00042",
                                   articles=[site["harbour-bridge-reopens-after-repairs"]])
    with django_capture_on_commit_callbacks(execute=True):
        result = inbound.ingest_message(
            _mail("stranger@evil.example", "Re: [TD-2026-00042] We received your copyright notice", STRANGER_NOTICE))
    case.refresh_from_db()
    assert case.status == Status.NEEDS_INFO
    assert [a.slug for a in case.articles.all()] == ["harbour-bridge-reopens-after-repairs"]
    assert not case.messages.filter(direction="in").exists()
    # It names an article: a notice of its own, in a case of its own, answered at the stranger's address.
    assert result.outcome == "new case" and result.case != case
    assert result.case.complainant_email == "stranger@evil.example"
    assert [a.slug for a in result.case.articles.all()] == ["city-marathon-record"]
    assert mail.outbox[-1].to == ["stranger@evil.example"] and result.case.reference in mail.outbox[-1].subject
    # The complainant writing the same (their address in any case) answers the case.
    result = inbound.ingest_message(_mail("Jane <Jane.DOE@Lumen-Photo.example.COM>",
                                              "Re: [TD-2026-00042] more", STRANGER_NOTICE))
    assert result.outcome == "reply" and result.case == case and not result.held
    case.refresh_from_db()
    assert case.status == Status.UNDER_REVIEW
    assert sorted(a.slug for a in case.articles.all()) == ["city-marathon-record", "harbour-bridge-reopens-after-repairs"]


def test_a_stranger_naming_a_case_and_no_article_is_held_for_staff(site):
    case = factories.takedown_case(status="needs_info", reference="TD-2026-00042",
                                   articles=[site["harbour-bridge-reopens-after-repairs"]])
    result = inbound.ingest_message(_mail("stranger@evil.example", "Re: [TD-2026-00042] withdrawn",
                                              "I withdraw the notice."))
    assert result.outcome == "quarantined" and "held for staff" in result.reason
    assert quarantined().get().reason == result.reason
    case.refresh_from_db()
    assert case.status == Status.NEEDS_INFO and not case.messages.filter(direction="in").exists()


def test_threading_to_the_complainants_own_mail_proves_nothing(site):
    """The notice's Message-ID is no secret (the complainant may have copied anyone): only ours count."""
    case = ingest("notice_plain_en.eml").case
    notice = case.messages.get(direction="in")
    raw = _mail("stranger@evil.example", "Re: DMCA notice", STRANGER_NOTICE,
                In_Reply_To=notice.message_id, References=notice.message_id)
    result = inbound.ingest_message(raw)
    assert result.outcome == "new case" and result.case != case
    assert [a.slug for a in case.articles.all()] == ["harbour-bridge-reopens-after-repairs"]


def test_an_answer_to_our_mail_from_someone_else_is_held_on_the_case(site, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = factories.takedown_case(status="needs_info", reference="TD-2026-00042",
                                       articles=[site["harbour-bridge-reopens-after-repairs"]])
    ours = case.messages.filter(direction="out").last()
    sent_before = len(mail.outbox)
    body = "I am the photographer's assistant: see https://news.example.org/articles/harbour-bridge-reopens-after-repairs/"
    result = inbound.ingest_message(_mail("assistant@lumen-photo.example.com", "Re: your email", body,
                                              In_Reply_To=ours.message_id))
    assert result.outcome == "reply" and result.case == case and result.held
    case.refresh_from_db()
    assert case.status == Status.NEEDS_INFO  # not the complainant's answer: nothing moves
    held = case.messages.get(direction="in")
    assert held.held and held.from_address == "assistant@lumen-photo.example.com"
    assert case.events.get(kind=TakedownEvent.Kind.EMAIL_IN, message=held).reason == takedowns.HELD_FOR_STAFF
    assert len(mail.outbox) == sent_before
    # Our next email to the complainant does not answer the held one.
    with django_capture_on_commit_callbacks(execute=True):
        takedowns.reply(case, by=factories.copyright_staff(), message="Thank you.")
    assert "In-Reply-To" not in mail.outbox[-1].extra_headers


def test_an_answer_to_our_mail_naming_other_articles_is_a_notice_of_its_own(site, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = factories.takedown_case(status="needs_info", articles=[site["harbour-bridge-reopens-after-repairs"]])
    ours = case.messages.filter(direction="out").last()
    result = inbound.ingest_message(_mail("stranger@evil.example", f"Re: [{case.reference}]", STRANGER_NOTICE,
                                              In_Reply_To=ours.message_id))
    assert result.outcome == "new case" and result.case != case
    case.refresh_from_db()
    assert case.status == Status.NEEDS_INFO
    assert [a.slug for a in case.articles.all()] == ["harbour-bridge-reopens-after-repairs"]


def test_mail_from_our_own_address_opens_a_case_silently(django_capture_on_commit_callbacks):
    raw = sample("notice_plain_en.eml").replace(b"From: Jane Doe <jane.doe@lumen-photo.example.com>",
                                                 f"From: Newsroom <{COPYRIGHT}>".encode())
    with django_capture_on_commit_callbacks(execute=True):
        result = inbound.ingest_message(raw)
    assert result.outcome == "new case" and mail.outbox == []
    assert result.case.events.filter(kind="note", reason__contains="our own addresses").exists()


# --- Routing ------------------------------------------------------------------------------------------


def test_routing_by_recipient_leaves_room_for_other_mailboxes(settings):
    settings.MAIL_INTAKE_ROUTES = {"stories@news.example.org": "submissions"}
    raw = sample("notice_plain_en.eml").replace(b"Delivered-To: copyright@news.example.org",
                                                 b"Delivered-To: stories@news.example.org")
    result = inbound.ingest_message(raw)
    assert result.outcome == "quarantined" and "submissions" in result.reason  # no such handler yet
    handled = []
    settings.MAIL_INTAKE_ROUTES = {"stories@news.example.org": "stories"}
    inbound.register("stories", lambda mail: handled.append(mail.parsed.subject) or inbound.Result("new case"))
    try:
        assert inbound.handle_again(result.record).outcome == "new case"  # staff's "handle again"
    finally:
        inbound.unregister("stories")
    assert handled == ["DMCA Takedown Notice - unauthorised use of photograph"]
    # Mail to the copyright address, or to an alias, is a takedown.
    parsed = parse(sample("notice_plain_en.eml"), site_hosts=[])
    assert inbound.route_for(parsed)[0] == "takedowns"
    settings.COPYRIGHT_EMAIL = "legal@news.example.org"
    settings.TAKEDOWN_ADDRESSES = ["copyright@news.example.org"]
    assert inbound.route_for(parsed)[0] == "takedowns"


def test_a_handler_that_fails_quarantines_the_message_instead_of_stopping(monkeypatch, settings):
    def broken(**kwargs):
        raise ValueError("surprise")

    settings.MAIL_INTAKE_MAX_ATTEMPTS = 1  # retried by later runs up to this many times (tests/newsroom/test_inbound.py)
    monkeypatch.setattr(takedowns, "open_case", broken)
    result = ingest("notice_plain_en.eml")
    assert result.outcome == "quarantined" and "ValueError: surprise" in result.reason
    assert quarantined().get().reason == result.reason


# --- Sources: Maildir, mbox, stdin ---------------------------------------------------------------------


def test_maildir_run_prints_a_summary_and_a_second_run_creates_nothing(maildir, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = run("--maildir", str(maildir))
    # reply_case.eml threads to notice_plain_en.eml's case by its References header.
    assert first == summary(NEW_CASES - 1, NEEDS_INFO - 1, 1, 0, 3)
    cases, messages, kept = (TakedownCase.objects.count(), TakedownMessage.objects.count(), quarantined().count())
    acks = len(mail.outbox)
    assert (cases, kept, acks) == (NEW_CASES - 1, 3, NEW_CASES - 1)
    thread = TakedownCase.objects.get(messages__message_id="<20261103091405.4471.jane@lumen-photo.example.com>")
    assert thread.messages.filter(direction="in").count() == 2
    # Handled mail is marked seen, unreadable mail moved aside.
    assert list((maildir / "new").iterdir()) == []
    assert len(list((maildir / ".Quarantine" / "new").iterdir())) == 3

    assert run("--maildir", str(maildir)) == summary(0, 0, 0, 0, 0)  # seen mail is skipped
    with django_capture_on_commit_callbacks(execute=True):
        again = run("--maildir", str(maildir), "--include-seen")
    assert again == summary(0, 0, 0, len(SAMPLES) - 2, 0)
    assert (TakedownCase.objects.count(), TakedownMessage.objects.count(), quarantined().count(),
            len(mail.outbox)) == (cases, messages, kept, acks)


def test_mbox_run_twice_creates_nothing_twice(tmp_path, django_capture_on_commit_callbacks):
    path = tmp_path / "copyright.mbox"
    box = mailbox.mbox(path)
    for name in ALL:
        box.add(sample(name))
    box.close()
    with django_capture_on_commit_callbacks(execute=True):
        assert run("--mbox", str(path)) == summary(NEW_CASES - 1, NEEDS_INFO - 1, 1, 0, 3)
    counts = (TakedownCase.objects.count(), TakedownMessage.objects.count(), quarantined().count(),
              len(mail.outbox))
    with django_capture_on_commit_callbacks(execute=True):
        # An mbox is left as it is: everything is read again, recognised, and nothing is added.
        assert run("--mbox", str(path)) == summary(0, 0, 0, len(SAMPLES) - 2, 3)
    assert (TakedownCase.objects.count(), TakedownMessage.objects.count(), quarantined().count(),
            len(mail.outbox)) == counts


def test_verbose_run_lists_each_message(maildir):
    output = io.StringIO()
    call_command("ingest_takedown_mail", "--maildir", str(maildir), verbosity=2, stdout=output)
    lines = output.getvalue().splitlines()
    assert len(lines) == len(ALL) + 1
    assert any("quarantined: not an email message" in line for line in lines)
    assert any(": new case TD-" in line for line in lines)


class _Stdin:
    def __init__(self, raw):
        self.buffer = io.BytesIO(raw)


@pytest.mark.parametrize("name, expected", [
    ("notice_plain_en.eml", summary(1, 0, 0, 0, 0)),
    ("garbage.bin", summary(0, 0, 0, 0, 1)),  # kept with its reason: done, exit 0
])
def test_stdin_mode_reads_one_message(monkeypatch, name, expected):
    monkeypatch.setattr(sys, "stdin", _Stdin(sample(name)))
    assert run("-") == expected
    monkeypatch.setattr(sys, "stdin", _Stdin(sample(name)))
    assert run("-") == (summary(0, 0, 0, 1, 0) if name.endswith(".eml") else expected)
    assert quarantined().count() == (0 if name.endswith(".eml") else 1)


def test_a_missing_source_is_a_temporary_failure(tmp_path):
    with pytest.raises(SystemExit) as exit_:
        run("--maildir", str(tmp_path / "nowhere"))
    assert exit_.value.code == 75


def test_no_mailbox_configured_is_an_error(settings):
    from django.core.management import CommandError

    settings.TAKEDOWN_IMAP_HOST = ""
    with pytest.raises(CommandError, match="TAKEDOWN_IMAP_HOST"):
        run()


def _manage(args, database, stdin=b"", **environ):
    env = {**os.environ, "DATABASE_URL": database, "DEBUG": "1", "SECRET_KEY": "test", "COPYRIGHT_EMAIL": COPYRIGHT,
           "TAKEDOWN_SITE_HOSTS": "news.example.org", "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
           **environ}
    return subprocess.run([sys.executable, "manage.py", *args], input=stdin, cwd=ROOT, env=env, capture_output=True,
                          timeout=300)


def test_stdin_mode_as_a_mail_server_pipes_it(tmp_path):
    """The real pipe, in a process of its own: exit 0 for a notice, a duplicate, and bytes that are no email."""
    database = f"sqlite:///{tmp_path}/pipe.sqlite3"
    migrated = _manage(["migrate", "--no-input"], database)
    assert migrated.returncode == 0, migrated.stderr.decode()
    first = _manage(["ingest_takedown_mail", "-"], database, sample("notice_euckr.eml"))
    assert (first.returncode, first.stdout.decode().strip()) == (0, summary(1, 0, 0, 0, 0)), first.stderr.decode()
    again = _manage(["ingest_takedown_mail", "-"], database, sample("notice_euckr.eml"))
    assert (again.returncode, again.stdout.decode().strip()) == (0, summary(0, 0, 0, 1, 0))
    garbage = _manage(["ingest_takedown_mail", "-"], database, sample("garbage.bin"))
    assert (garbage.returncode, garbage.stdout.decode().strip()) == (0, summary(0, 0, 0, 0, 1))


def test_the_auto_reply_limit_holds_across_processes(tmp_path):
    """A mail server runs `ingest_takedown_mail -` once per message: the limit must live in the database."""
    database = f"sqlite:///{tmp_path}/pipe.sqlite3"
    migrated = _manage(["migrate", "--no-input"], database)
    assert migrated.returncode == 0, migrated.stderr.decode()
    outbox = tmp_path / "sent"
    limit = django_settings.TAKEDOWN_AUTO_REPLY_LIMIT[0]
    for number in range(limit + 2):
        raw = sample("notice_plain_en.eml").replace(
            b"Message-ID: <20261103091405.4471.jane@lumen-photo.example.com>",
            f"Message-ID: <flood-{number}@lumen-photo.example.com>\nReply-To: victim@example.net".encode())
        run_ = _manage(["ingest_takedown_mail", "-"], database, raw,
                       EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend", EMAIL_FILE_PATH=str(outbox))
        assert (run_.returncode, run_.stdout.decode().strip()) == (0, summary(1, 0, 0, 0, 0)), run_.stderr.decode()
    sent = [message for file in outbox.iterdir() for message in file.read_text().split("\n" + "-" * 79 + "\n")
            if "To: victim@example.net" in message]
    assert len(sent) == limit


def test_stdin_mode_exits_75_when_the_database_is_unavailable(tmp_path):
    """As a mail server's pipe: EX_TEMPFAIL, so the server keeps the message and tries again."""
    process = _manage(["ingest_takedown_mail", "-"], f"sqlite:///{tmp_path}/missing-dir/db.sqlite3",
                      sample("notice_plain_en.eml"))
    assert process.returncode == 75, process.stderr.decode()
    assert b"try again later" in process.stderr


# --- IMAP, against a real Dovecot -------------------------------------------------------------------------


@pytest.fixture
def imap(imap_server, settings):  # noqa: F811
    imap_server.reset()
    settings.TAKEDOWN_IMAP_HOST = "localhost"  # the test certificate is made for "localhost"
    settings.TAKEDOWN_IMAP_PORT = imap_server.port
    settings.TAKEDOWN_IMAP_USER = imap_server.user
    settings.TAKEDOWN_IMAP_PASSWORD = imap_server.password
    settings.TAKEDOWN_IMAP_FOLDER = "INBOX"
    settings.TAKEDOWN_IMAP_SSL = True
    settings.TAKEDOWN_IMAP_CA_FILE = str(imap_server.workdir / "cert.pem")  # verified, not skipped
    settings.TAKEDOWN_IMAP_DONE_FOLDER = "Processed"
    settings.TAKEDOWN_IMAP_QUARANTINE_FOLDER = "Quarantine"
    return imap_server


def test_imap_mailbox_is_read_sorted_and_emptied(imap, django_capture_on_commit_callbacks):
    for name in ALL:
        imap.deliver(sample(name))
    with django_capture_on_commit_callbacks(execute=True):
        assert run() == summary(NEW_CASES - 1, NEEDS_INFO - 1, 1, 0, 3)
    assert imap.messages("INBOX") == []
    assert len(imap.messages("Processed")) == len(SAMPLES) - 2
    moved = imap.messages("Quarantine")
    assert len(moved) == 3
    assert sorted(bytes(q.raw).replace(b"\r\n", b"\n") for q in quarantined().all()) == sorted(
        raw.replace(b"\r\n", b"\n") for raw in moved)
    # The same corpus as from disk: the same cases, found by the same Message-IDs.
    assert TakedownCase.objects.count() == NEW_CASES - 1
    assert TakedownMessage.objects.filter(direction="in", message_id=parse(
        sample("no_message_id.eml"), site_hosts=[]).message_id).exists()
    # A second run finds nothing.
    assert run() == summary(0, 0, 0, 0, 0)
    # Mail delivered again (a resend) is recognised, and moved out of the inbox too.
    imap.deliver(sample("notice_euckr.eml"))
    assert run() == summary(0, 0, 0, 1, 0)
    assert imap.messages("INBOX") == []


def test_imap_login_failure_is_a_temporary_failure(imap, settings):
    settings.TAKEDOWN_IMAP_PASSWORD = "wrong-password"
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("ingest_takedown_mail", stdout=io.StringIO(), stderr=err)
    assert exit_.value.code == 75 and "wrong-password" not in err.getvalue()


def test_the_intake_task_reads_the_mailbox(imap):
    from newsroom import tasks

    imap.deliver(sample("notice_plain_en.eml"))
    assert tasks.read_mailbox.call() == summary(1, 0, 0, 0, 0)


# --- Two runs at once (PostgreSQL) ---------------------------------------------------------------------------


@pytest.mark.skipif(django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
                    reason="needs PostgreSQL's concurrent writers")
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_on_the_same_maildir_create_nothing_twice(maildir):
    errors, outputs = [], []
    barrier = threading.Barrier(3)

    def worker():
        try:
            barrier.wait(timeout=30)
            outputs.append(run("--maildir", str(maildir), "--include-seen"))
        except BaseException as error:  # noqa: BLE001  (SystemExit included: the test reports it)
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == [] and len(outputs) == 3
    assert TakedownCase.objects.count() == NEW_CASES - 1
    assert TakedownMessage.objects.filter(direction="in").count() == len(SAMPLES) - 2
    assert quarantined().count() == 3
    references = list(TakedownCase.objects.values_list("reference", flat=True))
    assert len(set(references)) == len(references)
    assert sorted(TakedownCase.objects.values_list("number", flat=True)) == list(range(1, NEW_CASES))
    assert Article.objects.filter(status="published").count() == len(SLUGS)


# --- What a message may cost -----------------------------------------------------------------------------


def test_a_million_empty_parts_are_refused_quickly_with_little_memory():
    """Python's parser read every part before the part limit applied: 132 s and 374 MB for this one."""
    import time
    import tracemalloc

    raw = (b"From: a@example.com\nSubject: parts\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n"
           + b"--b\n\n" * 1_000_000 + b"--b--\n")
    tracemalloc.start()
    started = time.monotonic()
    try:
        result = inbound.ingest_message(raw, source_id="bomb")
        elapsed, peak = time.monotonic() - started, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.outcome == "quarantined" and result.reason.startswith("refused: more than 500 MIME parts")
    assert elapsed < 5 and peak < 80_000_000
    kept = quarantined().get()
    assert kept.reason == result.reason and bytes(kept.raw) == raw
    assert TakedownCase.objects.count() == 0


@pytest.mark.parametrize("raw, reason", [
    (b"From: a@example.com\nSubject: headers\n" + b"X-Filler: x\n" * 500_000 + b"\nbody\n",
     "refused: more than 5000 header fields"),
    (b"From: a@example.com\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
     + b"X-Filler: x\n" * 500_000 + b"\nbody\n--b--\n", "refused: more than 5000 header fields"),
    (b"From: a@example.com\nSubject: big\n\n" + b"x" * 30_000_001, "refused: larger than 30,000,000 bytes"),
], ids=["header-lines", "header-lines-in-a-part", "oversized"])
def test_a_message_that_would_cost_too_much_to_read_is_quarantined_with_the_bound_it_exceeds(raw, reason):
    """500,000 header lines cost 13 s of parsing before the header fields were counted."""
    result = inbound.ingest_message(raw, source_id="costly")

    assert result.outcome == "quarantined" and result.reason.startswith(reason)
    assert quarantined().get().reason == result.reason  # kept for staff, never dropped
    assert TakedownCase.objects.count() == 0


# --- Charsets that are not text encodings -------------------------------------------------------------


@pytest.mark.parametrize("label", ["idna", "punycode"])
def test_a_notice_with_a_codec_label_that_is_no_text_encoding_becomes_a_case(label):
    raw = (sample("notice_plain_en.eml").replace(b"charset=us-ascii", f"charset={label}".encode())
           .replace(b"Rights Manager", "Rights Manager — 권리 관리자".encode()))
    result = inbound.ingest_message(raw)
    assert result.outcome == "new case" and not quarantined().exists()
    notice = result.case.messages.get(direction="in")
    assert "under penalty of\n   perjury" in notice.text and "Rights Manager — 권리 관리자" in notice.text
    assert [a.slug for a in result.case.articles.all()] == ["harbour-bridge-reopens-after-repairs"]
