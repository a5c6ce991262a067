"""Hostile input, server side: every payload of the corpus through every place user text enters.

Each payload goes in through the real forms and views (or, where people only type in the admin,
the workflow functions the admin calls), and every page where it lands is parsed: it must carry
no script the templates did not put there, no event handler, no script-capable URL, no embedded
document or foreign content, nothing that fetches from elsewhere by itself (tests/security/htmlcheck.py).
The browser run of the same corpus is tests/security/test_xss_browser.py.
"""

import re
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import NoReverseMatch, Resolver404, resolve, reverse

from articles import publishing, sanitize, text
from articles.models import AuthorProfile, NewsletterSubscriber
from submissions import moderation, services
from submissions.models import Revision, Status, Submission
from tests import factories
from tests.security.htmlcheck import admin_chrome, executable_markup, load_payloads, page_problems

pytestmark = pytest.mark.django_db

PAYLOADS = load_payloads()
CHUNKS = 4  # the corpus is split so that parallel test runs share the work


def chunk(index):
    return PAYLOADS[index::CHUNKS]


@pytest.fixture(autouse=True)
def _let_everything_in(settings):
    """Rate limits, the waiting cap and near-duplicate titles would stop a corpus this size; they are tested elsewhere."""
    settings.RATELIMIT_ENABLED = False
    settings.SUBMISSION_MAX_WAITING = 10_000
    settings.SUBMISSION_DUPLICATE_TITLE_RATIO = 1.01


class Findings:
    """Collects problems per page so that one failure report names every payload and page at once."""

    def __init__(self):
        self.items = []
        self.chrome = frozenset()

    def learn_admin_chrome(self, client):
        self.chrome = admin_chrome(client)

    def check(self, response, *, number, where, expect=(200,)):
        if response.status_code not in expect:
            self.items.append(f"#{number} {where}: status {response.status_code}")
        for problem in page_problems(response, chrome=self.chrome):
            self.items.append(f"#{number} {where}: {problem}")

    def check_email(self, html, *, where):
        """Emails are not under the site's CSP: their templates' inline styles are expected, nothing else is."""
        for problem in executable_markup(html):
            if not problem.startswith("style attribute"):
                self.items.append(f"{where}: {problem}")

    def __bool__(self):
        return bool(self.items)

    def report(self):
        return "\n".join(self.items[:60]) + (f"\n… and {len(self.items) - 60} more" if len(self.items) > 60 else "")


def story(category, payload, number, **overrides):
    data = {
        "title": f"Case {number}: {payload}"[:200],
        "summary": payload[:500],
        "body": f"{factories.STORY_BODY}\n\n{payload}\n\nThe end of case {number}.",
        "category": category.pk,
        "tags": payload[:60],
        "language": "en",
        "sources": f"https://example.org/minutes/{number}",
        "accept_guidelines": "on",
        "confirm_rights": "on",
        "action": "submit",
    }
    data.update(overrides)
    return data


# --- The corpus and the sanitizer ---------------------------------------------------------------

def test_the_corpus_is_large_and_covers_the_known_families():
    texts = [payload for _, payload in PAYLOADS]
    assert len(texts) >= 150 and len(set(texts)) == len(texts)
    lowered = [t.lower() for t in texts]
    families = {
        "script element": "<script", "event handler": " on", "javascript: URL": "javascript", "data: URL": "data:",
        "SVG": "<svg", "MathML": "<math", "entity-encoded": "&#", "markdown link": "](", "CSS": "style",
        "iframe": "<iframe", "mutation (noscript/xmp)": "<noscript", "attribute breakout": '" autofocus',
        "template/shadow DOM": "<template", "comment trick": "<!--",
    }
    for family, marker in families.items():
        assert sum(marker in t for t in lowered) >= 1, family
    assert sum("<script" in t for t in lowered) >= 20 and sum("onerror" in t for t in lowered) >= 30
    # each one carries its own number (alert(n), window.__xss__=n, http://xss.invalid/n), so a browser that
    # runs or fetches one names it; a few hide the number in base64
    for number, payload in PAYLOADS:
        assert re.search(rf"(?<![\d#]){number}(?!\d)", payload) or "base64," in payload or "atob(" in payload, number


