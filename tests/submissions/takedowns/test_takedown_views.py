"""The copyright pages: the notice form, the transparency report, the staff's cases, the author's counter-notice."""

import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article
from newsroom import inbound
from newsroom.models import InboundMessage
from submissions.takedowns import workflow as takedowns
from submissions.takedowns.models import TakedownCase, TakedownEvent, TakedownStatus
from tests import factories

pytestmark = pytest.mark.django_db
Status = TakedownStatus
MAIL = Path(__file__).resolve().parents[2] / "data" / "mail"


@pytest.fixture
def staff(db):
    return factories.copyright_staff(username="casey")


@pytest.fixture
def writer(db):
    return factories.user(username="writer", email="writer@example.com", display_name="Wendy Writer")


@pytest.fixture
def story(writer):
    return factories.article(title="Harbour bridge reopens after repairs", author=writer,
                             slug="harbour-bridge-reopens-after-repairs")


def notice(story, **overrides):
    data = {
        "work_description": "My photograph “Harbour Bridge at Dawn”, https://lumen-photo.example.com/dawn",
        "infringing_urls": f"http://testserver{story.get_absolute_url()}",
        "complainant_name": "Jane Doe",
        "complainant_organisation": "Lumen Photo Agency",
        "complainant_address": "221 Baker Street\nLondon NW1 6XE",
        "complainant_email": "Jane.Doe@lumen-photo.example.com",
        "complainant_phone": "+44 20 7946 0958",
        "good_faith_statement": "on",
        "accuracy_statement": "on",
        "signature": "Jane Doe",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- The notice form --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/copyright/report/", "/ko/copyright/report/"])
def test_the_form_shows_every_element_of_a_valid_notice(client, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("work_description", "infringing_urls", "complainant_name", "complainant_organisation",
                 "complainant_address", "complainant_email", "complainant_phone", "good_faith_statement",
                 "accuracy_statement", "signature"):
        assert f'name="{name}"' in html, name
    assert "penalty of perjury" in html or "위증" in html


MISSING = {
    "work_description": "Identify the copyrighted work",
    "infringing_urls": "Give the address (URL) of each article",
    "complainant_name": "Give your full name.",
    "complainant_address": "Give your postal address.",
    "complainant_email": "Give an email address",
    "complainant_phone": "Give a phone number",
    "good_faith_statement": "good-faith statement",
    "accuracy_statement": "under penalty of perjury that it is accurate",
    "signature": "Sign the notice",
}


@pytest.mark.parametrize("field, message", list(MISSING.items()))
def test_each_missing_element_has_its_own_message(client, story, field, message):
    response = client.post("/copyright/report/", notice(story, **{field: None}))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert message in errors[field][0]
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not TakedownCase.objects.exists()


@pytest.mark.parametrize("url, message", [
    ("not a link", "is not a web address"),
    ("https://elsewhere.example.com/articles/harbour-bridge-reopens-after-repairs/", "not the address of an article"),
    ("http://testserver/category/local/", "not the address of an article"),
    ("http://testserver/articles/no-such-story/", "We found no article"),
])
def test_the_addresses_must_be_articles_of_this_site(client, story, url, message):
    response = client.post("/copyright/report/", notice(story, infringing_urls=url))
    assert response.status_code == 400
    assert message in response.context["form"].errors["infringing_urls"][0]


def test_a_complete_notice_opens_a_case_and_shows_its_reference(client, story, django_capture_on_commit_callbacks):
    other = factories.article(title="Harbour gallery", slug="harbour-gallery")
    urls = f"http://testserver{story.get_absolute_url()}\nhttp://testserver/ko/articles/harbour-gallery/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/copyright/report/", notice(story, infringing_urls=urls), follow=True)
    case = TakedownCase.objects.get()
    assert response.redirect_chain == [("/copyright/report/received/", 302)]
    html = response.content.decode()
    assert re.fullmatch(r"TD-\d{4}-\d{5}", case.reference)
    assert case.reference in html
    assert case.source == "web" and case.status == Status.RECEIVED and case.language == "en"
    assert case.complainant_email == "jane.doe@lumen-photo.example.com"
    assert case.good_faith_statement and case.accuracy_statement and case.signature == "Jane Doe"
    assert set(case.articles.all()) == {story, other}
    (ack,) = mail.outbox
    assert ack.to == ["jane.doe@lumen-photo.example.com"] and case.reference in ack.subject
    assert case.events.filter(kind="email_out").count() == 1


def test_the_acknowledgement_is_in_the_language_of_the_page(client, story, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/ko/copyright/report/", notice(story))
    assert response.status_code == 302 and response["Location"] == "/ko/copyright/report/received/"
    case = TakedownCase.objects.get()
    assert case.language == "ko"
    (ack,) = mail.outbox
    assert ack.to == ["jane.doe@lumen-photo.example.com"]
    assert f"{timezone.now().year}년" in ack.body  # the date is written the Korean way
    assert case.messages.get().language == "ko"


def test_the_received_page_needs_a_notice(client):
    assert client.get("/copyright/report/received/")["Location"] == "/copyright/report/"


def test_the_form_is_rate_limited(client, story, settings):
    settings.TAKEDOWN_REPORT_RATE_LIMITS = {"email": (2, 3600), "ip": (50, 3600)}
    for _ in range(2):
        assert client.post("/copyright/report/", notice(story)).status_code == 302
    response = client.post("/copyright/report/", notice(story))
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "too many times" in response.content.decode()
    assert TakedownCase.objects.count() == 2
    # Another address from another machine is still welcome.
    other = client.post("/copyright/report/", notice(story, complainant_email="other@example.com"),
                        REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302


def test_bots_filling_the_hidden_field_are_refused(client, story):
    response = client.post("/copyright/report/", notice(story, website="https://spam.example"))
    assert response.status_code == 400 and not TakedownCase.objects.exists()
    assert response.content.decode().count("Your message looks automated") == 1


def test_the_article_footer_links_the_form(client, story):
    assert 'href="/copyright/report/"' in client.get(story.get_absolute_url()).content.decode()
    assert 'href="/ko/copyright/report/"' in client.get("/ko" + story.get_absolute_url()).content.decode()


# --- Transparency --------------------------------------------------------------------------------------


def test_transparency_counts_per_month_without_personal_data(client, staff, django_assert_max_num_queries):
    now = timezone.now()
    last_month = (now.replace(day=1) - timedelta(days=1)).replace(hour=12)
    stories = [factories.article() for _ in range(4)]
    # Last month: two notices; one upheld that month, then restored this month.
    old = takedowns.open_case(source="web", now=last_month, links=[(stories[0], "")], **factories.NOTICE)
    takedowns.start_review(old, by=staff, now=last_month)
    takedowns.uphold(old, by=staff, reason="Copied.", now=last_month)
    takedowns.open_case(source="email", now=last_month, **factories.NOTICE)
    takedowns.restore(old, by=staff, now=now)
    # This month: three notices, one dismissed.
    for index in range(3):
        case = takedowns.open_case(source="web", now=now, links=[(stories[index + 1], "")], **factories.NOTICE)
    takedowns.start_review(case, by=staff, now=now)
    takedowns.dismiss(case, by=staff, reason="Fair quotation.", now=now)

    rows = takedowns.monthly_statistics(now=now)
    assert [(r["received"], r["upheld"], r["dismissed"], r["restored"]) for r in rows] == [(3, 0, 1, 1), (2, 1, 0, 0)]
    with django_assert_max_num_queries(4):
        response = client.get("/copyright/transparency/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Jane Doe" not in html and "lumen-photo" not in html and "TD-" not in html
    totals = re.findall(r"<dd>(\d+)</dd>", html)
    assert totals == ["5", "1", "1", "1"]


def test_transparency_takes_the_same_queries_for_many_cases(client, staff):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            client.get("/copyright/transparency/")
        return len(captured)

    takedowns.open_case(source="web", **factories.NOTICE)
    few = queries()
    for _ in range(15):
        takedowns.open_case(source="web", **factories.NOTICE)
    assert queries() == few


# --- Staff pages: who may see them ------------------------------------------------------------------------


@pytest.fixture
def email_case(settings, story):
    settings.TAKEDOWN_SITE_HOSTS = ["news.example.org"]
    settings.COPYRIGHT_EMAIL = "copyright@news.example.org"  # the sample's recipient: mail is routed by it
    return inbound.ingest_message((MAIL / "notice_with_attachments.eml").read_bytes()).case


def staff_urls(case):
    notice = case.messages.filter(direction="in").first()
    urls = ["/copyright/cases/", case.get_absolute_url()]
    if notice:
        urls += [f"{case.get_absolute_url()}messages/{notice.pk}/original/",
                 f"{case.get_absolute_url()}messages/{notice.pk}/attachments/0/"]
    return urls


def test_anonymous_visitors_are_sent_to_log_in(client, email_case):
    for url in staff_urls(email_case):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url


@pytest.mark.parametrize("who", ["contributor", "moderator", "editor"])
def test_other_people_get_not_found(client, email_case, who):
    user = {"contributor": factories.user, "moderator": factories.moderator, "editor": factories.editor}[who]()
    client.force_login(user)
    for url in staff_urls(email_case):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("who", ["staff", "superuser"])
def test_copyright_staff_and_superusers_get_in(client, email_case, staff, who):
    client.force_login(staff if who == "staff" else factories.user(is_superuser=True, is_staff=True))
    for url in staff_urls(email_case):
        assert client.get(url).status_code == 200, url


def test_originals_and_attachments_are_downloads_never_pages(client, email_case, staff):
    client.force_login(staff)
    original, attachment = staff_urls(email_case)[2:]
    response = client.get(original)
    assert response["Content-Type"] == "message/rfc822"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content == (MAIL / "notice_with_attachments.eml").read_bytes()
    response = client.get(attachment)
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="evidence.pdf"'
    assert response.content.startswith(b"%PDF-1.4")
    korean = client.get(attachment.replace("/0/", "/1/"))
    assert "filename*=utf-8''%EC%9B%90%EB%B3%B8_%EC%82%AC%EC%A7%84.png" in korean["Content-Disposition"]
    assert client.get(attachment.replace("/0/", "/7/")).status_code == 404


def test_attachment_downloads_read_the_bytes_kept_at_ingestion(client, email_case, monkeypatch):
    """A download never parses the whole message again (a message of many parts made that cost seconds)."""
    from newsroom import mail_parsing

    def no_parsing(*args, **kwargs):
        raise AssertionError("the message was parsed again")

    monkeypatch.setattr(mail_parsing, "parse", no_parsing)
    notice = email_case.messages.get(direction="in")
    client.force_login(factories.user(is_superuser=True, is_staff=True))
    for url in (staff_urls(email_case)[3], f"/admin/takedowns/takedownmessage/{notice.pk}/attachments/0/"):
        response = client.get(url)
        assert response.status_code == 200 and response.content.startswith(b"%PDF-1.4"), url
        assert response["Content-Disposition"] == 'attachment; filename="evidence.pdf"'


def test_a_message_of_many_parts_stored_before_costs_no_worker_time(client, staff, story):
    """A message stored before parts were counted while parsing (300,000 empty parts after an attachment):
    its attachment download answers at once instead of parsing every part again."""
    from newsroom import inbound
    from newsroom.models import InboundMessage
    from submissions.takedowns.models import TakedownMessage

    case = factories.takedown_case(status="received", articles=[story])
    raw = (b"From: a@example.com\nSubject: parts\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n"
           b"--b\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=a.pdf\n\n%PDF-1.4\n"
           + b"--b\n\n" * 300_000 + b"--b--\n")
    original = InboundMessage.objects.create(raw=raw, checksum=inbound.checksum(raw), size=len(raw), status="handled")
    stored = TakedownMessage.objects.create(case=case, direction="in", message_id="<parts@example.com>",
                                            inbound=original, size=len(raw),
                                            attachments=[{"filename": "a.pdf", "size": 9, "content_type": "application/pdf"}])
    client.force_login(staff)
    started = time.monotonic()
    response = client.get(f"{case.get_absolute_url()}messages/{stored.pk}/attachments/0/")
    assert time.monotonic() - started < 3
    assert response.status_code == 404  # refused like any mail over the part limit: the original is a download


# --- Staff pages: the list and the case ---------------------------------------------------------------------


def test_the_case_list_filters_and_searches(client, staff, story):
    received = factories.takedown_case(status="received", articles=[story])
    upheld = factories.takedown_case(status="upheld", articles=[factories.article()], by=staff,
                                     complainant_email="agency@rights.example")
    dismissed = factories.takedown_case(status="dismissed", articles=[factories.article()], by=staff)
    client.force_login(staff)

    def refs(query=""):
        return set(re.findall(r'class="queue-title case-ref" href="[^"]+">(TD-[\d-]+)<',
                              client.get(f"/copyright/cases/{query}").content.decode()))

    assert refs() == {received.reference, upheld.reference}  # open cases by default
    assert refs("?status=dismissed") == {dismissed.reference}
    assert refs("?source=email") == set()
    assert refs("?q=agency@rights") == {upheld.reference}
    assert refs(f"?q={dismissed.reference.lower()}") == {dismissed.reference}
    html = client.get("/copyright/cases/").content.decode()
    assert "status-badge--upheld" in html and "queue-age" in html


def test_the_case_list_has_a_query_budget(client, staff, django_assert_max_num_queries):
    for _ in range(30):
        factories.takedown_case(status="received", articles=[factories.article()])
    client.force_login(staff)
    with django_assert_max_num_queries(8):
        response = client.get("/copyright/cases/")
    assert response.content.decode().count('class="case-row"') == 30


def test_the_case_page_has_a_query_budget(client, staff, writer, django_assert_max_num_queries):
    stories = [factories.article(author=writer) for _ in range(5)]
    case = factories.takedown_case(status="upheld", articles=stories, by=staff)
    for index in range(10):
        takedowns.add_note(case, by=staff, note=f"Note {index}")
    client.force_login(staff)
    with django_assert_max_num_queries(12):
        response = client.get(case.get_absolute_url())
    html = response.content.decode()
    assert html.count('class="timeline-item') >= 15
    assert "1 upheld takedown" in html  # the author is shown as such


def test_the_case_page_escapes_what_the_complainant_wrote(client, staff, settings, story):
    settings.TAKEDOWN_SITE_HOSTS = ["news.example.org"]
    raw = (b"From: \"<b>Mallory</b>\" <mallory@example.com>\nTo: copyright@newsroom.test\n"
           b"Subject: <img src=x onerror=alert(1)>\nMessage-ID: <hostile-1@example.com>\n"
           b"Content-Type: text/html; charset=utf-8\n\n"
           b"<p>See https://news.example.org/articles/harbour-bridge-reopens-after-repairs/</p>"
           b"<script>alert('x')</script><a href=\"javascript:alert(2)\">click</a>")
    case = inbound.ingest_message(raw).case
    web = factories.takedown_case(status="received", articles=[story],
                                  work_description="<script>alert('work')</script>",
                                  complainant_name="<i>Eve</i>")
    client.force_login(staff)
    for target in (case, web):
        html = client.get(target.get_absolute_url()).content.decode()
        main = html.split('<main id="main"', 1)[1]
        assert "<script>alert" not in main and "<img src=x" not in main and "<b>Mallory" not in main
        assert "<i>Eve</i>" not in main and 'href="javascript:' not in main
    assert "&lt;img src=x onerror=alert(1)&gt;" in client.get(case.get_absolute_url()).content.decode()


def test_staff_decide_on_the_case_page(client, staff, story, django_capture_on_commit_callbacks):
    case = factories.takedown_case(status="received", articles=[story])
    client.force_login(staff)
    url = case.get_absolute_url()

    assert client.post(url, {"action": "start_review"}).status_code == 302
    response = client.post(url, {"action": "uphold", "message": " "})
    assert response.status_code == 400
    assert "Give a reason" in response.content.decode()
    assert TakedownCase.objects.get(pk=case.pk).status == Status.UNDER_REVIEW

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "uphold", "message": "The photo is the agency’s."}, follow=True)
    assert "Upheld" in response.content.decode()
    assert TakedownCase.objects.get(pk=case.pk).status == Status.UPHELD
    assert Client().get(story.get_absolute_url()).status_code == 451

    client.post(url, {"action": "note", "message": "Agency called."})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "reply", "message": "Thank you, the article is disabled."})
    assert mail.outbox[-1].to == ["jane.doe@lumen-photo.example.com"]
    assert "Thank you, the article is disabled." in mail.outbox[-1].body
    response = client.post(url, {"action": "dismiss", "message": "x"}, follow=True)  # not from upheld
    assert "cannot be moved" in response.content.decode()

    client.post(url, {"action": "record_counter_notice", "message": "By post: the author says it is theirs."})
    client.post(url, {"action": "court_action", "message": "Suit filed."})
    case.refresh_from_db()
    assert case.status == Status.COUNTER_NOTICED and case.court_action
    client.post(url, {"action": "restore", "message": "Settled."})
    assert Article.objects.get(pk=story.pk).status == Article.Status.PUBLISHED
    labels = re.findall(r'<p class="timeline-what mb-0">([^<]+)</p>', client.get(url).content.decode())
    assert labels[:3] == ["Notice received", "Articles linked to the case", "Acknowledgement sent to the complainant"]
    assert "Upheld: articles disabled" in labels and "Restored" in labels
    assert labels[-1] == "Restoration notice sent to the author"


