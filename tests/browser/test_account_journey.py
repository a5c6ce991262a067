"""A contributor edits their public profile from the account page, in English and in Korean, in a real Chromium."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from articles.models import AuthorProfile
from tests import factories
from tests.browser.conftest import DESKTOP, MOBILE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def photo_with_gps():
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (37.0, 33.0, 12.0)}  # GPS latitude
    buffer = io.BytesIO()
    Image.new("RGB", (900, 900), (30, 110, 90)).save(buffer, "JPEG", exif=exif.tobytes())
    return {"name": "me.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


@pytest.mark.parametrize("viewport", [DESKTOP, MOBILE], ids=["desktop", "mobile"])
def test_editing_the_profile_in_english_and_in_korean(browser, live_server, artifacts_dir, viewport):
    writer = factories.user(username="mina", display_name="Mina Park")
    factories.article(title="Harbour bridge reopens", author=writer)
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    base = live_server.url

    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", "mina")
    page.fill("input[name=password]", factories.PASSWORD)
    page.locator("#main form button[type=submit]").click()
    page.get_by_role("link", name="Your account: mina").click()
    expect(page.locator("h1")).to_have_text("Your account")

    page.fill("input[name=display_name]", "Mina Park-Lee")
    page.fill("textarea[name=bio]", "Harbour reporter. <script>alert('bio')</script>")
    page.set_input_files("input[name=photo]", photo_with_gps())
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status")).to_contain_text("Your profile is saved.")
    expect(page.get_by_alt_text("Your current photo")).to_be_visible()
    page.screenshot(path=f"{artifacts_dir}/account-en-{viewport['width']}.png", full_page=True)

    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.get_by_role("link", name="See your author page").click()
    expect(page.locator("h1")).to_have_text("Mina Park-Lee")
    expect(page.locator(".author-header")).to_contain_text("<script>alert('bio')</script>")  # shown as typed
    assert page.locator(".author-header img.avatar").evaluate("img => img.naturalWidth") > 0
    assert not dialogs

    page.goto(f"{base}/ko/my/account/")
    expect(page.locator("h1")).to_have_text("내 계정")
    page.fill("input[name=display_name]", "박미나")
    page.fill("textarea[name=bio]", "항구 소식을 전합니다.")
    page.get_by_label("사진 삭제").check()
    page.get_by_role("button", name="프로필 저장").click()
    expect(page.get_by_role("status")).to_contain_text("프로필을 저장했습니다.")
    page.screenshot(path=f"{artifacts_dir}/account-ko-{viewport['width']}.png", full_page=True)
    page.get_by_role("link", name="작성자 페이지 보기").click()
    expect(page.locator("h1")).to_have_text("박미나")
    expect(page.locator(".author-header")).to_contain_text("항구 소식을 전합니다.")
    expect(page.locator(".author-header img.avatar")).to_have_count(0)

    profile = AuthorProfile.objects.get(user=writer)
    assert profile.display_name == "박미나" and not profile.avatar
    context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, MOBILE], ids=["desktop", "mobile"])
def test_account_pages_have_no_serious_accessibility_violations(browser, live_server, viewport):
    from axe_playwright_python.sync_playwright import Axe

    factories.user(username="mina", display_name="Mina Park")
    page = browser.new_context(viewport=viewport).new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", "mina")
    page.fill("input[name=password]", factories.PASSWORD)
    page.locator("#main form button[type=submit]").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    problems = {}
    for path in ["/my/account/", "/ko/my/account/", "/accounts/sessions/", "/ko/accounts/email/",
                 "/accounts/password/change/", "/ko/accounts/logout/"]:
        page.goto(live_server.url + path)
        violations = Axe().run(page).response["violations"]
        serious = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations
                   if v["impact"] in {"serious", "critical"}]
        if serious:
            problems[path] = serious
    assert problems == {}