@pytest.mark.parametrize("number, payload", PAYLOADS, ids=[f"p{n}" for n, _ in PAYLOADS])
def test_markdown_and_the_sanitizer_leave_nothing_executable(number, payload):
    for html in (text.render_markdown(payload), sanitize.clean_html(payload),
                 text.render_markdown(f"Before.\n\n{payload}\n\nAfter [a link](https://example.org/{number}).")):
        assert executable_markup(html) == [], html
    plain = sanitize.strip_tags(text.render_markdown(payload))
    assert "<" not in plain.replace("&lt;", "")


@pytest.mark.parametrize("source, expected", [
    ("<script>alert(1)</script>", ""),
    ("<p>Before<script>alert(1)</script>after</p>", "<p>Beforeafter</p>"),
    ("<ScRiPt type=module>window.__xss__=1</sCrIpT>Text", "Text"),
    ("<style>body{display:none}</style><p>Shown</p>", "<p>Shown</p>"),
    ("<template><img src=x onerror=alert(1)></template>kept", "kept"),
    ('<iframe srcdoc="<script>alert(1)</script>">fallback</iframe>tail', "tail"),
    ("<object data=x>fallback text</object>after", "after"),
    ("<noscript><p>no script</p></noscript><p>after</p>", "<p>after</p>"),
    ("<svg><text>drawn</text><script>alert(1)</script></svg>story", "story"),
    ("<math><mi>x</mi></math>story", "story"),
    ("<p>A <strong>bold</strong> <a href=\"https://example.org\">link</a>.</p>",
     '<p>A <strong>bold</strong> <a href="https://example.org" rel="nofollow ugc noopener">link</a>.</p>'),
    ("Plain text with no markup &amp; an entity", "Plain text with no markup &amp; an entity"),
])
def test_code_elements_are_dropped_with_their_content(source, expected):
    assert sanitize.clean_html(source) == expected


def test_reading_time_and_search_text_ignore_script_content():
    body = "Three plain words.\n\n<script>" + "hidden " * 500 + "</script>"
    assert sanitize.strip_tags(text.render_markdown(body)).split() == ["Three", "plain", "words."]
    assert text.reading_minutes(body, "en") == 1


