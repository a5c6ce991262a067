"""A reader's walk through the site in a real Chromium (Playwright + /usr/bin/chromium)."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from articles.models import NewsletterSubscriber
from tests.browser.conftest import DESKTOP, MOBILE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_front_page_to_article_to_korean_to_newsletter_without_a_cookie(page, live_server, reader_site, artifacts_dir):
    page.set_viewport_size(DESKTOP)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    page.goto(live_server.url + "/")
    expect(page.get_by_role("link", name="Newsroom", exact=True)).to_be_visible()
    expect(page.locator(".consent-banner")).to_have_count(0)  # no optional cookie, so no consent dialog
    expect(page.locator(".cookie-notice")).to_contain_text("reading it sets none")
    page.screenshot(path=f"{artifacts_dir}/front-desktop.png", full_page=True)

    page.get_by_role("link", name="Harbour bridge reopens after two years of repairs").first.click()
    expect(page.locator("h1")).to_have_text("Harbour bridge reopens after two years of repairs")
    expect(page.locator(".story-cover img")).to_be_visible()
    expect(page.locator(".cover-caption")).to_contain_text("computer-generated art")
    expect(page.locator(".disclaimers")).to_contain_text("Submission Rules and Guidelines")
    expect(page.locator(".related")).to_contain_text("Night market returns")
    # The cover image actually loads (waits for the download, which may finish after the page's load event).
    page.wait_for_function("() => { const img = document.querySelector('.story-cover img');"
                           " return img && img.complete && img.naturalWidth > 0; }", timeout=10_000)
    page.screenshot(path=f"{artifacts_dir}/article-desktop.png", full_page=True)

    page.get_by_role("link", name="한국어").click()
    expect(page).to_have_url(re.compile(r"/ko/articles/"))
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.locator(".disclaimers")).to_contain_text("기고 규칙 및 가이드라인")
    page.screenshot(path=f"{artifacts_dir}/article-korean-desktop.png", full_page=True)

    page.get_by_label("이메일 주소").fill("reader@example.com")
    page.locator(".newsletter-form button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("받은편지함")
    assert NewsletterSubscriber.objects.get().email == "reader@example.com"
    assert len(mail.outbox) == 1 and "/ko/newsletter/confirm/" in mail.outbox[0].body

    assert page.context.cookies() == []  # reading and subscribing set no cookie

    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors


def test_mobile_layout(page, live_server, reader_site, artifacts_dir):
    page.set_viewport_size(MOBILE)

    page.goto(live_server.url + "/")
    page.screenshot(path=f"{artifacts_dir}/front-mobile.png", full_page=True)
    page.get_by_role("button", name="Show sections").click()
    expect(page.get_by_role("navigation", name="Sections").get_by_role("link", name="Science")).to_be_visible()

    page.goto(live_server.url + reader_site[0].get_absolute_url())
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= MOBILE["width"], "nothing overflows sideways"
    page.screenshot(path=f"{artifacts_dir}/article-mobile.png", full_page=True)

    page.goto(live_server.url + "/ko/")
    page.screenshot(path=f"{artifacts_dir}/front-korean-mobile.png", full_page=True)


def test_the_newsletter_sign_up_works_without_javascript(browser, live_server, reader_site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()

    page.goto(live_server.url + reader_site[0].get_absolute_url())
    page.get_by_label("Email address").fill("nojs@example.com")
    page.locator(".newsletter-form button[type=submit]").click()

    expect(page.locator("h1")).to_have_text("Check your inbox")
    assert NewsletterSubscriber.objects.filter(email="nojs@example.com").exists()
    context.close()
