from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article
from tests import factories

pytestmark = pytest.mark.django_db


def test_front_page_leads_with_featured_and_lists_latest(client, category, author):
    lead = factories.article(title="Featured lead story", featured=True, category=category, author=author)
    latest = factories.article(title="An ordinary latest story", category=category, author=author)
    factories.article(title="Hidden draft story", status=Article.Status.DRAFT, category=category, author=author)

    response = client.get("/")

    assert response.status_code == 200
    assert response.context["front"].lead == lead
    html = response.content.decode()
    assert "An ordinary latest story" in html and latest.get_absolute_url() in html
    assert "Hidden draft story" not in html


def test_listings_show_the_reader_language_first(client, category, author):
    factories.article(title="Korean story 한국어", language="ko", category=category, author=author)
    newest = factories.article(title="Newest English story", category=category, author=author)

    english_first = client.get(category.get_absolute_url()).context["page_obj"].object_list
    korean_first = client.get(f"/ko{category.get_absolute_url()}").context["page_obj"].object_list

    assert english_first[0] == newest
    assert korean_first[0].language == "ko"


def test_category_tag_and_author_listings(client, category, author):
    article = factories.article(title="Tagged story", tags=["harbour"], category=category, author=author)
    factories.article(title="Someone else's story", tags=["other"])

    for url in (category.get_absolute_url(), "/tag/harbour/", "/authors/writer/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert list(response.context["page_obj"].object_list) == [article], url


def test_unknown_listing_targets_are_404(client, db):
    for url in ("/category/nope/", "/tag/nope/", "/authors/nobody/"):
        assert client.get(url).status_code == 404


def test_pagination_splits_and_tolerates_bad_page_numbers(client, settings, category, author):
    settings.ARTICLES_PER_PAGE = 5
    for i in range(12):
        factories.article(title=f"Paged story {i}", category=category, author=author)

    page2 = client.get(category.get_absolute_url(), {"page": 2})
    assert page2.context["page_obj"].number == 2
    assert len(page2.context["page_obj"].object_list) == 5
    assert 'rel="next"' in page2.content.decode() and 'rel="prev"' in page2.content.decode()

    for bad in ("abc", "-1", "9999", "1' OR '1'='1"):
        response = client.get(category.get_absolute_url(), {"page": bad})
        assert response.status_code == 200, bad


@pytest.mark.parametrize("url_name", ["home", "category", "tag", "author"])
def test_listing_query_count_is_fixed(client, django_assert_max_num_queries, category, author, url_name):
    for i in range(20):
        factories.article(title=f"Story {i}", tags=["busy", f"t{i}"], featured=i < 4, category=category, author=author)
    url = {"home": "/", "category": category.get_absolute_url(), "tag": "/tag/busy/", "author": "/authors/writer/"}[url_name]

    with django_assert_max_num_queries(6):
        assert client.get(url).status_code == 200


def test_language_first_pages_cross_from_one_language_to_the_other(client, settings, category, author):
    settings.ARTICLES_PER_PAGE = 4
    korean = [factories.article(title=f"한국어 기사 {i}", language="ko", category=category, author=author) for i in range(5)]
    english = [factories.article(title=f"English story {i}", category=category, author=author) for i in range(7)]

    url = f"/ko{category.get_absolute_url()}"
    pages = [list(client.get(url, {"page": n}).context["page_obj"].object_list) for n in (1, 2, 3)]

    newest_first = lambda items: sorted(items, key=lambda a: (a.published_at, a.pk), reverse=True)  # noqa: E731
    assert pages[0] + pages[1] + pages[2] == newest_first(korean) + newest_first(english)
    assert [len(p) for p in pages] == [4, 4, 4]


def test_listing_counts_follow_new_articles(client, category, author, django_capture_on_commit_callbacks):
    factories.article(title="First", category=category, author=author)
    assert client.get(category.get_absolute_url()).context["page_obj"].paginator.count == 1

    with django_capture_on_commit_callbacks(execute=True):
        factories.article(title="Second", category=category, author=author)

    assert client.get(category.get_absolute_url()).context["page_obj"].paginator.count == 2


@pytest.fixture
def small_pages(settings, monkeypatch):
    """Pages of 2 and a bookmark every 3 entries, so a handful of articles reaches "deep" pages."""
    from articles import pagination

    settings.ARTICLES_PER_PAGE = 2
    monkeypatch.setattr(pagination, "ANCHOR_EVERY", 3)


def walk(client, url):
    first = client.get(url).context["page_obj"]
    pages = [list(client.get(url, {"page": n}).context["page_obj"].object_list) for n in first.paginator.page_range]
    return [article for page in pages for article in page]


def test_deep_pages_list_every_story_once_in_order(client, small_pages, category, author):
    same_minute = timezone.now() - timedelta(hours=1)
    # Ties on the publication time are broken by id, on both sides of a bookmark.
    stories = [factories.article(title=f"Tied {i}", tags=["port"], category=category, author=author,
                                 published_at=same_minute) for i in range(5)]
    stories += [factories.article(title=f"Story {i}", tags=["port"], category=category, author=author) for i in range(6)]
    stories += [factories.article(title=f"기사 {i}", language="ko", tags=["port"], category=category, author=author)
                for i in range(4)]
    newest_first = lambda items: sorted(items, key=lambda a: (a.published_at, a.pk), reverse=True)  # noqa: E731
    english = newest_first([a for a in stories if a.language == "en"])
    korean = newest_first([a for a in stories if a.language == "ko"])

    assert walk(client, "/tag/port/") == english + korean
    assert walk(client, category.get_absolute_url()) == english + korean
    assert walk(client, f"/ko{category.get_absolute_url()}") == korean + english
    assert walk(client, "/authors/writer/") == newest_first(stories)  # an author's page is by date alone


def test_deep_pages_follow_a_new_story(client, small_pages, category, author, django_capture_on_commit_callbacks):
    for i in range(9):
        factories.article(title=f"Story {i}", category=category, author=author)
    url = category.get_absolute_url()
    before = walk(client, url)

    with django_capture_on_commit_callbacks(execute=True):
        newest = factories.article(title="Breaking", category=category, author=author,
                                   published_at=timezone.now())

    assert walk(client, url) == [newest, *before]


def test_a_deep_page_skips_only_from_the_nearest_bookmark(client, small_pages, category, author):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(12):
        factories.article(title=f"Story {i}", category=category, author=author)
    client.get(category.get_absolute_url(), {"page": 6})  # sets the bookmarks

    with CaptureQueriesContext(connection) as queries:
        page = client.get(category.get_absolute_url(), {"page": 6}).context["page_obj"]

    offsets = [int(sql.split("OFFSET ")[1].split()[0]) for sql in (q["sql"] for q in queries) if "OFFSET" in sql]
    assert offsets and max(offsets) < 3
    assert [a.title for a in page.object_list] == ["Story 10", "Story 11"]


@pytest.mark.parametrize("rare_tag_rows", [1000, 2], ids=["few stories: read from the tag's rows", "many: by date"])
def test_a_tag_listing_is_the_same_whichever_way_it_is_read(client, small_pages, monkeypatch, category, author,
                                                            rare_tag_rows):
    from articles import tagged

    monkeypatch.setattr(tagged, "RARE_TAG_ROWS", rare_tag_rows)
    same_minute = timezone.now() - timedelta(hours=1)
    stories = [factories.article(title=f"Tied {i}", tags=["port", "ferry"], published_at=same_minute) for i in range(3)]
    stories += [factories.article(title=f"Story {i}", tags=["port"]) for i in range(4)]
    stories += [factories.article(title=f"기사 {i}", language="ko", tags=["port"]) for i in range(3)]
    factories.article(title="Draft", tags=["port"], status=Article.Status.DRAFT)
    factories.article(title="Withdrawn", tags=["port"], status=Article.Status.WITHDRAWN)
    factories.article(title="Another tag", tags=["ferry-times"])
    newest_first = lambda items: sorted(items, key=lambda a: (a.published_at, a.pk), reverse=True)  # noqa: E731
    english = newest_first([a for a in stories if a.language == "en"])
    korean = newest_first([a for a in stories if a.language == "ko"])

    assert walk(client, "/tag/port/") == english + korean
    assert walk(client, "/ko/tag/port/") == korean + english
    assert client.get("/tag/port/").context["page_obj"].paginator.count == 10


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner, which has no statistics to go by")
def test_a_rare_tags_listing_reads_the_tags_rows_not_every_story(client, category, author):
    # A tag on one story among many: walking the publication index for it read the whole archive
    # (67 ms per page at 100,000 stories).
    story = factories.article(title="Lighthouse keeper retires", tags=["lighthouse"])
    for n in range(5):
        factories.article(title=f"Council budget {n}", tags=["council"])

    with CaptureQueriesContext(connection) as queries:
        assert list(client.get("/tag/lighthouse/").context["page_obj"]) == [story]

    for query in queries.captured_queries:
        if "articles_article_tags" in query["sql"] and '"articles_article"' in query["sql"]:
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN QUERY PLAN {query['sql']}")
                plan = " ".join(row[-1] for row in cursor.fetchall())
            assert "pub_idx" not in plan and "published" not in plan, (query["sql"], plan)