def test_the_sanitizer_is_safe_to_call_from_many_threads():
    """bleach's cleaner keeps parser state: shared between threads (runserver, gunicorn's threads, task
    workers), one story's text ended up in another's and some calls raised IndexError. Each thread has its own."""
    inputs = [payload for _, payload in PAYLOADS[:60]] * 4
    expected = [sanitize.clean_html(item) for item in inputs]
    results, errors = [None] * len(inputs), []
    barrier = threading.Barrier(8)

    def work(offset):
        try:
            barrier.wait(timeout=10)
            for index in range(offset, len(inputs), 8):
                results[index] = sanitize.clean_html(inputs[index])
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(repr(error))

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often, as a busy server does, so a shared parser shows
    try:
        threads = [threading.Thread(target=work, args=(offset,)) for offset in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    mixed = [index for index, (got, wanted) in enumerate(zip(results, expected)) if got != wanted]
    assert mixed == [], f"{len(mixed)} outputs hold another input's text or lost their own"


# --- Submissions: title, summary, body, tags, sources --------------------------------------------

@pytest.mark.parametrize("part", range(CHUNKS))
def test_story_fields_are_inert_for_contributors_moderators_and_readers(client, part):
    """Through /submit/, then the contributor's page, the moderation review page, and the published article."""
    category = factories.category()
    writer = factories.user(password=None)
    mod = factories.moderator(password=None)
    findings = Findings()
    sent = []
    client.force_login(writer)
    for number, payload in chunk(part):
        response = client.post("/submit/", story(category, payload, number))
        if response.status_code == 302:
            sent.append((number, Submission.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))))
        else:  # refused by a check: what was typed comes back in the form, and must be inert there too
            findings.check(response, number=number, where="refused submission form", expect=(400,))
    assert len(sent) >= len(chunk(part)) * 0.9, findings.report()

    for number, submission in sent[::4]:  # the contributor's page shows the same preview as the review page
        findings.check(client.get(f"/my/submissions/{submission.pk}/"), number=number, where="contributor's page")
    findings.check(client.get("/my/submissions/"), number=0, where="dashboard")

    client.force_login(mod)
    for page in range(1, len(sent) // 50 + 2):
        findings.check(client.get(f"/moderation/?page={page}"), number=0, where=f"queue page {page}")
    for number, submission in sent:
        findings.check(client.get(f"/moderation/{submission.pk}/"), number=number, where="review page")
        moderation.claim(submission, by=mod)
        article = publishing.publish(moderation.approve(submission, by=mod))
        findings.check(client.get(article.get_absolute_url()), number=number, where="article page")
        tag = article.tags.first()
        if tag is not None and number % 4 == 0:  # the tag's name, as on the article page
            findings.check(client.get(tag.get_absolute_url()), number=number, where="tag page")
    client.logout()
    findings.check(client.get("/"), number=0, where="front page")
    findings.check(client.get("/feeds/latest/"), number=0, where="feed")
    assert not findings, findings.report()


@pytest.mark.parametrize("part", range(CHUNKS))
def test_sources_and_long_tags_are_refused_or_shown_inert(client, part):
    """A source must be a web address: a payload is refused with an error that quotes it, inertly;
    one that is a valid http(s) address is only ever shown as an escaped link."""
    category = factories.category()
    writer = factories.user(password=None)
    mod = factories.moderator(password=None)
    findings = Findings()
    client.force_login(writer)
    accepted = []
    for number, payload in chunk(part):
        response = client.post("/submit/", story(category, payload, number, sources=payload, tags=payload))
        if response.status_code == 302:
            accepted.append((number, response["Location"]))
        else:
            findings.check(response, number=number, where="refused submission form", expect=(400,))
        response = client.post("/submit/", story(category, payload, number, sources=payload, action="preview"))
        findings.check(response, number=number, where="preview")
    client.force_login(mod)
    for number, location in accepted:
        pk = int(location.rstrip("/").rsplit("/", 1)[1])
        html_response = client.get(f"/moderation/{pk}/")
        findings.check(html_response, number=number, where="review page with sources")
        hrefs = re.findall(r'<ol class="source-list">(.*?)</ol>', html_response.content.decode(), re.S)
        for href in re.findall(r'href="([^"]*)"', "".join(hrefs)):
            assert href.startswith(("http://", "https://")), href
    assert not findings, findings.report()


def test_a_resubmission_diff_shows_payloads_inert(client):
    """The review page's revision diff splits text into word segments: each must still be escaped."""
    writer = factories.user(password=None)
    mod = factories.moderator(password=None)
    submission = factories.submission(status=Status.CHANGES_REQUESTED, contributor=writer, by=mod)
    findings = Findings()
    payloads = [payload for _, payload in PAYLOADS]
    for start in range(0, len(payloads), 60):
        batch = payloads[start:start + 60]
        submission.refresh_from_db()
        data = {
            "title": f"Revised {start}: {batch[0]}"[:200], "summary": batch[1][:500],
            "body": factories.STORY_BODY + "\n\n" + "\n\n".join(batch), "category": submission.category,
            "tags": [b[:60] for b in batch[:8]], "language": "en", "sources": [f"https://example.org/r/{start}"],
            "no_sources": False, "image": None,
        }
        services.send(contributor=writer, data=data, contact_language="en", submission=submission)
        findings.check(client_for(mod).get(f"/moderation/{submission.pk}/"), number=start, where="diff")
        moderation.claim(submission, by=mod)
        moderation.request_changes(submission, by=mod, reason="\n".join(batch[:5]))
        findings.check(client_for(writer).get(f"/my/submissions/{submission.pk}/"), number=start,
                       where="decision shown to the contributor")
    assert Revision.objects.filter(submission=submission).count() >= 4
    assert not findings, findings.report()


def client_for(user):
    browser = Client()
    browser.force_login(user)
    return browser


def test_appeal_reasons_and_reader_flags_reach_moderators_inert(client):
    writer = factories.user(password=None)
    mod, other_mod = factories.moderator(password=None), factories.moderator(password=None)
    article = factories.article()
    findings = Findings()
    rejected = []
    for number, payload in PAYLOADS[:20]:
        submission = factories.submission(status=Status.REJECTED, contributor=writer, by=mod, reason=payload)
        writer_client = client_for(writer)
        findings.check(writer_client.get(f"/my/submissions/{submission.pk}/"), number=number, where="rejection")
        response = writer_client.post(f"/my/submissions/{submission.pk}/", {"reason": payload})
        findings.check(response, number=number, where="appeal", expect=(302,))
        rejected.append((number, submission))
    for start in range(0, len(PAYLOADS), 12):  # several payloads per note, so that the queue shows them all
        note = "\n".join(payload for _, payload in PAYLOADS[start:start + 12])[:2000]
        response = client.post(f"/flag/{article.slug}/", {"reason": "other", "note": note})
        findings.check(response, number=start + 1, where="flag form", expect=(302,))
    staff = client_for(other_mod)
    for number, submission in rejected:
        findings.check(staff.get(f"/moderation/{submission.pk}/"), number=number, where="appeal on review page")
    findings.check(staff.get("/moderation/"), number=0, where="queue with reader reports")
    assert not findings, findings.report()


# --- Accounts and profiles ------------------------------------------------------------------------

@pytest.mark.parametrize("part", range(CHUNKS))
def test_sign_up_names_and_author_bios_are_inert(client, part):
    """Display names come from the sign-up form; bios are written in the admin (the only place they are edited)."""
    admin_client = client_for(factories.user(password=None, is_staff=True, is_superuser=True))
    findings = Findings()
    findings.learn_admin_chrome(admin_client)
    for number, payload in chunk(part):
        response = client.post("/accounts/signup/", {
            "username": f"writer{number}", "email": f"writer{number}@example.com", "display_name": payload[:100],
            "password1": "a-long-and-unusual-passphrase", "password2": "a-long-and-unusual-passphrase",
        }, follow=True)  # an accepted sign-up goes on to "check your inbox"
        findings.check(response, number=number, where="sign-up")
        profile = AuthorProfile.objects.filter(user__username=f"writer{number}").first()
        if profile is None:
            continue
        response = admin_client.post(f"/admin/articles/authorprofile/{profile.pk}/change/", {
            "user": profile.user_id, "display_name": payload[:100], "bio": f"{payload}\n{payload}"[:2000],
        })
        findings.check(response, number=number, where="admin profile form", expect=(302,))
        profile.refresh_from_db()
        assert payload.strip()[:50] in profile.bio, (number, profile.bio)
        findings.check(client.get(f"/authors/{profile.user.username}/"), number=number, where="author page")
        if number % 8 == 0:  # the byline shows the same escaped name; a sample is enough
            article = factories.article(author=profile.user, title=f"Byline test {number}")
            findings.check(client.get(article.get_absolute_url()), number=number, where="byline")
    findings.check(admin_client.get("/admin/articles/authorprofile/"), number=0, where="admin profile list")
    assert not findings, findings.report()


# --- Search and newsletter -------------------------------------------------------------------------

def test_search_queries_are_echoed_inert(client):
    factories.article(title="Harbour bridge reopens", summary="Harbour news.")
    findings = Findings()
    for number, payload in PAYLOADS:
        findings.check(client.get("/search/", {"q": payload}), number=number, where="search results")
        findings.check(client.get("/search/", {"q": f"harbour {payload}"[:200]}), number=number,
                       where="search with results")
    assert not findings, findings.report()


def test_newsletter_addresses_are_echoed_inert_and_mailed_inert(client, django_capture_on_commit_callbacks):
    findings = Findings()
    accepted = 0
    for number, payload in PAYLOADS:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/newsletter/", {"email": payload})
        if response.status_code == 200:
            accepted += 1
        findings.check(response, number=number, where="newsletter form", expect=(200, 400))
    for message in mail.outbox:
        for body, kind in message.alternatives:
            if kind == "text/html":
                findings.check_email(body, where=f"email to {message.to[0]}")
    # A quoted local part may legally hold markup ("<svg/onload=…>"@example.com): stored, mailed, shown escaped.
    assert accepted >= 1 and NewsletterSubscriber.objects.count() == accepted
    admin_client = client_for(factories.user(password=None, is_staff=True, is_superuser=True))
    findings.learn_admin_chrome(admin_client)
    findings.check(admin_client.get("/admin/articles/newslettersubscriber/"), number=0, where="admin subscribers")
    assert not findings, findings.report()


# --- Copyright: the report form, the mailbox, and the staff's case pages ------------------------------

def _route_exists(path):
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def _form_fields(html):
    """(name, type, maxlength) of the fields of the first POST form in #main."""
    main = html.split('id="main"', 1)[-1]
    form = re.search(r'<form[^>]*method="post"[^>]*>(.*?)</form>', main, re.S | re.I)
    assert form, "no POST form on the page"
    fields = []
    for tag, attrs in re.findall(r"<(input|textarea|select)\b([^>]*)>", form.group(1), re.I):
        name = re.search(r'name="([^"]+)"', attrs)
        if not name or name.group(1) in ("csrfmiddlewaretoken", "website"):
            continue
        kind = re.search(r'type="([^"]+)"', attrs)
        limit = re.search(r'maxlength="(\d+)"', attrs)
        fields.append((name.group(1), tag.lower() if tag.lower() != "input" else (kind.group(1) if kind else "text"),
                       int(limit.group(1)) if limit else 10_000))
    return fields


def _case_model():
    from django.apps import apps

    try:
        return apps.get_model("takedowns", "TakedownCase")
    except LookupError:
        return None


def _staff_case_pages(case):
    """The copyright staff's case page and the admin's change page for `case` (those that exist)."""
    pages = []
    for name, args in (("takedowns:case", [case.reference]),
                       ("admin:takedowns_takedowncase_change", [case.pk])):
        try:
            pages.append(reverse(name, args=args))
        except NoReverseMatch:
            continue
    return pages


def _copyright_staff():
    staff = factories.user(password=None, is_staff=True, groups=["Copyright staff"])
    superuser = factories.user(password=None, is_staff=True, is_superuser=True)
    return staff, superuser


@pytest.mark.skipif(not _route_exists("/copyright/report/"), reason="the takedown form (/copyright/report/) is not built yet")
@pytest.mark.parametrize("part", range(CHUNKS))
def test_takedown_form_fields_are_inert_on_the_form_and_the_case_pages(client, part):
    """Every text field of /copyright/report/ gets payloads (cut to the field's length; several per notice, one
    field each): the acknowledgement and the staff's case pages show them inert. An address field holding a
    payload is refused, and the error quotes it inertly."""
    article = factories.article(title="Disputed story")
    fields = _form_fields(client.get("/copyright/report/").content.decode())
    text_fields = [(name, limit) for name, kind, limit in fields
                   if kind in ("text", "textarea", "search", "tel") and "url" not in name]
    findings = Findings()
    payloads = chunk(part)
    for start in range(0, len(payloads), len(text_fields)):
        group = payloads[start:start + len(text_fields)]
        data = {}
        for name, kind, limit in fields:
            if kind == "checkbox":
                data[name] = "on"
            elif kind == "email":
                data[name] = f"owner{part}-{start}@example.com"
            elif kind == "url" or "url" in name:
                data[name] = f"{settings.SITE_URL}{article.get_absolute_url()}"
        for (name, limit), (_, payload) in zip(text_fields, group * len(text_fields)):
            data[name] = payload[:limit]
        response = client.post("/copyright/report/", data, follow=True)
        findings.check(response, number=group[0][0], where="takedown acknowledgement")
        for number, payload in group:
            hostile = {name: payload[:limit] for name, kind, limit in fields if kind == "email" or "url" in name}
            findings.check(client.post("/copyright/report/", {**data, **hostile}), number=number,
                           where="takedown form with a hostile address", expect=(400,))
    cases = list(_case_model().objects.all())
    assert len(cases) == len(range(0, len(payloads), len(text_fields))), findings.report()
    _check_case_pages(findings, cases)
    assert not findings, findings.report()


def _check_case_pages(findings, cases):
    """Copyright staff open the site's case pages, a superuser the admin's."""
    staff, superuser = _copyright_staff()
    findings.learn_admin_chrome(client_for(superuser))
    viewers = {False: client_for(staff), True: client_for(superuser)}
    findings.check(viewers[False].get("/copyright/cases/"), number=0, where="case list")
    findings.check(viewers[True].get("/admin/takedowns/takedowncase/"), number=0, where="admin case list")
    for case in cases:
        for page in _staff_case_pages(case):
            findings.check(viewers[page.startswith("/admin/")].get(page), number=case.pk, where=f"case page {page}")


@pytest.mark.skipif(_case_model() is None, reason="takedown cases (mail intake) are not built yet")
def test_takedown_mail_is_shown_to_staff_inert(tmp_path):
    """Notices by email (ingest_takedown_mail): payloads in the sender's name, the subject, the text and HTML parts
    and an attachment's file name; the staff's case pages show them inert, and the original message and
    attachments are only ever downloads."""
    from django.core.management import call_command

    maildir = tmp_path / "Maildir"
    for folder in ("new", "cur", "tmp"):
        (maildir / folder).mkdir(parents=True)
    article = factories.article(title="Mailed about")
    batch = 10
    for start in range(0, len(PAYLOADS), batch):
        group = [payload for _, payload in PAYLOADS[start:start + batch]]
        name = group[0].replace('"', "").replace("\\", "")[:60]
        subject = " ".join(group[1 % len(group)].split())[:150]
        filename = "".join(c for c in group[-1] if c not in '"\\;')[:80] + ".txt"
        text_part = "\r\n\r\n".join(group)
        html_part = "".join(f"<p>{payload}</p>" for payload in group)
        message = (
            f'From: "{name}" <owner{start}@example.com>\r\n'
            f"To: copyright@newsroom.test\r\nSubject: Takedown {start} {subject}\r\n"
            f"Message-ID: <hostile-{start}@example.com>\r\nDate: Mon, 05 Jan 2026 10:00:00 +0000\r\n"
            f"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=outer\r\n\r\n"
            f"--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n"
            f"--inner\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text_part}\r\n"
            f"The work is my photo. Infringing: {settings.SITE_URL}{article.get_absolute_url()}\r\n"
            f"--inner\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html_part}\r\n--inner--\r\n"
            f'--outer\r\nContent-Type: text/html; name="{filename}"\r\n'
            f'Content-Disposition: attachment; filename="{filename}"\r\n\r\n{html_part}\r\n--outer--\r\n'
        )
        Path(maildir / "new" / f"{start}.eml").write_bytes(message.encode())
    call_command("ingest_takedown_mail", "--maildir", str(maildir))
    cases = list(_case_model().objects.all())
    assert len(cases) >= len(range(0, len(PAYLOADS), batch)) * 0.9
    findings = Findings()
    _check_case_pages(findings, cases)
    assert not findings, findings.report()
    browser = client_for(_copyright_staff()[1])
    downloads = 0
    for case in cases:
        html = browser.get(f"/copyright/cases/{case.reference}/").content.decode()
        for link in set(re.findall(rf'href="(/copyright/cases/{re.escape(case.reference)}/messages/[^"]+)"', html)):
            response = browser.get(link)
            downloads += 1
            assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment"), link
            assert "html" not in response["Content-Type"] and response["X-Content-Type-Options"] == "nosniff", link
    assert downloads >= len(cases)


# --- The public page cache -------------------------------------------------------------------------------