def test_staff_link_another_article_while_the_case_is_open(client, staff, story):
    case = factories.takedown_case(status="received", articles=[story])
    second = factories.article(title="Gallery", slug="harbour-gallery")
    client.force_login(staff)
    client.post(case.get_absolute_url(), {"action": "link_article",
                                          "article_url": "http://testserver/ko/articles/harbour-gallery/"})
    assert set(case.articles.all()) == {story, second}
    response = client.post(case.get_absolute_url(), {"action": "link_article", "article_url": "no-such-slug"},
                           follow=True)
    assert "No article found" in response.content.decode()


def test_actions_need_the_csrf_token(staff, story):
    case = factories.takedown_case(status="received", articles=[story])
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    assert client.post(case.get_absolute_url(), {"action": "start_review"}).status_code == 403
    assert TakedownCase.objects.get(pk=case.pk).status == Status.RECEIVED


def test_others_cannot_post_actions(client, story):
    case = factories.takedown_case(status="received", articles=[story])
    client.force_login(factories.moderator())
    assert client.post(case.get_absolute_url(), {"action": "start_review"}).status_code == 404
    assert TakedownCase.objects.get(pk=case.pk).status == Status.RECEIVED


# --- The author: dashboard and counter-notice ------------------------------------------------------------------


COUNTER = {
    "material": "My photo in the harbour story.", "explanation": "I took the photo myself.",
    "mistake_statement": "on", "name": "Wendy Writer", "address": "1 Quay Road, Busan", "phone": "010-1234-5678",
    "jurisdiction_consent": "on", "signature": "Wendy Writer",
}


