"""Requests an attacker (or an ordinary robot) sends that pages must answer sensibly: a refused Host
header, HEAD instead of GET. Run with the caches on, as in production: both bugs hid in cached fragments
and in the page cache's keys."""

import pytest
from django.test import Client

from articles.models import Article
from tests import factories

pytestmark = pytest.mark.django_db

HOST = "news.example.org"


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [HOST]
    settings.FRAGMENT_CACHE_SECONDS = 600
    settings.PUBLIC_CACHE_SECONDS = 600
    settings.RATELIMIT_ENABLED = False


# --- A refused Host header ----------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/ko/", "/articles/any-story/", "/search/?q=x", "/no/such/page/"])
def test_a_refused_host_gets_the_sites_400_page_not_a_500(production, path):
    factories.article(title="Library stays open")
    client = Client(raise_request_exception=False)

    response = client.get(path, HTTP_HOST="evil.example")

    assert response.status_code == 400
    page = response.content.decode()
    assert '<p class="kicker">400</p>' in page  # the site's own 400 page, in the language asked for
    assert "evil.example" not in page
    # and what it left in the fragment cache is not served to readers of the real site
    real = Client().get("/", HTTP_HOST=HOST).content.decode()
    assert "Library stays open" in real and '<p class="kicker">400</p>' not in real


# --- HEAD answers as GET does, without a body -----------------------------------------------------------

@pytest.fixture
def site_paths(category, author):
    story = factories.article(title="Library stays open", category=category, author=author, tags=["council"])
    withdrawn = factories.article(title="Pulled story", status=Article.Status.WITHDRAWN)
    disabled = factories.article(title="Disputed story", status=Article.Status.DISABLED)
    return {
        "front": "/",
        "front (Korean)": "/ko/",
        "article": story.get_absolute_url(),
        "category": category.get_absolute_url(),
        "tag": "/tag/council/",
        "author": f"/authors/{author.username}/",
        "search": "/search/?q=library",
        "feed": "/feeds/latest/",
        "sitemap index": "/sitemap.xml",
        "sitemap section": "/sitemap-articles.xml",
        "robots": "/robots.txt",
        "guidelines": "/pages/guidelines/",
        "privacy": "/pages/privacy/",
        "terms": "/pages/terms/",
        "legal": "/pages/legal/",
        "newsletter": "/newsletter/",
        "cookie settings": "/cookies/",
        "missing article (404)": "/articles/no-such-story/",
        "withdrawn (410)": withdrawn.get_absolute_url(),
        "disabled (451)": disabled.get_absolute_url(),
        "health": "/healthz",
        "write for us": "/submit/",
        "sign up": "/accounts/signup/",
        "log in": "/accounts/login/",
        "copyright report": "/copyright/report/",
        "transparency": "/copyright/transparency/",
    }


@pytest.mark.parametrize("cached", [False, True], ids=["no cache", "page cache"])
def test_head_answers_every_public_page_like_get_without_a_body(settings, site_paths, cached):
    if cached:
        settings.PUBLIC_CACHE_SECONDS = 600
        settings.FRAGMENT_CACHE_SECONDS = 600
    client = Client()
    wrong = {}
    for name, path in site_paths.items():
        head = client.head(path)
        get = client.get(path)
        if (head.status_code, head["Content-Type"], head.content) != (get.status_code, get["Content-Type"], b""):
            wrong[name] = (head.status_code, head.get("Content-Type"), head.content[:40], get.status_code)
        assert get.content, name
    assert wrong == {}


def test_a_head_never_takes_the_place_of_the_cached_page(settings, site_paths):
    settings.PUBLIC_CACHE_SECONDS = 600
    settings.FRAGMENT_CACHE_SECONDS = 600
    client = Client()
    article = site_paths["article"]

    assert client.head(article).status_code == 200  # first: it fills the cache for HEAD only
    first = client.get(article)
    assert client.head(article).content == b""  # after the GET page is cached
    again = client.get(article)

    assert "Library stays open" in first.content.decode()
    assert again["X-Cache"] == "hit"
    assert "Library stays open" in again.content.decode()
