"""Privacy rights in a real Chromium: export my data (with the password asked again), then delete my account."""

import json

import pytest
from django.core import mail
from playwright.sync_api import expect

from newsroom import privacy
from tests import factories
from tests.browser.conftest import DESKTOP

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {
    "en": {"prefix": "", "download": "Download my data", "delete": "Delete my account for good",
           "deleted": "Your account has been deleted", "former": "former contributor"},
    "ko": {"prefix": "/ko", "download": "내 데이터 내려받기", "delete": "계정을 영구히 삭제",
           "deleted": "계정이 삭제되었습니다", "former": "전 기고자"},
}


@pytest.mark.parametrize("language", ["en", "ko"])
def test_export_then_delete(browser, live_server, language, tmp_path):
    text = TEXT[language]
    base = live_server.url + text["prefix"]
    person = factories.user(username="jiwoo", display_name="Jiwoo Han", email="jiwoo@example.com")
    story = factories.article(author=person, title="Night market returns to the old tram depot")
    factories.submission(status="submitted", contributor=person)

    context = browser.new_context(viewport=DESKTOP, accept_downloads=True, locale=language)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", "jiwoo")
    page.fill("input[name=password]", factories.PASSWORD)
    page.locator("#main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    # Export: the button's POST is held while allauth asks for the password again, then the file downloads.
    page.goto(f"{base}/my/account/export/")
    page.get_by_role("button", name=text["download"]).click()
    page.wait_for_url(lambda url: "/accounts/reauthenticate/" in url)
    assert page.url.startswith(base + "/accounts/reauthenticate/")
    page.fill("input[name=password]", factories.PASSWORD)
    with page.expect_download() as download_info:
        page.locator("#main form button[type=submit]").click()
    download = download_info.value
    assert download.suggested_filename.startswith("newsroom-export-jiwoo-")
    download.save_as(tmp_path / "export.json")
    data = json.loads((tmp_path / "export.json").read_text(encoding="utf-8"))
    assert data["profile"]["display_name"] == "Jiwoo Han" and data["account"]["email"] == "jiwoo@example.com"
    assert data["submissions"] and data["articles"][0]["title"] == story.title

    # Delete: what happens is explained; the username is typed; the recent password check still holds.
    page.goto(f"{base}/my/account/delete/")
    page.fill("input[name=username]", "jiwoo")
    page.get_by_role("button", name=text["delete"]).click()
    expect(page.locator("#main h1")).to_have_text(text["deleted"])
    person.refresh_from_db()
    assert privacy.is_former(person)
    assert mail.outbox[-1].to == ["jiwoo@example.com"]

    # Signed out; the story stays, by "former contributor".
    page.goto(live_server.url + story.get_canonical_path().replace("/articles/", text["prefix"] + "/articles/", 1))
    expect(page.locator(".byline")).to_contain_text(text["former"])
    expect(page.locator(".byline")).not_to_contain_text("Jiwoo Han")
    page.goto(f"{base}/my/account/export/")
    assert "/accounts/login/" in page.url
    context.close()