def test_the_dashboard_tells_the_author_why_and_links_the_counter_notice(client, staff, writer, story):
    case = factories.takedown_case(status="upheld", articles=[story], by=staff, reason="The photo is the agency’s.")
    client.force_login(writer)
    html = client.get("/my/submissions/").content.decode()
    assert "Disabled after a copyright notice" in html
    assert story.title in html and case.reference in html
    assert "The photo is the agency’s." in html
    assert f'href="/my/counter-notices/{case.reference}/"' in html
    client.force_login(factories.user())
    assert "Disabled after a copyright notice" not in client.get("/my/submissions/").content.decode()


def test_the_author_files_a_counter_notice(client, staff, writer, story, django_capture_on_commit_callbacks):
    case = factories.takedown_case(status="upheld", articles=[story], by=staff)
    url = f"/my/counter-notices/{case.reference}/"
    assert client.get(url)["Location"].startswith("/accounts/login/")
    client.force_login(factories.user())
    assert client.get(url).status_code == 404
    client.force_login(writer)
    page = client.get(url)
    assert page.status_code == 200 and story.title in page.content.decode()
    assert story.get_absolute_url() in page.context["form"].initial["material"]

    response = client.post(url, {**COUNTER, "jurisdiction_consent": "", "phone": ""})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"jurisdiction_consent", "phone"}
    assert "consent to jurisdiction" in errors["jurisdiction_consent"][0]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, COUNTER, follow=True)
    case.refresh_from_db()
    assert case.status == Status.COUNTER_NOTICED and case.counter_notice.filed_by == writer
    html = response.content.decode()
    assert "has been filed" in html and "comes back on" in html
    assert mail.outbox[-1].to == ["jane.doe@lumen-photo.example.com"]
    assert "I took the photo myself." in mail.outbox[-1].body
    # Filing twice does nothing more.
    client.post(url, COUNTER)
    assert case.events.filter(kind="status", to_status=Status.COUNTER_NOTICED).count() == 1


