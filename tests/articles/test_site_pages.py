import xml.etree.ElementTree as ET
from urllib.parse import quote

import pytest

from articles.models import Article
from tests import factories

pytestmark = pytest.mark.django_db


def test_rss_feed_lists_latest_articles_of_the_feed_language(client, category, author):
    english = factories.article(title="English feed story", category=category, author=author)
    korean = factories.article(title="한국어 피드 기사", language="ko", category=category, author=author)
    factories.article(title="Draft feed story", status=Article.Status.DRAFT, category=category, author=author)

    english_feed = ET.fromstring(client.get("/feeds/latest/").content)
    korean_feed = ET.fromstring(client.get("/ko/feeds/latest/").content)

    assert [item.findtext("title") for item in english_feed.iter("item")] == [english.title]
    assert [item.findtext("title") for item in korean_feed.iter("item")] == [korean.title]


def test_sitemap_lists_public_articles_only(client, category, author):
    public = factories.article(title="Mapped story", category=category, author=author)
    korean = factories.article(title="지도 기사", language="ko", category=category, author=author)
    hidden = factories.article(title="Hidden map story", status=Article.Status.DISABLED, category=category, author=author)

    body = client.get("/sitemap.xml").content.decode()

    assert f"http://testserver{public.get_absolute_url()}" in body
    assert f"http://testserver/ko/articles/{quote(korean.slug)}/" in body
    assert hidden.slug not in body
    assert "http://testserver/pages/privacy/" in body and "http://testserver/ko/pages/privacy/" in body


def test_robots_txt_points_at_the_sitemap(client, db):
    response = client.get("/robots.txt")

    assert response["Content-Type"] == "text/plain"
    assert "Sitemap: http://testserver/sitemap.xml" in response.content.decode()
    assert "Disallow: /admin/" in response.content.decode()


@pytest.mark.parametrize("slug, english, korean", [
    ("guidelines", "Submission Rules and Guidelines", "기고 규칙 및 가이드라인"),
    ("privacy", "Privacy Policy", "개인정보 처리방침"),
    ("terms", "Terms of Service", "이용약관"),
    ("legal", "Legal Notice", "법적 고지"),
])
def test_legal_pages_exist_in_both_languages(client, slug, english, korean):
    assert english in client.get(f"/pages/{slug}/").content.decode()
    assert korean in client.get(f"/ko/pages/{slug}/").content.decode()


def test_staff_edits_to_a_page_show_without_a_deploy(client):
    from articles.models import Page

    page = Page.objects.get(slug="terms", language="en")
    page.body = "## Changed today\n\nNew terms."
    page.save()

    assert "<h2>Changed today</h2>" in client.get("/pages/terms/").content.decode()


def test_unknown_page_is_404(client, db):
    assert client.get("/pages/nonsense/").status_code == 404


def test_healthz(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok"


def test_language_switch_links_to_the_same_page_in_korean(client, article):
    url = article.get_absolute_url()
    html = client.get(url).content.decode()
    assert f'href="/ko{url}" hreflang="ko"' in html

    korean = client.get(f"/ko{url}").content.decode()
    assert '<html lang="ko">' in korean
    assert "뉴스레터" in korean  # the interface is Korean
    assert f'href="{url}" hreflang="en"' in korean


def test_pages_send_a_content_security_policy(client, db):
    policy = client.get("/")["Content-Security-Policy"]

    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy


def test_server_error_page_renders_without_context_in_both_languages():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")  # Django renders it with no request context

    assert "Something went wrong on our side" in html and "문제가 발생했습니다" in html
