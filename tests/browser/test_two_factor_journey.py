"""A moderator's first log-in: guided two-factor set-up, recovery codes, the queue; then a log-in with a code.

The set-up page is also walked in Korean, with an accessibility check.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import DESKTOP

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch(page):
    problems = []
    page.on("console", lambda msg: problems.append(msg.text)
            if msg.type == "error" and ("Content Security Policy" in msg.text or "Refused" in msg.text) else None)
    return problems


def serious_accessibility_problems(page):
    violations = Axe().run(page).response["violations"]
    return [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
            for v in violations if v["impact"] in {"serious", "critical"}]


def log_in(page, url, username):
    page.goto(url)
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", factories.PASSWORD)
    page.locator("#main form button[type=submit]").click()


def test_a_moderators_first_log_in_sets_up_two_factor_then_logs_in_with_a_code(page, live_server, artifacts_dir):
    base = live_server.url
    factories.staff_groups()
    factories.moderator(username="maya", display_name="Maya Moderator", two_factor=False)
    page.set_viewport_size(DESKTOP)
    problems = watch(page)

    # First log-in: the password is enough to log in, but the queue sends her to the set-up.
    log_in(page, f"{base}/accounts/login/?next=/moderation/", "maya")
    expect(page.get_by_role("heading", name="Set up two-factor authentication")).to_be_visible()
    assert "/accounts/2fa/required/" in page.url
    page.screenshot(path=f"{artifacts_dir}/mfa-required.png", full_page=True)
    page.get_by_role("link", name="Set up an authenticator app").click()

    # Her password once more, then the QR code and the secret for typing in by hand.
    page.fill("input[name=password]", factories.PASSWORD)
    page.locator("#main form button[type=submit]").click()
    expect(page.get_by_role("heading", name="Activate Authenticator App")).to_be_visible()
    expect(page.get_by_alt_text("QR code for your authenticator app")).to_be_visible()
    secret = page.locator("#authenticator_secret").input_value()
    assert len(secret) == 32
    page.screenshot(path=f"{artifacts_dir}/mfa-activate.png", full_page=True)
    page.get_by_label("Authenticator code").fill(factories.totp_code(secret))
    page.get_by_role("button", name="Activate").click()

    # Recovery codes, to download; then on to the queue she asked for.
    expect(page.get_by_role("heading", name="Recovery Codes")).to_be_visible()
    codes = page.locator("#recovery_codes").input_value().split()
    assert len(codes) == 10
    with page.expect_download() as download:
        page.get_by_role("link", name="Download codes").click()
    assert download.value.suggested_filename == "recovery-codes.txt"
    page.screenshot(path=f"{artifacts_dir}/mfa-recovery-codes.png", full_page=True)
    page.get_by_role("link", name="I have saved my codes: continue").click()
    expect(page.get_by_role("heading", name="Moderation queue")).to_be_visible()
    assert page.url == f"{base}/moderation/"

    # Log out; log in again: now the password is followed by a code.
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    log_in(page, f"{base}/accounts/login/?next=/moderation/", "maya")
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    page.screenshot(path=f"{artifacts_dir}/mfa-authenticate.png", full_page=True)
    page.locator("input[name=code]").fill(factories.totp_code(secret))
    page.locator("#main form button[type=submit]").first.click()
    expect(page.get_by_role("heading", name="Moderation queue")).to_be_visible()

    assert not problems, problems


def test_the_set_up_page_in_korean(page, live_server, artifacts_dir):
    base = live_server.url
    factories.staff_groups()
    factories.copyright_staff(username="casey", two_factor=False)
    page.set_viewport_size(DESKTOP)

    log_in(page, f"{base}/ko/accounts/login/?next=/ko/copyright/cases/", "casey")

    expect(page.get_by_role("heading", name="2단계 인증 설정")).to_be_visible()
    expect(page.get_by_role("link", name="인증 앱 설정하기")).to_be_visible()
    assert "/ko/accounts/2fa/required/" in page.url
    page.screenshot(path=f"{artifacts_dir}/mfa-required-ko.png", full_page=True)
    assert not serious_accessibility_problems(page)
