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


SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def locations(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return [loc.text for loc in ET.fromstring(response.content).iterfind(".//s:loc", SITEMAP_NS)]


def test_the_sitemap_index_lists_every_file_and_the_files_every_public_article(client, category, author, monkeypatch):
    from articles.sitemaps import ArticleSitemap

    monkeypatch.setattr(ArticleSitemap, "limit", 2)
    public = [factories.article(title=f"Mapped story {i}", category=category, author=author) for i in range(4)]
    korean = factories.article(title="지도 기사", language="ko", category=category, author=author)
    hidden = factories.article(title="Hidden map story", status=Article.Status.DISABLED, category=category, author=author)

    files = locations(client, "/sitemap.xml")

    article_files = [url for url in files if "/sitemap-articles.xml" in url]
    assert article_files == ["http://testserver/sitemap-articles.xml", "http://testserver/sitemap-articles.xml?p=2",
                             "http://testserver/sitemap-articles.xml?p=3"]
    listed = [url for file in article_files for url in locations(client, file.removeprefix("http://testserver"))]
    expected = [f"http://testserver{a.get_absolute_url()}" for a in public]
    assert sorted(listed) == sorted(expected + [f"http://testserver/ko/articles/{quote(korean.slug)}/"])
    assert not any(hidden.slug in url for url in listed)
    pages = locations(client, "/sitemap-pages.xml")
    assert "http://testserver/pages/privacy/" in pages and "http://testserver/ko/pages/privacy/" in pages
    assert client.get("/sitemap-articles.xml", {"p": 4}).status_code == 404
    assert client.get("/sitemap-nothing.xml").status_code == 404


def test_a_sitemap_file_costs_the_same_queries_however_many_articles(client, category, author,
                                                                      django_assert_max_num_queries):
    for i in range(30):
        factories.article(title=f"Mapped story {i}", category=category, author=author, tags=[f"t{i}"])

    with django_assert_max_num_queries(3):
        assert len(locations(client, "/sitemap-articles.xml")) == 30
    with django_assert_max_num_queries(4) as queries:
        assert len(locations(client, "/sitemap.xml")) == 4  # home, articles, categories, pages
    # The index counts the articles; it never reads them all (Django's default lastmod would).
    article_reads = [q["sql"] for q in queries.captured_queries if '"articles_article"' in q["sql"]]
    assert len(article_reads) == 1 and "COUNT(*)" in article_reads[0]


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
    assert response.json() == {"database": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"]


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


@pytest.mark.django_db
def test_sites_installed_earlier_get_the_new_guidelines_and_privacy_text_but_keep_staff_edits():
    """Pages are copied into the database when a site is installed: migration 0017 brings the sections on stories
    by email and on deleting an account to a site installed before, where staff have not reworded them."""
    import importlib

    from django.apps import apps

    from articles.models import Page

    migration = importlib.import_module("articles.migrations.0017_pages_on_stories_by_email_and_deletion")
    shipped = {(page.slug, page.language): page.body for page in Page.objects.filter(slug__in=("guidelines", "privacy"))}
    assert len(shipped) == 4
    for (slug, language), body in shipped.items():
        before = body
        for old, new in reversed(migration.REWORDINGS[f"{slug}/{language}"]):
            before = before.replace(new, old)
        assert before != body
        Page.objects.filter(slug=slug, language=language).update(body=before)
    Page.objects.filter(slug="privacy", language="ko").update(body="직원이 고친 개인정보 처리방침.")

    migration.reword(apps, None)

    for (slug, language), body in shipped.items():
        page = Page.objects.get(slug=slug, language=language)
        if (slug, language) == ("privacy", "ko"):
            assert page.body == "직원이 고친 개인정보 처리방침."
        else:
            assert page.body == body
    assert "Sending a story by email" in Page.objects.get(slug="guidelines", language="en").body_html
