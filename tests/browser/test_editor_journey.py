"""An editor publishes an approved Korean draft through the admin; readers then see cover, caption and disclaimers."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from articles import publishing
from articles.models import Article, ArticleEvent
from tests import factories
from tests.browser.conftest import DESKTOP, pass_second_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "망원동 도서관, 평일 밤 열 시까지 문을 연다"


@pytest.fixture
def approved_draft(db):
    """The draft an approved submission becomes (publishing.create_draft), with a Korean title."""
    factories.staff_groups()
    category = factories.category(name="Local", name_ko="지역", color="#1f4e79")
    author = factories.user(username="mina", display_name="박미나")
    return publishing.create_draft(
        title=TITLE, slug="망원동-도서관-평일-밤-열-시까지", language="ko", category=category, author=author,
        summary="주민 요청에 따라 평일 운영 시간이 늘어났다.",
        body="망원동 도서관이 다음 달부터 평일 밤 열 시까지 문을 연다.\n\n" + "주민들은 반겼다. " * 60,
        tags=[factories.tag("도서관")],
    )


def test_editor_publishes_a_korean_draft_and_readers_see_cover_caption_and_disclaimers(
    page, browser, live_server, approved_draft, artifacts_dir, settings
):
    settings.COPYRIGHT_EMAIL = "copyright@newsroom.test"
    editor = factories.editor(username="eddie")
    page.set_viewport_size(DESKTOP)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    # The editor logs into the admin and finds the draft in the article list.
    page.goto(live_server.url + "/admin/login/?next=" + reverse("admin:articles_article_changelist"))
    page.fill("input[name=login]", editor.username)  # the admin's log-in is the site's, with its second step
    page.fill("input[name=password]", factories.PASSWORD)
    page.locator("#main form button[type=submit]").click()
    pass_second_factor(page, editor.username)
    expect(page.locator("#result_list")).to_contain_text(TITLE)
    expect(page.locator("#result_list")).to_contain_text("Draft")
    page.screenshot(path=f"{artifacts_dir}/editor-changelist.png", full_page=True)

    page.locator("#result_list").get_by_role("link", name=TITLE).click()
    expect(page.locator("#id_title")).to_have_value(TITLE)
    expect(page.locator("input[name=_publish]")).to_be_visible()
    share_url = page.locator("#share-preview-url").input_value()
    assert re.match(rf"{re.escape(live_server.url)}/ko/preview/[^/]+/$", share_url)
    copy = page.locator("[data-copy-target=share-preview-url]")
    copy.click()
    expect(copy).to_have_text("Copied")  # static/js/admin_article.js: no inline script under the CSP
    page.screenshot(path=f"{artifacts_dir}/editor-change-form.png", full_page=True)

    # Someone without an account opens the shared preview before publication.
    guest = browser.new_context(viewport=DESKTOP)
    guest_page = guest.new_page()
    guest_page.goto(share_url)
    expect(guest_page.locator(".preview-banner")).to_be_visible()
    expect(guest_page.locator("h1.story-title")).to_have_text(TITLE)
    assert guest_page.locator('meta[name="robots"]').get_attribute("content") == "noindex, nofollow"
    guest_page.screenshot(path=f"{artifacts_dir}/editor-shared-preview.png", full_page=True)

    # Publish.
    page.locator("input[name=_publish]").click()
    expect(page.locator(".messagelist")).to_contain_text("published")
    expect(page.locator(".field-status .readonly")).to_contain_text("Published")
    page.screenshot(path=f"{artifacts_dir}/editor-published.png", full_page=True)
    article = Article.objects.get(pk=approved_draft.pk)
    assert article.status == Article.Status.PUBLISHED and article.cover_hash
    assert ArticleEvent.objects.get(article=article).actor == editor

    # A Korean reader sees the story with its cover, the cover's caption and the disclaimers.
    guest_page.goto(live_server.url + "/ko" + article.get_absolute_url().removeprefix("/ko"))
    expect(guest_page.locator("h1.story-title")).to_have_text(TITLE)
    expect(guest_page.locator(".preview-banner")).to_have_count(0)
    cover = guest_page.locator(".story-cover img")
    expect(cover).to_be_visible()
    assert cover.evaluate("img => img.complete && img.naturalWidth") > 0, "the cover image loads"
    assert article.cover_hash in cover.evaluate("img => img.currentSrc")
    expect(guest_page.locator(".cover-caption")).to_contain_text("컴퓨터로 생성한 그림")
    disclaimers = guest_page.locator(".disclaimers")
    expect(disclaimers).to_contain_text("필자 개인의 것")
    expect(disclaimers).to_contain_text("기고 규칙 및 가이드라인")
    expect(disclaimers.locator('a[href="mailto:copyright@newsroom.test"]')).to_be_visible()
    expect(disclaimers.locator('a[href="/ko/copyright/report/"]')).to_be_visible()
    guest_page.screenshot(path=f"{artifacts_dir}/editor-reader-korean.png", full_page=True)

    # The same story for an English-speaking reader: the site's words in English, the story in Korean.
    guest_page.goto(live_server.url + article.get_absolute_url().removeprefix("/ko"))
    expect(guest_page.locator(".cover-caption")).to_contain_text("computer-generated art")
    expect(guest_page.locator(".disclaimers")).to_contain_text("Submission Rules and Guidelines")
    guest_page.screenshot(path=f"{artifacts_dir}/editor-reader-english.png", full_page=True)
    guest.close()

    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors


def test_editor_uploads_a_cover_and_schedules_from_the_list(page, live_server, approved_draft, artifacts_dir, tmp_path):
    editor = factories.editor(username="eddie")
    photo = tmp_path / "library.jpg"
    photo.write_bytes(factories.image_upload(width=1600, height=900, fmt="JPEG").read())
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/admin/login/?next=" + reverse("admin:articles_article_change", args=[approved_draft.pk]))
    page.fill("input[name=login]", editor.username)  # the admin's log-in is the site's, with its second step
    page.fill("input[name=password]", factories.PASSWORD)
    page.locator("#main form button[type=submit]").click()
    pass_second_factor(page, editor.username)

    # A replacement cover, with a credit for its caption.
    page.set_input_files("#id_cover_upload", str(photo))
    page.fill("#id_cover_credit", "사진: 박미나")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("changed successfully")
    expect(page.locator(".field-cover_source .readonly")).to_contain_text("Uploaded image")
    expect(page.locator("input[name=_regenerate_cover]")).to_have_value("Replace the uploaded cover with generated art")

    # Schedule it from the list: the action asks for the time first.
    page.goto(live_server.url + reverse("admin:articles_article_changelist"))
    page.locator(f"input[name=_selected_action][value='{approved_draft.pk}']").check()
    page.select_option("select[name=action]", "schedule")
    page.get_by_role("button", name="Run").click()
    expect(page.locator("h1")).to_contain_text("Schedule articles")
    page.fill("#id_publish_at", "2099-01-01T09:00")
    page.screenshot(path=f"{artifacts_dir}/editor-schedule-action.png", full_page=True)
    page.get_by_role("button", name="Schedule", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("1 article scheduled")
    expect(page.locator("#result_list")).to_contain_text("Scheduled")

    # The staff preview shows the uploaded cover with its own caption, never "computer-generated".
    page.goto(live_server.url + f"/preview/{approved_draft.pk}/")
    expect(page.locator(".preview-banner")).to_contain_text("Scheduled")
    expect(page.locator(".cover-caption")).to_contain_text("Uploaded image supplied by the author or the editors")
    expect(page.locator(".cover-caption")).to_contain_text("사진: 박미나")
    assert page.locator(".story-cover img").evaluate("img => img.complete && img.naturalWidth") > 0
    page.screenshot(path=f"{artifacts_dir}/editor-preview-uploaded-cover.png", full_page=True)
