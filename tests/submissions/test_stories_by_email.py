"""Stories by email (submissions/stories_by_email.py): mail to SUBMISSIONS_EMAIL → a guest story → the emailed link
→ the moderation queue. Real parsing through newsroom/inbound.py, emails delivered to a real SMTP server."""

import base64
import io
import re
from email.message import EmailMessage

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from PIL import Image

from newsroom import inbound
from newsroom.models import InboundMessage, OutboundEmail
from submissions import services
from submissions.models import Status, Submission
from tests import factories
from tests.newsroom.test_inbound import make_maildir, run, sample
from tests.smtp_server import SmtpServer, free_port

pytestmark = pytest.mark.django_db
STORIES = "stories@news.example.org"
COPYRIGHT = "copyright@news.example.org"
SITE = "https://news.example.org"
SENDER = "mina@example.net"
BODY = (
    "The harbour ferry will stop running at night from January, the port authority said on Monday.\n\n"
    "Night-shift workers who cross the bay told me they have no other way home after eleven. "
    "The authority's notice is here: https://port.example.org/notices/ferry-2027.\n\n"
    "-- \nMina Park\nSent from my phone"
)
KOREAN_TITLE = "항구 야간 여객선 운항 중단"
KOREAN_BODY = (
    "항만청은 월요일에 내년 1월부터 야간 여객선 운항을 중단한다고 밝혔습니다. "
    "밤늦게 만을 건너는 교대 근무자들은 열한 시 이후에는 집에 갈 다른 방법이 없다고 말했습니다. "
    "주민들은 이번 주에 서명 운동을 시작했고, 시의회는 다음 달 회의에서 이 문제를 다룰 예정입니다. "
    "항만청 공지는 다음 주소에서 볼 수 있습니다: https://port.example.org/notices/ferry-2027 "
    "근무자들은 버스 노선을 늘려 달라고 요청하고 있으며, 항만청은 대체 교통수단을 검토하겠다고 답했습니다."
)


@pytest.fixture(autouse=True)
def site(settings):
    settings.SUBMISSIONS_EMAIL = STORIES
    settings.COPYRIGHT_EMAIL = COPYRIGHT
    settings.TAKEDOWN_SITE_HOSTS = ["news.example.org"]
    settings.SITE_URL = SITE
    settings.DEFAULT_FROM_EMAIL = "Newsroom <newsroom@news.example.org>"
    factories.category(name="News", position=0)
    return factories.category(name="Other", slug="other", position=9)


@pytest.fixture
def inbox(settings):
    """What the site sends arrives at a real SMTP server (aiosmtpd), through Django's SMTP backend."""
    port = free_port()
    server = SmtpServer(port)
    box = server.start()
    settings.MAILERS = {"default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "127.0.0.1", "port": port, "username": "", "password": "", "use_tls": False, "timeout": 5},
    }}
    yield box
    server.stop()


def story(*, subject="Night ferry to stop in January", text=BODY, html=None, sender=f"Mina Park <{SENDER}>",
          message_id="story-1@example.net", attachments=(), **headers):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, STORIES, subject
    message["Message-ID"], message["Date"] = f"<{message_id}>", "Thu, 03 Dec 2026 09:14:05 +0000"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    if text is not None:
        message.set_content(text)
    if html is not None:
        if text is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    for filename, data, content_type in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def euc_kr_story():
    """What a Korean webmail sends: EUC-KR headers as encoded words, an EUC-KR body in base64."""
    def word(text):
        return f"=?EUC-KR?B?{base64.b64encode(text.encode('euc-kr')).decode()}?="

    body = base64.encodebytes(KOREAN_BODY.encode("euc-kr")).decode()
    return (f"From: {word('박미나')} <{SENDER}>\nTo: {STORIES}\nSubject: {word(KOREAN_TITLE)}\n"
            f"Message-ID: <korean-1@example.net>\nDate: Thu, 03 Dec 2026 09:14:05 +0900\nMIME-Version: 1.0\n"
            f"Content-Type: text/plain; charset=EUC-KR\nContent-Transfer-Encoding: base64\n\n{body}").encode("ascii")


