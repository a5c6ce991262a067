"""Anonymous pages come from the cache, and every change that readers should see shows at once."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from articles import publishing
from newsroom import public_cache
from articles.models import Article, Page
from tests import content_changes as changes
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PUBLIC_CACHE_SECONDS = 600
    settings.FRAGMENT_CACHE_SECONDS = 600


def get(client, url):
    response = client.get(url)
    return response, response.content.decode()


def test_second_anonymous_request_is_a_cache_hit_that_only_reads_its_tag_versions(
    client, article, django_assert_num_queries
):
    url = article.get_absolute_url()
    assert client.get(url)["X-Cache"] == "miss"

    with django_assert_num_queries(1) as queries:
        assert client.get(url)["X-Cache"] == "hit"
    assert "newsroom_cachetagversion" in queries.captured_queries[0]["sql"]


def test_a_new_release_does_not_serve_the_previous_releases_pages(client, article, monkeypatch):
    """Cached HTML links to hashed static files; a deploy that changed them must not serve it."""
    url = article.get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Cache"] == "hit"

    monkeypatch.setattr(public_cache, "release", lambda: "the-next-release")

    with CaptureQueriesContext(connection) as queries:
        again = client.get(url)

    assert again["X-Cache"] == "miss" and article.title in again.content.decode()
    # Nor its fragments: the story (and the article row) are rendered afresh.
    assert any('FROM "articles_article"' in query["sql"] for query in queries.captured_queries)


def test_sitemaps_are_cached_and_drop_a_withdrawn_story_at_once(client, article, django_capture_on_commit_callbacks):
    for url in ("/sitemap.xml", "/sitemap-articles.xml"):
        client.get(url)
        cached = client.get(url)
        assert cached["X-Cache"] == "hit" and cached["Content-Type"] == "application/xml", url
    assert article.slug in client.get("/sitemap-articles.xml").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        publishing.withdraw(article, by=None, reason="test")

    after = client.get("/sitemap-articles.xml")
    assert after["X-Cache"] == "miss" and article.slug not in after.content.decode()


def test_each_site_address_gets_its_own_copy_of_a_page(client, article, settings):
    settings.ALLOWED_HOSTS = ["news.example.org", "www.news.example.org"]
    url = article.get_absolute_url()
    client.get(url, HTTP_HOST="news.example.org")

    other = client.get(url, HTTP_HOST="www.news.example.org")

    html = other.content.decode()
    assert other["X-Cache"] == "miss"
    assert 'href="http://www.news.example.org/articles/' in html and "http://news.example.org/" not in html


def test_logged_in_readers_bypass_the_cache(client, article):
    client.force_login(factories.user())

    assert client.get(article.get_absolute_url()).get("X-Cache") is None


PUBLIC_PAGES = ["/", "/ko/", "/search/?q=bridge", "/pages/privacy/", "/feeds/latest/", "/newsletter/", "/no-such-page/"]


def test_anonymous_public_pages_are_the_same_bytes_for_every_reader_and_set_no_cookie(article, settings):
    settings.PUBLIC_CACHE_SECONDS = 0  # rendered for each reader: nothing personal may be in them either
    for url in [article.get_absolute_url(), article.category.get_absolute_url(), *PUBLIC_PAGES]:
        first, second = Client().get(url), Client().get(url)

        assert first.content == second.content, url
        assert not first.cookies and not second.cookies, url
        assert b"csrfmiddlewaretoken" not in first.content, url


def test_the_newsletter_sign_up_on_a_cached_page_works_without_a_token(article):
    url = article.get_absolute_url()
    Client().get(url)  # fills the cache
    reader = Client(enforce_csrf_checks=True)

    page = reader.get(url)
    subscribe = reader.post("/newsletter/", {"email": "reader@example.com"}, headers={"Sec-Fetch-Site": "same-origin"})

    assert page["X-Cache"] == "hit" and 'action="/newsletter/"' in page.content.decode()
    assert subscribe.status_code == 200 and "Check your inbox" in subscribe.content.decode()


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"}, {"Origin": "https://evil.example"},
    {"Origin": "null"}, {"Referer": "https://evil.example/page"},
])
def test_a_sign_up_that_another_site_makes_a_browser_send_is_refused(headers):
    from articles.models import NewsletterSubscriber

    response = Client(enforce_csrf_checks=True).post("/newsletter/", {"email": "victim@example.com"}, headers=headers)

    assert response.status_code == 403
    assert not NewsletterSubscriber.objects.exists()


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "none"}, {"Origin": "http://testserver"},
    {"Referer": "http://testserver/articles/x/"}, {},
])
def test_a_sign_up_from_this_sites_pages_is_accepted(headers):
    response = Client(enforce_csrf_checks=True).post("/newsletter/", {"email": "reader@example.com"}, headers=headers)

    assert response.status_code == 200


def test_other_forms_keep_their_csrf_token():
    reader = Client(enforce_csrf_checks=True)

    login = reader.post("/accounts/login/", {"username": "x", "password": "y"}, headers={"Sec-Fetch-Site": "same-origin"})

    assert login.status_code == 403  # no token: refused, whatever the browser says


@pytest.mark.parametrize("change", ["edit", "withdraw", "disable", "restore", "new_article", "category", "disclaimer"])
def test_changes_show_at_once_on_every_page(client, category, author, django_capture_on_commit_callbacks, change):
    article = factories.article(title="Original headline", category=category, author=author, tags=["port"])
    if change == "restore":
        article = publishing.disable(article, by=None, reason="notice")
    pages = ["/", article.get_absolute_url(), category.get_absolute_url(), "/tag/port/", "/authors/writer/",
             "/search/?q=original", "/feeds/latest/"]
    before = {url: client.get(url) for url in pages}
    assert all(client.get(url)["X-Cache"] == "hit" for url in pages)

    with django_capture_on_commit_callbacks(execute=True):
        changes.make(change, article=article, category=category, author=author)

    after = {url: client.get(url) for url in pages}
    assert all(response["X-Cache"] == "miss" for response in after.values())
    front = after["/"].content.decode()
    story = after[article.get_absolute_url()]
    if change == "edit":
        assert changes.NEW_TITLE in front and changes.NEW_TITLE in story.content.decode()
    elif change == "withdraw":
        assert story.status_code == 410 and "Original headline" not in front
    elif change == "disable":
        assert story.status_code == 451 and "Original headline" not in front
        assert "Original headline" not in after["/feeds/latest/"].content.decode()
    elif change == "restore":
        assert before[article.get_absolute_url()].status_code == 451
        assert story.status_code == 200 and "Original headline" in front
    elif change == "new_article":
        assert changes.NEW_ARTICLE_TITLE in front and changes.NEW_ARTICLE_TITLE in after["/tag/port/"].content.decode()
    elif change == "category":
        assert changes.NEW_SECTION_NAME in front
    elif change == "disclaimer":
        assert changes.NEW_DISCLAIMER in story.content.decode()


def test_page_edits_show_at_once(client, django_capture_on_commit_callbacks):
    client.get("/pages/terms/")
    page = Page.objects.get(slug="terms", language="en")

    with django_capture_on_commit_callbacks(execute=True):
        page.body = "## Fresh terms"
        page.save()

    assert "Fresh terms" in client.get("/pages/terms/").content.decode()


def test_each_language_gets_its_own_copy(client, article):
    url = article.get_absolute_url()
    client.get(url)

    assert client.get(url)["X-Cache"] == "hit"
    assert client.get(f"/ko{url}")["X-Cache"] == "miss"


def test_unpublished_scheduled_article_appears_when_published(client, category, author, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    draft = factories.article(title="Timed story", status=Article.Status.DRAFT, category=category, author=author)
    publishing.schedule(draft, at=timezone.now() - timedelta(seconds=1))
    assert "Timed story" not in client.get("/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        publishing.publish_due()

    assert "Timed story" in client.get("/").content.decode()


def test_invalidation_works_with_a_shared_redis_cache(client, article, settings, django_capture_on_commit_callbacks):
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:6379/15", "KEY_PREFIX": f"test-{article.pk}-{id(client)}"}}
    url = article.get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Cache"] == "hit"

    with django_capture_on_commit_callbacks(execute=True):
        article.title = "Retitled on Redis"
        article.save()

    response = client.get(url)
    assert response["X-Cache"] == "miss" and "Retitled on Redis" in response.content.decode()
