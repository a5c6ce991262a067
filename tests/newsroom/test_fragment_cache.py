"""Story, card and page-frame fragments come from the cache for every reader, and every change shows at once.

Signed-in readers bypass the whole-page cache, so they are the readers who see fragments on their own.
"""

import re
from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import HttpResponse
from django.template import Template, TemplateSyntaxError
from django.test import Client
from django.test.utils import CaptureQueriesContext

from articles import publishing
from newsroom import public_cache
from tests import content_changes as changes
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fragments_only(settings):
    settings.PUBLIC_CACHE_SECONDS = 0
    settings.FRAGMENT_CACHE_SECONDS = 600


@pytest.fixture
def reader(client):
    client.force_login(factories.user(username="reader"))
    return client


def main_part(html):
    """What the page shows between the masthead and the newsletter form (whose CSRF token differs each time)."""
    return html.split("<main")[1].split('class="newsletter-form"')[0]


def sql_of(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, [q["sql"] for q in queries.captured_queries]


def test_a_cached_story_costs_no_queries_for_tags_disclaimers_or_related(reader, category, author):
    story = factories.article(title="Ferry timetable changes", category=category, author=author, tags=["ferries"])
    factories.article(title="Ferry fares rise", category=category, author=author, tags=["ferries"])
    first, first_sql = sql_of(reader, story.get_absolute_url())

    second, second_sql = sql_of(reader, story.get_absolute_url())

    assert any('FROM "articles_tag"' in sql for sql in first_sql)
    # Only the signed-in reader's session, user and roles are read again: the article row, its tags,
    # disclaimers, related stories and the section menu are all cached under the content version.
    assert [sql for sql in second_sql if '"articles_' in sql] == []
    assert len(second_sql) <= len(first_sql) - 5
    assert main_part(second.content.decode()) == main_part(first.content.decode())
    assert "Ferry fares rise" in main_part(second.content.decode())  # "You may also like" is in the fragment


def test_listing_cards_are_rendered_once(reader, category, author):
    for i in range(3):
        factories.article(title=f"Market day {i}", category=category, author=author)
    first = reader.get("/").content.decode()

    second = reader.get("/").content.decode()

    assert main_part(second) == main_part(first) and "Market day 2" in main_part(second)


@pytest.mark.parametrize("change", [
    "edit", "withdraw", "disable", "restore", "new_article", "category", "tag", "author", "disclaimer",
])
def test_changes_show_at_once_in_cached_fragments(reader, category, author, django_capture_on_commit_callbacks, change):
    article = factories.article(title="Original headline", category=category, author=author, tags=["port"])
    neighbour = factories.article(title="Neighbour story", category=category, author=author, tags=["port"])
    if change == "restore":
        article = publishing.disable(article, by=None, reason="notice")
    pages = ["/", article.get_absolute_url(), neighbour.get_absolute_url(), category.get_absolute_url(),
             "/tag/port/", "/search/?q=original"]
    for url in pages:
        reader.get(url)

    with django_capture_on_commit_callbacks(execute=True):
        changes.make(change, article=article, category=category, author=author)

    story = reader.get(article.get_absolute_url())
    # The headline as shown in a heading or a link (the factory's body and summary repeat the title).
    headline = "Original headline</"
    html = {url: reader.get(url).content.decode() for url in pages}
    story_html, neighbour_html = html[article.get_absolute_url()], html[neighbour.get_absolute_url()]
    if change == "edit":
        assert changes.NEW_TITLE in story_html and changes.NEW_TITLE in neighbour_html  # "You may also like"
        assert [url for url, page in html.items() if headline in page] == []
    elif change in ("withdraw", "disable"):
        assert story.status_code == (410 if change == "withdraw" else 451)
        assert headline not in html["/"] and headline not in neighbour_html
        assert headline not in html["/search/?q=original"]
    elif change == "restore":
        assert story.status_code == 200 and headline in html["/"] and headline in neighbour_html
    elif change == "new_article":
        assert changes.NEW_ARTICLE_TITLE in html["/"] and changes.NEW_ARTICLE_TITLE in html["/tag/port/"]
    elif change == "category":
        assert all(changes.NEW_SECTION_NAME in html[url] for url in ("/", article.get_absolute_url(), "/tag/port/"))
    elif change == "tag":
        assert f"#{changes.NEW_TAG_NAME}" in story_html
    elif change == "author":
        assert changes.NEW_AUTHOR_NAME in story_html and changes.NEW_AUTHOR_NAME in html["/"]
    elif change == "disclaimer":
        assert changes.NEW_DISCLAIMER in story_html


def test_a_repeated_search_is_not_ranked_again(reader, category, author):
    factories.article(title="Harbour crane collapses", category=category, author=author)
    first, first_sql = sql_of(reader, "/search/?q=harbour+crane")

    second, second_sql = sql_of(reader, "/search/?q=harbour+crane")

    def ranks(sql):
        return "articles_article_fts" in sql or "search_vector" in sql

    assert any(map(ranks, first_sql)) and not any(map(ranks, second_sql))
    assert "Harbour crane collapses" in main_part(second.content.decode())


def test_fragments_carry_nothing_personal(reader, article):
    reader.get(article.get_absolute_url())
    reader.get("/")

    for url in (article.get_absolute_url(), "/"):
        html = Client().get(url).content.decode()
        assert ">reader<" not in html and "Log out" not in html and "Log in" in html


def test_each_language_and_site_address_has_its_own_fragments(client, article, settings):
    settings.ALLOWED_HOSTS = ["news.example.org", "www.news.example.org", "testserver"]
    english = client.get(article.get_absolute_url(), HTTP_HOST="news.example.org").content.decode()

    korean = client.get(f"/ko{article.get_absolute_url()}", HTTP_HOST="news.example.org").content.decode()
    other_host = client.get(article.get_absolute_url(), HTTP_HOST="www.news.example.org").content.decode()

    assert "author&#x27;s own" in english or "author's own" in english
    assert "필자 개인의 것" in korean and "author's own" not in korean
    assert 'href="http://www.news.example.org/articles/' in other_host
    assert 'href="http://news.example.org/articles/' not in other_host


def test_the_search_box_keeps_each_query(client, article):
    client.get("/search/", {"q": "harbour"})

    html = client.get("/search/", {"q": "bridge"}).content.decode()

    assert 'value="bridge"' in html and 'value="harbour"' not in html


def test_turned_off_nothing_is_stored(client, article, settings):
    from django.core.cache import cache

    settings.FRAGMENT_CACHE_SECONDS = 0
    cache.clear()

    client.get(article.get_absolute_url())

    assert not [key for key in cache._cache if "fragment:" in key]


def csrf_tokens(html):
    return re.findall(r'name="csrfmiddlewaretoken" value="([^"]*)"', html)


def test_cached_fragments_hold_no_csrf_token_and_the_sign_up_still_works(article):
    url = article.get_absolute_url()
    Client().get(url)  # fills the fragments
    reader = Client(enforce_csrf_checks=True)

    html = reader.get(url).content.decode()
    subscribe = reader.post("/newsletter/", {"email": "csrf@example.com"}, headers={"Origin": "http://testserver"})

    assert "csrfmiddlewaretoken" not in html and not reader.cookies
    assert subscribe.status_code == 200 and "csrf@example.com" in subscribe.content.decode()


def test_a_form_with_errors_is_never_cached(client):
    rejected = client.post("/newsletter/", {"email": "not-an-address"})

    fresh = Client().get("/newsletter/").content.decode()

    assert rejected.status_code == 400 and "not-an-address" in rejected.content.decode()
    assert "not-an-address" not in fresh and "is-invalid" not in fresh


def test_signed_in_readers_get_their_own_account_links_after_anonymous_ones_were_cached(reader, article):
    Client().get(article.get_absolute_url())

    html = reader.get(article.get_absolute_url()).content.decode()

    assert ">reader<" in html and "Log out" in html and "Log in" not in html


def test_the_header_date_changes_at_midnight(client):
    today = client.get("/").content.decode()

    class Tomorrow(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.now(tz) + timedelta(days=1)

    with mock.patch("django.template.defaulttags.datetime", Tomorrow):
        tomorrow = client.get("/").content.decode()

    def shown_date(html):
        return html.split('<span class="text-secondary d-none d-md-inline">')[1].split("<")[0]

    assert shown_date(tomorrow) != shown_date(today)


def test_what_a_request_built_before_a_change_committed_is_not_kept(rf):
    """A change committed while a view reads its data: what it built from the older data is not stored."""
    def story_view(text, *, change_meanwhile):
        def view(request):
            def compute():
                public_cache.tag("article-1")
                return text
            value = public_cache.versioned(request, "story", [1], compute)
            if change_meanwhile:
                public_cache.bump(["article-1"])  # the change commits while this request is under way
            return HttpResponse(value)
        return view

    def serve(view):
        request = rf.get("/")
        request.user = AnonymousUser()
        return public_cache.PublicPageCacheMiddleware(view)(request).content.decode()

    serve(story_view("old headline", change_meanwhile=True))
    assert serve(story_view("new headline", change_meanwhile=False)) == "new headline"
    # Built with nothing changing meanwhile, it is kept until the next change.
    assert serve(story_view("newer headline", change_meanwhile=False)) == "new headline"


@pytest.mark.parametrize("tag", [
    "{% fragment %}", '{% fragment "x" unless %}', '{% fragment "x" unless a b %}',
])
def test_a_malformed_fragment_tag_says_how_to_write_it(tag):
    with pytest.raises(TemplateSyntaxError, match="fragment"):
        Template("{% load fragments %}" + tag + "{% endfragment %}")


def test_a_cached_front_page_reads_no_article_for_a_signed_in_reader(reader, category, author,
                                                                     django_assert_max_num_queries):
    factories.article(title="Lead of the day", featured=True, category=category, author=author)
    factories.article(title="Council meets on Tuesday", category=category, author=author)
    reader.get("/")

    # The content version, the reader's session, user and roles: the lead, the featured rail, the
    # latest stories and their count all come with the front page's fragment.
    with django_assert_max_num_queries(4) as queries:
        html = reader.get("/").content.decode()

    assert [q["sql"] for q in queries.captured_queries if '"articles_' in q["sql"]] == []
    assert "Lead of the day" in html and "Council meets on Tuesday" in html


def test_signed_in_readers_share_the_top_bar_but_see_their_own_account_links(category, author):
    factories.article(title="Shared top bar", category=category, author=author)
    first, second, anonymous = Client(), Client(), Client()
    first.force_login(factories.user(username="first-reader"))
    second.force_login(factories.moderator(username="second-reader"))

    first_html, second_html = first.get("/").content.decode(), second.get("/").content.decode()
    anonymous_html = anonymous.get("/").content.decode()

    assert "first-reader" in first_html and "second-reader" not in first_html
    assert "second-reader" in second_html and "first-reader" not in second_html
    assert 'href="/moderation/"' in second_html and 'href="/moderation/"' not in first_html
    assert "Log out" in first_html and 'href="/accounts/login/"' not in first_html
    assert 'href="/accounts/login/"' in anonymous_html and "Log out" not in anonymous_html


def test_pages_of_the_cached_front_page_link_to_their_neighbours(reader, settings, category, author):
    settings.ARTICLES_PER_PAGE = 2
    for i in range(7):
        factories.article(title=f"Paged front story {i}", category=category, author=author)

    for _ in range(2):  # rendered, then from the cache
        page = reader.get("/", {"page": 2, "ref": "mail"}).content.decode()
        assert 'rel="prev" href="?page=1&amp;ref=mail"' in page and 'rel="next" href="?page=3&amp;ref=mail"' in page
    assert 'rel="next" href="?page=2"' in reader.get("/").content.decode()