def photo(**exif_tags):
    exif = Image.Exif()
    for tag, value in exif_tags.items():
        exif[int(tag.removeprefix("tag_"), 16)] = value
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (30, 90, 160)).save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def ingest(raw, capture):
    with capture(execute=True):
        return inbound.ingest_message(raw, source_id="test")


def confirmation_link(inbox, index=-1):
    text = inbox.text(index)
    return re.search(re.escape(SITE) + r"(/(?:ko/)?submit/confirm/\S+/)", text).group(1)


# --- A story by email ------------------------------------------------------------------------------------------


def test_a_plain_text_story_is_confirmed_by_its_link_and_enters_the_moderation_queue(
        inbox, django_capture_on_commit_callbacks):
    result = ingest(story(), django_capture_on_commit_callbacks)

    assert (result.outcome, result.record.status) == ("new story", InboundMessage.Status.HANDLED)
    submission = Submission.objects.get()
    assert (submission.status, submission.channel, submission.guest_email, submission.guest_name) == (
        Status.UNCONFIRMED, "email", SENDER, "Mina Park")
    assert submission.title == "Night ferry to stop in January"
    assert submission.body.startswith("The harbour ferry will stop") and "Sent from my phone" not in submission.body
    assert submission.summary.startswith("The harbour ferry will stop running at night")
    assert submission.source_list == ["https://port.example.org/notices/ferry-2027"] and not submission.no_sources
    assert (submission.category.slug, submission.language) == ("other", "en")
    assert result.record.handled_as == f"new story submission #{submission.pk}"

    [(recipients, sent)] = inbox.messages
    assert recipients == [SENDER] and sent["Subject"] == "Confirm your story for Newsroom"
    assert sent["Auto-Submitted"] == "auto-replied"  # the sender's auto-responder must not answer
    assert "Submission Rules and Guidelines" in inbox.text() and f"{SITE}/pages/guidelines/" in inbox.text()
    assert services.queue().count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        page = Client().get(confirmation_link(inbox))

    assert page.status_code == 200 and "your story is in the queue" in page.content.decode()
    submission.refresh_from_db()
    assert submission.status == Status.SUBMITTED and list(services.queue()) == [submission]
    assert submission.contributor is None


def test_an_html_only_story_keeps_its_links_as_sources_and_its_body_is_sanitized(
        inbox, django_capture_on_commit_callbacks):
    html = ("<html><head><style>p {color: red}</style></head><body>"
            "<p>The harbour ferry will stop running at night from January, the port authority said on Monday.</p>"
            "<p>Night-shift workers who cross the bay told me they have no other way home after eleven, and the "
            "<a href='https://port.example.org/notices/ferry-2027'>notice</a> offers no replacement bus.</p>"
            "<script>alert('x')</script><p onclick=\"steal()\">Residents meet on Thursday.</p></body></html>")
    ingest(story(text=None, html=html), django_capture_on_commit_callbacks)

    submission = Submission.objects.get()
    assert submission.source_list == ["https://port.example.org/notices/ferry-2027"]
    assert "alert" not in submission.body and "color: red" not in submission.body
    revision = submission.revisions.get()
    assert "<script" not in revision.body_html and "onclick" not in revision.body_html
    assert "Residents meet on Thursday." in revision.body_html
    assert len(inbox.messages) == 1


