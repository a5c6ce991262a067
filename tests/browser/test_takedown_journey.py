"""A copyright notice's whole journey in a real Chromium: report form, staff decision, HTTP 451, counter-notice, restore."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import expect

from articles import cover_files
from articles.models import Article
from submissions.takedowns.models import TakedownCase, TakedownStatus
from tests import factories
from tests.browser.conftest import DESKTOP, MOBILE, pass_second_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch(page):
    """Collect every alert() (there must be none) and CSP refusals from the console."""
    problems = []
    page.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.on("console", lambda msg: problems.append(msg.text)
            if msg.type == "error" and ("Content Security Policy" in msg.text or "Refused" in msg.text) else None)
    return problems


def serious_accessibility_problems(page):
    violations = Axe().run(page).response["violations"]
    return [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
            for v in violations if v["impact"] in {"serious", "critical"}]


def log_in(page, base, username, password):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", password)
    page.locator("#main form button[type=submit]").click()
    pass_second_factor(page, username)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_notice_to_451_to_counter_notice_to_restore(browser, live_server, artifacts_dir):
    base = live_server.url
    section = factories.category(name="Local", name_ko="지역")
    contributor = factories.user(username="jiwoo", email="jiwoo@example.com", display_name="Jiwoo Han")
    factories.copyright_staff(username="casey", display_name="Casey Copyright")
    story = factories.article(
        title="Harbour bridge reopens after two years of repairs", category=section, author=contributor,
        tags=["harbour"], summary="Commuters cheered as the first buses crossed the restored span.",
        body="The harbour bridge reopened on Monday.\n\nNew cycle lanes run both ways.",
    )
    neighbour = factories.article(title="Night market returns to the old tram depot", category=section,
                                  tags=["harbour"], summary="Thirty stalls and a brass band drew a crowd.")
    for article in (story, neighbour):
        cover_files.generate(article)

    rightsholder, staff, author, reader = (browser.new_context(viewport=DESKTOP) for _ in range(4))
    holder_page, staff_page, author_page, reader_page = (c.new_page() for c in (rightsholder, staff, author, reader))
    problems = [watch(p) for p in (holder_page, staff_page, author_page, reader_page)]

    # 1. A rightsholder finds the report link under the story and files the notice.
    holder_page.goto(base + story.get_absolute_url())
    holder_page.locator(".disclaimers a[href='/copyright/report/']").click()
    expect(holder_page.locator("h1")).to_have_text("Report copyright infringement")
    holder_page.locator("button[type=submit]", has_text="Send the notice").click()  # empty: every element missing
    expect(holder_page.locator(".invalid-feedback, .invalid-feedback strong").first).to_be_visible()
    expect(holder_page.locator("#main")).to_contain_text("Identify the copyrighted work")
    holder_page.screenshot(path=f"{artifacts_dir}/takedown-report-form-errors.png", full_page=True)
    holder_page.goto(base + "/copyright/report/")
    assert serious_accessibility_problems(holder_page) == []
    holder_page.fill("textarea[name=work_description]",
                     "My photograph “Harbour Bridge at Dawn”, first published at https://lumen-photo.example.com/dawn")
    holder_page.fill("textarea[name=infringing_urls]", base + story.get_absolute_url())
    holder_page.fill("input[name=complainant_name]", "Jane Doe")
    holder_page.fill("input[name=complainant_organisation]", "Lumen Photo Agency")
    holder_page.fill("textarea[name=complainant_address]", "221 Baker Street\nLondon NW1 6XE")
    holder_page.fill("input[name=complainant_email]", "jane.doe@lumen-photo.example.com")
    holder_page.fill("input[name=complainant_phone]", "+44 20 7946 0958")
    holder_page.check("input[name=good_faith_statement]")
    holder_page.check("input[name=accuracy_statement]")
    holder_page.fill("input[name=signature]", "Jane Doe")
    holder_page.screenshot(path=f"{artifacts_dir}/takedown-report-form.png", full_page=True)
    holder_page.locator("button[type=submit]", has_text="Send the notice").click()
    expect(holder_page.locator("h1")).to_have_text("Your notice has been received")
    case = TakedownCase.objects.get()
    expect(holder_page.locator(".case-reference")).to_have_text(case.reference)
    assert re.fullmatch(r"TD-\d{4}-\d{5}", case.reference)
    holder_page.screenshot(path=f"{artifacts_dir}/takedown-report-received.png", full_page=True)
    assert any(case.reference in m.subject and m.to == ["jane.doe@lumen-photo.example.com"] for m in mail.outbox)

    # 2. Copyright staff open the case, review it and uphold it.
    log_in(staff_page, base, "casey", factories.PASSWORD)
    staff_page.goto(base + "/copyright/cases/")
    expect(staff_page.locator(".queue-table")).to_contain_text(case.reference)
    staff_page.screenshot(path=f"{artifacts_dir}/takedown-case-list.png", full_page=True)
    assert serious_accessibility_problems(staff_page) == []
    staff_page.get_by_role("link", name=case.reference).click()
    expect(staff_page.locator("h1")).to_have_text(f"Case {case.reference}")
    expect(staff_page.locator(".case-articles")).to_contain_text(story.title)
    staff_page.get_by_role("button", name="Start review").click()
    expect(staff_page.locator(".alert-success")).to_contain_text("under review")
    staff_page.fill("#uphold-reason", "The photograph belongs to Lumen Photo Agency and was used without a licence.")
    staff_page.screenshot(path=f"{artifacts_dir}/takedown-case-page.png", full_page=True)
    staff_page.get_by_role("button", name="Uphold and disable the articles").click()
    expect(staff_page.locator(".alert-success")).to_contain_text("Upheld")
    expect(staff_page.locator(".status-badge").first).to_have_text(re.compile("Upheld", re.I))
    staff_page.screenshot(path=f"{artifacts_dir}/takedown-case-upheld.png", full_page=True)
    assert serious_accessibility_problems(staff_page) == []

    # 3. Readers get HTTP 451 with the notice page; the story is gone from the front page.
    response = reader_page.goto(base + story.get_absolute_url())
    assert response.status == 451
    assert 'rel="blocked-by"' in response.headers["link"]
    expect(reader_page.locator("h1")).to_have_text("Unavailable for legal reasons")
    expect(reader_page.locator("#main")).to_contain_text("copyright notice")
    reader_page.screenshot(path=f"{artifacts_dir}/takedown-451.png", full_page=True)
    reader_page.goto(base + "/")
    expect(reader_page.locator("#main")).not_to_contain_text(story.title)
    expect(reader_page.locator("#main")).to_contain_text(neighbour.title)

    # 4. The author is told why and files a counter-notice from the dashboard.
    assert any(m.to == ["jiwoo@example.com"] and "disabled" in m.subject for m in mail.outbox)
    log_in(author_page, base, "jiwoo", factories.PASSWORD)
    author_page.get_by_role("link", name="My submissions").click()
    notices = author_page.locator(".takedown-notices")
    expect(notices).to_contain_text(story.title)
    expect(notices).to_contain_text("used without a licence")
    author_page.screenshot(path=f"{artifacts_dir}/takedown-contributor-dashboard.png", full_page=True)
    notices.get_by_role("link", name="File a counter-notice").click()
    expect(author_page.locator("h1")).to_have_text("File a counter-notice")
    expect(author_page.locator("textarea[name=material]")).to_have_value(re.compile(re.escape(story.get_absolute_url())))
    author_page.fill("textarea[name=explanation]", "I took this photograph myself from the ferry on 3 June.")
    author_page.fill("input[name=name]", "Jiwoo Han")
    author_page.fill("textarea[name=address]", "12 Haeundae-ro, Busan")
    author_page.fill("input[name=phone]", "010-1234-5678")
    author_page.check("input[name=mistake_statement]")
    author_page.check("input[name=jurisdiction_consent]")
    author_page.fill("input[name=signature]", "Jiwoo Han")
    author_page.screenshot(path=f"{artifacts_dir}/takedown-counter-notice-form.png", full_page=True)
    assert serious_accessibility_problems(author_page) == []
    author_page.get_by_role("button", name="File the counter-notice").click()
    expect(author_page.locator(".alert-success")).to_contain_text("has been filed")
    expect(author_page.locator(".feedback-box[role=status]")).to_contain_text("comes back on")
    case.refresh_from_db()
    assert case.status == TakedownStatus.COUNTER_NOTICED and case.restore_after is not None
    assert any(m.to == ["jane.doe@lumen-photo.example.com"] and "Counter-notice" in m.subject for m in mail.outbox)

    # 5. Staff see the counter-notice on the case; after the waiting period the command restores the story.
    staff_page.reload()
    expect(staff_page.locator("#counter-title")).to_be_visible()
    expect(staff_page.locator("#main")).to_contain_text("12 Haeundae-ro, Busan")
    TakedownCase.objects.filter(pk=case.pk).update(restore_after=case.restore_after.replace(year=2000))
    call_command("restore_after_counter_notice")
    assert Article.objects.get(pk=story.pk).status == Article.Status.PUBLISHED
    response = reader_page.goto(base + story.get_absolute_url())
    assert response.status == 200
    expect(reader_page.locator("h1")).to_have_text(story.title)
    expect(reader_page.locator(".story-body")).to_contain_text("New cycle lanes run both ways.")
    staff_page.reload()
    expect(staff_page.locator(".timeline")).to_contain_text("Restored automatically after the waiting period")

    # 6. The public transparency report counts it, with no personal data.
    reader_page.goto(base + "/copyright/transparency/")
    expect(reader_page.locator(".transparency-totals")).to_contain_text("1")
    expect(reader_page.locator("#main")).not_to_contain_text("Jane Doe")
    reader_page.screenshot(path=f"{artifacts_dir}/takedown-transparency.png", full_page=True)
    assert serious_accessibility_problems(reader_page) == []

    # The same pages in Korean, and the form on a phone.
    staff_page.goto(base + f"/ko/copyright/cases/{case.reference}/")
    staff_page.screenshot(path=f"{artifacts_dir}/takedown-case-page-korean.png", full_page=True)
    holder_page.set_viewport_size(MOBILE)
    holder_page.goto(base + "/ko/copyright/report/")
    assert holder_page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
    holder_page.screenshot(path=f"{artifacts_dir}/takedown-report-form-mobile-korean.png", full_page=True)

    assert not any(problems), problems
    for context in (rightsholder, staff, author, reader):
        context.close()
