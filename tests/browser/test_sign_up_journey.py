"""Sign-up in Korean: the confirmation email is lost, logging in sends it again, the link confirms, then log-in.

The English walk is the first act of tests/browser/test_submission_journey.py.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from playwright.sync_api import expect

from newsroom.models import RateCounter
from tests.browser.conftest import MOBILE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSPHRASE = "바닷가-도서관-주말에도-연다"


def submit(page):
    page.locator("#main form button[type=submit]").click()


def test_a_korean_reader_signs_up_loses_the_email_gets_it_again_and_confirms(browser, live_server, artifacts_dir):
    base = live_server.url
    page = browser.new_context(viewport=MOBILE, locale="ko-KR").new_page()

    page.goto(f"{base}/ko/accounts/signup/")
    assert page.locator("html").get_attribute("lang") == "ko"
    page.fill("input[name=username]", "jiwoo")
    page.fill("input[name=email]", "jiwoo@example.com")
    page.fill("input[name=display_name]", "한지우")
    page.fill("input[name=password1]", PASSPHRASE)
    page.fill("input[name=password2]", PASSPHRASE)
    submit(page)
    sent_page = page.locator("#main h1").inner_text()
    assert len(mail.outbox) == 1  # ...and it is lost

    RateCounter.objects.all().delete()  # minutes pass: the confirmation email's cooldown is over
    page.goto(f"{base}/ko/accounts/login/")
    page.fill("input[name=login]", "jiwoo")
    page.fill("input[name=password]", PASSPHRASE)
    submit(page)
    # Not an error about the password: the same "check your email" page, and the email again.
    expect(page.locator("#main h1")).to_have_text(sent_page)
    assert re.search("[가-힣]", sent_page)
    assert len(mail.outbox) == 2 and mail.outbox[-1].to == ["jiwoo@example.com"]
    page.screenshot(path=f"{artifacts_dir}/sign-up-ko-sent-again.png", full_page=True)

    confirmation = re.search(r"https?://[^/\s]+(/\S*accounts/confirm-email/\S+)", mail.outbox[-1].body).group(1)
    page.goto(base + confirmation)
    assert not EmailAddress.objects.get(email="jiwoo@example.com").verified  # opening the link changes nothing
    submit(page)
    expect(page.locator(".alert-success")).to_contain_text("jiwoo@example.com")
    assert EmailAddress.objects.get(email="jiwoo@example.com").verified

    page.goto(f"{base}/ko/accounts/login/")
    page.fill("input[name=login]", "jiwoo@example.com")
    page.fill("input[name=password]", PASSPHRASE)
    submit(page)
    expect(page.get_by_role("link", name="내 기고")).to_be_visible()
    page.screenshot(path=f"{artifacts_dir}/sign-up-ko-signed-in.png", full_page=True)