def test_a_korean_euc_kr_story_is_decoded_and_confirmed_in_korean(inbox, django_capture_on_commit_callbacks):
    ingest(euc_kr_story(), django_capture_on_commit_callbacks)

    submission = Submission.objects.get()
    assert (submission.title, submission.guest_name, submission.language, submission.contact_language) == (
        KOREAN_TITLE, "박미나", "ko", "ko")
    assert submission.body == KOREAN_BODY
    assert submission.source_list == ["https://port.example.org/notices/ferry-2027"]
    [(_, sent)] = inbox.messages
    assert "확인" in sent["Subject"]
    link = confirmation_link(inbox)
    assert link.startswith("/ko/submit/confirm/")

    with django_capture_on_commit_callbacks(execute=True):
        assert Client().get(link).status_code == 200
    assert Submission.objects.get().status == Status.SUBMITTED


def test_the_first_image_attachment_becomes_the_photo_without_its_exif(inbox, django_capture_on_commit_callbacks):
    jpeg = photo(tag_010F="SpyCam", tag_8825={2: (37.0, 33.0, 0.0)})
    second = photo()
    ingest(story(attachments=[("notes.pdf", b"%PDF-1.4 notes", "application/pdf"),
                              ("ferry.jpg", jpeg, "image/jpeg"), ("other.jpg", second, "image/jpeg")]),
           django_capture_on_commit_callbacks)

    submission = Submission.objects.get()
    assert submission.image and (submission.image_width, submission.image_height) == (800, 600)
    stored = submission.image.read()
    assert b"SpyCam" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG" and not image.getexif()
    assert submission.revisions.get().image == submission.image.name
    assert "was left out" not in inbox.text()


def test_an_image_that_is_no_image_is_left_out_with_a_note_and_the_story_still_comes_in(
        inbox, django_capture_on_commit_callbacks):
    ingest(story(attachments=[("ferry.jpg", b"this is not a picture", "image/jpeg")]),
           django_capture_on_commit_callbacks)

    submission = Submission.objects.get()
    assert submission.status == Status.UNCONFIRMED and not submission.image
    assert "Your image “ferry.jpg” was left out: This file is not an image we can read." in inbox.text()


