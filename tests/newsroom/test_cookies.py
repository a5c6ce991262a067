"""The site sets no optional cookie, so it asks for no consent: a short notice and a cookie page tell the truth."""

import pytest
from django.test import Client

from articles.models import Page

pytestmark = pytest.mark.django_db


def test_no_consent_dialog_only_a_short_notice_linking_the_cookie_page(client):
    html = client.get("/").content.decode()

    assert "consent-banner" not in html and 'name="consent"' not in html
    assert "This site sets only the cookies it needs to work; reading it sets none." in html
    assert '<a href="/cookies/">About cookies</a>' in html


def test_reading_the_site_sets_no_cookie(article):
    reader = Client()
    for url in ["/", article.get_absolute_url(), "/ko/", "/search/?q=x", "/pages/privacy/", "/cookies/"]:
        assert not reader.get(url).cookies, url


def test_the_cookie_page_lists_the_essential_cookies_in_both_languages(client):
    english = client.get("/cookies/").content.decode()
    korean = client.get("/ko/cookies/").content.decode()

    assert "sessionid" in english and "csrftoken" in english and "no cookie banner" in english
    assert "sessionid" in korean and "쿠키 배너도 없습니다" in korean


def test_there_is_no_choice_to_post(client):
    assert client.post("/cookies/", {"consent": "all"}).status_code == 405


@pytest.mark.parametrize("language, sentence", [
    ("en", "there is nothing to consent to and no cookie banner"),
    ("ko", "동의를 구할 일이 없고 쿠키 배너도 없습니다"),
])
def test_the_privacy_page_says_so(client, language, sentence):
    page = Page.objects.get(slug="privacy", language=language)
    assert sentence in page.body and "cookie banner." not in page.body.replace("no cookie banner.", "")

    html = client.get("/pages/privacy/" if language == "en" else "/ko/pages/privacy/").content.decode()
    assert sentence in html


def test_the_privacy_page_rewording_keeps_staff_edits():
    import importlib

    from django.apps import apps

    reword = importlib.import_module("articles.migrations.0014_privacy_page_without_consent_banner")
    old, new = reword.REWORDINGS["en"][0]
    page = Page.objects.get(slug="privacy", language="en")
    page.body = f"Our own introduction.\n\n{old}\n\nOur own ending."
    page.save()
    edited = Page.objects.get(slug="privacy", language="ko")
    edited.body = "우리가 직접 쓴 방침."
    edited.save()

    reword.reword(apps, None)

    page.refresh_from_db()
    edited.refresh_from_db()
    assert page.body == f"Our own introduction.\n\n{new}\n\nOur own ending." and "nothing to consent" in page.body_html
    assert edited.body == "우리가 직접 쓴 방침."