# --- Admin ------------------------------------------------------------------------------------------------------


def test_the_admin_lists_cases_and_keeps_the_log_read_only(client, staff, story, email_case):
    admin = factories.user(is_superuser=True, is_staff=True)
    client.force_login(admin)
    response = client.get("/admin/takedowns/takedowncase/?status__exact=received")
    assert response.status_code == 200 and email_case.reference in response.content.decode()
    assert client.get(f"/admin/takedowns/takedowncase/?q={email_case.reference}").status_code == 200
    page = client.get(f"/admin/takedowns/takedowncase/{email_case.pk}/change/").content.decode()
    assert "evidence.pdf" in page and "original (.eml)" in page
    assert client.get("/admin/takedowns/takedownevent/add/").status_code == 403
    event = email_case.events.first()
    assert client.post(f"/admin/takedowns/takedownevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    notice = email_case.messages.get(direction="in")
    download = client.get(f"/admin/takedowns/takedownmessage/{notice.pk}/attachments/1/")
    assert download["Content-Type"] == "application/octet-stream" and download.content.startswith(b"\x89PNG")

    response = client.post("/admin/takedowns/takedowncase/", {
        "action": "start_review", "_selected_action": [email_case.pk]}, follow=True)
    assert response.status_code == 200
    assert TakedownCase.objects.get(pk=email_case.pk).status == Status.UNDER_REVIEW


def test_copyright_staff_see_cases_and_quarantine_in_the_admin(client, staff):
    import importlib

    from django.apps import apps

    importlib.import_module("submissions.migrations.0003_copyright_staff_permissions").install(apps, None)
    importlib.import_module("newsroom.migrations.0006_inbound_message").grant_copyright_staff(apps, None)
    staff = type(staff).objects.get(pk=staff.pk)  # fresh permission cache
    inbound.ingest_message((MAIL / "garbage.bin").read_bytes(), source_id="maildir:/x/garbage")
    client.force_login(staff)
    assert client.get("/admin/takedowns/takedowncase/").status_code == 200
    listing = client.get("/admin/newsroom/inboundmessage/?status=quarantined")
    assert listing.status_code == 200 and "not an email message" in listing.content.decode()
    item = InboundMessage.objects.get()
    raw = client.get(f"/admin/newsroom/inboundmessage/{item.pk}/raw/")
    assert raw.content == (MAIL / "garbage.bin").read_bytes()
    assert raw["Content-Disposition"].startswith("attachment;")


# --- Timeline texts in the reader's language ----------------------------------------------------------------------


def test_the_workflows_own_timeline_texts_are_stored_in_english_and_shown_in_the_readers_language(
        client, staff, writer, story):
    case = factories.takedown_case(status="upheld", articles=[story], by=staff, reason="Restored by copyright staff")
    client.force_login(writer)
    client.post(f"/ko/my/counter-notices/{case.reference}/", COUNTER)
    assert case.events.get(kind="status", to_status=Status.COUNTER_NOTICED).reason == "Counter-notice filed by the author."

    client.force_login(staff)
    english = client.get(f"/copyright/cases/{case.reference}/").content.decode()
    assert "Counter-notice filed by the author." in english and "필자가 반론 통지를 제출했습니다." not in english
    korean = client.get(f"/ko/copyright/cases/{case.reference}/").content.decode()
    assert "필자가 반론 통지를 제출했습니다." in korean and "Counter-notice filed by the author." not in korean
    # What staff wrote stays as written, even when it looks like one of ours.
    assert "Restored by copyright staff<" in korean and "저작권 담당자가 복원했습니다." not in korean


def test_timeline_texts_written_in_korean_before_are_shown_in_english_on_english_pages(client, staff, story):
    case = factories.takedown_case(status="received", articles=[story])
    TakedownEvent.objects.create(case=case, kind="note", from_status=case.status, to_status=case.status,
                                 reason="신고에 누락된 사항: 연락처: 우편 주소 및 전화번호")
    TakedownEvent.objects.create(case=case, kind="note", from_status=case.status, to_status=case.status,
                                 reason="담당자가 반론 통지를 기록했습니다.")
    client.force_login(staff)
    html = client.get(f"/copyright/cases/{case.reference}/").content.decode()
    assert "The notice lacks: Your contact details: postal address and phone number" in html
    assert "Counter-notice recorded by staff." in html
    assert "신고에" not in html and "담당자가" not in html

