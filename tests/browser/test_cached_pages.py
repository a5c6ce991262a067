"""Cached pages in a real Chromium, as anonymous readers get them in production (both caches on)."""

import pytest
from playwright.sync_api import expect

from articles import publishing
from articles.models import NewsletterSubscriber
from tests.browser.conftest import DESKTOP

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def caches_on(settings):
    settings.PUBLIC_CACHE_SECONDS = 600
    settings.FRAGMENT_CACHE_SECONDS = 600


def test_readers_of_a_cached_page_subscribe_and_see_a_withdrawal_at_once(
    browser, live_server, reader_site, caches_on
):
    story = reader_site[0]
    url = live_server.url + story.get_absolute_url()
    readers = [browser.new_context(viewport=DESKTOP) for _ in range(2)]
    try:
        pages = [reader.new_page() for reader in readers]
        assert pages[0].goto(url).headers["x-cache"] == "miss"
        assert pages[1].goto(url).headers["x-cache"] == "hit"

        # The same bytes for both, with no token and no cookie: the browser's Sec-Fetch-Site vouches for the form.
        assert pages[0].content() == pages[1].content() and not any(reader.cookies() for reader in readers)
        for number, page in enumerate(pages):
            page.get_by_label("Email address").fill(f"reader{number}@example.com")
            page.locator(".newsletter-form button[type=submit]").click()
            expect(page.locator("h1")).to_have_text("Check your inbox")
        subscribers = set(NewsletterSubscriber.objects.values_list("email", flat=True))
        assert subscribers == {"reader0@example.com", "reader1@example.com"}


        publishing.withdraw(story, by=None, reason="The author asked us to take it down.")

        for page in pages:
            assert page.goto(url).status == 410
        assert story.title not in pages[0].goto(live_server.url + "/").text()
    finally:
        for reader in readers:
            reader.close()