def test_a_story_from_an_accounts_confirmed_address_is_filed_under_the_account_once_confirmed(
        inbox, django_capture_on_commit_callbacks):
    writer = factories.user(username="mina", email=SENDER.upper(), display_name="Mina P.")
    ingest(story(), django_capture_on_commit_callbacks)

    submission = Submission.objects.get()
    assert submission.contributor is None  # a From header proves nothing: the click in that mailbox does
    owner = Client()
    owner.force_login(writer)
    assert "Night ferry to stop in January" not in owner.get("/my/submissions/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        assert Client().get(confirmation_link(inbox)).status_code == 200

    submission.refresh_from_db()
    assert (submission.contributor, submission.status) == (writer, Status.SUBMITTED)
    assert submission.events.get(to_status=Status.SUBMITTED).actor == writer
    assert "Night ferry to stop in January" in owner.get("/my/submissions/").content.decode()
    # The link opened again: already confirmed, still the same story.
    assert "already confirmed" in Client().get(confirmation_link(inbox)).content.decode()


def test_an_unconfirmed_account_address_stays_a_guest(inbox, django_capture_on_commit_callbacks):
    account = factories.user(username="mina", email=SENDER)
    EmailAddress.objects.filter(user=account).update(verified=False)
    ingest(story(), django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        Client().get(confirmation_link(inbox))

    submission = Submission.objects.get()
    assert (submission.contributor, submission.status) == (None, Status.SUBMITTED)


def test_the_queue_and_the_review_page_say_the_story_came_by_email(inbox, django_capture_on_commit_callbacks):
    factories.submission(title="Library hours extended")  # from the form: no badge
    ingest(story(), django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        Client().get(confirmation_link(inbox))
    moderator = Client()
    moderator.force_login(factories.moderator())

    queue = moderator.get("/moderation/").content.decode()
    page = moderator.get(f"/moderation/{Submission.objects.get(channel='email').pk}/").content.decode()

    assert queue.count("By email") == 1 and "Night ferry to stop in January" in queue
    assert "By email" in page


def test_without_the_default_section_the_first_section_in_menu_order_is_taken(
        site, inbox, django_capture_on_commit_callbacks):
    site.delete()
    ingest(story(), django_capture_on_commit_callbacks)

    assert Submission.objects.get().category.name == "News"


# --- Once -------------------------------------------------------------------------------------------------------


def test_the_same_message_twice_is_one_story_even_with_other_received_headers(
        inbox, django_capture_on_commit_callbacks):
    raw = story()
    relayed = b"Received: from relay.example.net by mx.news.example.org; Thu, 03 Dec 2026 09:15:00 +0000\n" + raw

    outcomes = [ingest(message, django_capture_on_commit_callbacks).outcome for message in (raw, raw, relayed)]

    assert outcomes == ["new story", "duplicate", "duplicate"]
    assert InboundMessage.objects.count() == 2  # other bytes are stored, but not filed twice
    assert Submission.objects.count() == 1 and len(inbox.messages) == 1


# --- Never stories ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("headers, reason", [
    ({"Auto_Submitted": "auto-replied"}, "an automatic message (auto-reply or bounce, Auto-Submitted: auto-replied)"),
    ({"X_Autoreply": "yes"}, "an automatic message (auto-reply or bounce"),
    ({"List_Id": "Harbour residents <residents.lists.example.net>"}, "mailing-list or bulk mail (list-id)"),
    ({"Precedence": "bulk"}, "mailing-list or bulk mail (Precedence: bulk)"),
])
def test_automatic_and_list_mail_is_quarantined_and_never_answered(
        headers, reason, inbox, django_capture_on_commit_callbacks):
    result = ingest(story(**headers), django_capture_on_commit_callbacks)

    assert result.outcome == "quarantined" and reason in result.reason
    assert InboundMessage.objects.get().status == InboundMessage.Status.QUARANTINED
    assert Submission.objects.count() == 0 and OutboundEmail.objects.count() == 0 and inbox.messages == []


@pytest.mark.parametrize("sender", ["newsroom@news.example.org", STORIES, COPYRIGHT])
def test_mail_from_our_own_addresses_is_a_loop(sender, inbox, django_capture_on_commit_callbacks):
    result = ingest(story(sender=sender), django_capture_on_commit_callbacks)

    assert result.outcome == "quarantined" and result.reason == f"a mail loop: sent from our own address {sender}"
    assert Submission.objects.count() == 0 and inbox.messages == []


def test_a_reply_to_our_confirmation_is_not_a_story(inbox, django_capture_on_commit_callbacks):
    ingest(story(), django_capture_on_commit_callbacks)
    ours = inbox.messages[0][1]["Message-ID"]

    threaded = ingest(story(subject="Re: Confirm your story for Newsroom", message_id="reply-1@example.net",
                            text=BODY.replace("harbour", "bay"), In_Reply_To=ours, References=ours),
                      django_capture_on_commit_callbacks)
    by_subject = ingest(story(subject="RE: Confirm your story for Newsroom", message_id="reply-2@example.net",
                              text=BODY.replace("harbour", "river")), django_capture_on_commit_callbacks)

    assert threaded.outcome == by_subject.outcome == "quarantined"
    assert "a reply to an email we sent" in threaded.reason
    assert "a reply to our confirmation email" in by_subject.reason
    assert Submission.objects.count() == 1 and len(inbox.messages) == 1


def test_garbage_is_quarantined_and_its_sender_told_once(inbox, django_capture_on_commit_callbacks):
    empty = ingest(story(subject="", text="\n", message_id="empty@example.net"), django_capture_on_commit_callbacks)
    short = ingest(story(subject="Ferry", text="Ferry stops. See you.", message_id="short@example.net"),
                   django_capture_on_commit_callbacks)

    assert empty.outcome == short.outcome == "quarantined"
    assert empty.reason.startswith("garbage: no usable subject or text")
    assert short.reason.startswith("not a story the submission form would take: Story: The story is too short")
    assert Submission.objects.count() == 0
    [(recipients, sent)] = inbox.messages  # one explanation per address and day: the second mail got none
    assert recipients == [SENDER] and sent["Subject"] == "Your story did not reach Newsroom"
    assert sent["Auto-Submitted"] == "auto-replied"
    assert "Your email has no subject: we use the subject as the story’s title." in inbox.text()
    assert f"{SITE}/submit/" in inbox.text()


def test_a_korean_sender_is_told_in_korean_what_to_fix(inbox, django_capture_on_commit_callbacks):
    result = ingest(story(subject="", text="항구 야간 여객선 운항이 중단됩니다.", message_id="ko-short@example.net"),
                    django_capture_on_commit_callbacks)

    assert result.outcome == "quarantined"
    [(_, sent)] = inbox.messages
    assert sent["Subject"] == "Newsroom에 기사가 접수되지 않았습니다"
    assert "제목" in inbox.text() and "/ko/submit/" in inbox.text()


# --- Limits as the form has them --------------------------------------------------------------------------------


def test_the_waiting_cap_holds_for_stories_by_email(settings, inbox, django_capture_on_commit_callbacks):
    settings.SUBMISSION_MAX_WAITING = 1
    ingest(story(), django_capture_on_commit_callbacks)
    second = ingest(story(subject="Bus lanes for the bridge", message_id="story-2@example.net",
                          text=BODY.replace("ferry", "bus")), django_capture_on_commit_callbacks)

    assert second.outcome == "quarantined" and "You already have 1 story waiting for review" in second.reason
    assert Submission.objects.count() == 1
    assert "You already have 1 story waiting for review" in inbox.text(-1)


def test_a_held_account_cannot_send_by_email_either(settings, inbox, django_capture_on_commit_callbacks):
    settings.TAKEDOWN_REPEAT_INFRINGER_THRESHOLD = 1
    writer = factories.user(username="mina", email=SENDER)
    factories.takedown_case(status="upheld", articles=[factories.article(author=writer)])

    result = ingest(story(), django_capture_on_commit_callbacks)

    assert result.outcome == "quarantined" and "New stories from this account are on hold" in result.reason
    assert Submission.objects.count() == 0


# --- With the other routes --------------------------------------------------------------------------------------


def test_a_takedown_and_a_story_in_one_maildir_run_are_each_routed_right(
        tmp_path, inbox, django_capture_on_commit_callbacks):
    factories.article(slug="harbour-bridge-reopens-after-repairs")
    maildir = make_maildir(tmp_path / "Maildir", sample("notice_plain_en.eml"), story())
    with django_capture_on_commit_callbacks(execute=True):
        line = run("--maildir", str(maildir))

    assert line == "handled: 2, new case: 1, new story: 1, duplicates: 0, quarantined: 0"
    assert Submission.objects.get().channel == "email"
    routed = dict(InboundMessage.objects.values_list("route", "handled_as"))
    assert routed["takedowns"].startswith("new case TD-") and routed["stories"].startswith("new story submission #")
    assert sorted(recipients[0] for recipients, _ in inbox.messages) == ["jane.doe@lumen-photo.example.com", SENDER]


# --- How to ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix, heading", [("", "Sending a story by email"), ("/ko", "이메일로 기사 보내기")])
def test_the_guidelines_explain_how_to_send_a_story_by_email_with_the_address(prefix, heading):
    page = Client().get(f"{prefix}/pages/guidelines/").content.decode()

    assert heading in page
    assert f'<a href="mailto:{STORIES}">{STORIES}</a>' in page and "{SUBMISSIONS_EMAIL}" not in page


def test_without_a_stories_address_the_guidelines_say_so(settings):
    settings.SUBMISSIONS_EMAIL = ""

    page = Client().get("/pages/guidelines/").content.decode()

    assert "(no address yet: this site does not take stories by email)" in page and "mailto:stories" not in page
