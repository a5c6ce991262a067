from datetime import timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import publishing, tagged
from articles.models import Article
from tests import factories

pytestmark = pytest.mark.django_db


def test_article_page_shows_the_whole_anatomy(client, article):
    response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1 class=\"story-title\">Harbour bridge reopens after repairs</h1>" in html
    assert 'href="/authors/writer/"' in html and "Wendy Writer" in html
    assert "1 min read" in html
    assert "computer-generated art for illustration" in html.lower()
    assert "opinions expressed in this story are the author&#x27;s own" in html.lower() or \
        "opinions expressed in this story are the author's own" in html.lower()
    assert 'href="/pages/guidelines/"' in html and "Submission Rules and Guidelines" in html


@override_settings(COPYRIGHT_EMAIL="takedowns@example.org")
def test_article_footer_offers_copyright_email_and_report_form(client, article):
    html = client.get(article.get_absolute_url()).content.decode()

    assert 'href="mailto:takedowns@example.org"' in html
    assert 'href="/copyright/report/"' in html


def test_korean_reader_gets_korean_disclaimers_and_links(client, article):
    html = client.get(f"/ko{article.get_absolute_url()}").content.decode()

    assert "필자 개인의 것" in html
    assert 'href="/ko/pages/guidelines/"' in html
    assert 'href="/ko/copyright/report/"' in html


def test_body_is_sanitized_markdown(client, category, author):
    article = factories.article(
        title="Hostile", category=category, author=author,
        body='Hello **world** <script>alert("x")</script> <img src=x onerror=alert(1)> [click](javascript:alert(1))\n\n'
             "[source](https://example.org/report)",
    )
    html = client.get(article.get_absolute_url()).content.decode()

    assert "<strong>world</strong>" in html
    assert "<script>alert" not in html
    assert "onerror" not in html
    assert "javascript:" not in html
    assert '<a href="https://example.org/report" rel="nofollow ugc noopener">source</a>' in html


def test_reading_time_counts_korean_by_characters(category, author):
    korean = factories.article(title="긴 기사", language="ko", body="가" * 1600, category=category, author=author)
    english = factories.article(title="Long story", body="word " * 700, category=category, author=author)

    assert korean.reading_minutes == 4  # 1,600 syllables at 500 a minute
    assert english.reading_minutes == 4  # 700 words at 230 a minute


def test_unknown_slug_is_404_in_the_site_style(client, db):
    response = client.get("/articles/no-such-story/")

    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


def test_draft_is_not_visible(client, category, author):
    draft = factories.article(title="Secret draft", status=Article.Status.DRAFT, category=category, author=author)

    assert client.get(draft.get_absolute_url()).status_code == 404


def test_withdrawn_article_answers_410(client, category, author):
    withdrawn = factories.article(title="Gone story", status=Article.Status.WITHDRAWN, category=category, author=author)

    response = client.get(withdrawn.get_absolute_url())

    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()


def test_disabled_article_answers_451_with_blocked_by_link(client, category, author):
    disabled = factories.article(title="Disputed story", status=Article.Status.DISABLED, category=category, author=author)

    response = client.get(disabled.get_absolute_url())

    assert response.status_code == 451
    assert 'rel="blocked-by"' in response["Link"]
    html = response.content.decode()
    assert "copyright notice" in html
    assert "Disputed story" not in html.split("<main")[1]  # nothing of the story itself


def test_related_articles_prefer_shared_tags_and_skip_self_and_unpublished(client, category, author):
    other_category = factories.category(name="Elsewhere")
    main = factories.article(title="Main story", tags=["cycling", "city"], category=category, author=author)
    two_tags = factories.article(title="Two shared tags", tags=["cycling", "city"], category=other_category)
    one_tag = factories.article(title="One shared tag", tags=["city"], category=other_category)
    same_section = factories.article(title="Same section only", category=category)
    factories.article(title="Unrelated", category=other_category)
    factories.article(title="Unpublished relative", tags=["cycling"], status=Article.Status.DRAFT, category=category)
    factories.article(title="Disabled relative", tags=["cycling"], status=Article.Status.DISABLED, category=category)

    related = client.get(main.get_absolute_url()).context["story"].related

    assert [a.title for a in related] == [two_tags.title, one_tag.title, same_section.title]


def test_article_page_has_open_graph_and_canonical(client, article):
    url = article.get_absolute_url()
    html = client.get(f"/ko{url}").content.decode()

    assert f'<link rel="canonical" href="http://testserver{url}">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:title" content="Harbour bridge reopens after repairs">' in html


def test_article_page_query_count_does_not_grow(client, django_assert_max_num_queries, category, author):
    main = factories.article(title="Popular", tags=[f"tag{i}" for i in range(12)], category=category, author=author)
    for i in range(15):
        factories.article(title=f"Relative {i}", tags=[f"tag{i % 12}"], category=category)

    with django_assert_max_num_queries(6):
        assert client.get(main.get_absolute_url()).status_code == 200


@pytest.fixture(params=["few stories share the tags", "many stories share the tags"])
def tag_density(request, monkeypatch):
    """Related stories are read from the tags' own rows when few stories carry them, else by walking the
    publication index: both must give the same stories, in the same order."""
    if request.param == "many stories share the tags":
        monkeypatch.setattr(tagged, "RARE_TAG_ROWS", 2)
    return request.param


def test_related_articles_are_the_same_whichever_way_they_are_read(client, category, author, tag_density):
    other_category = factories.category(name="Elsewhere")
    now = timezone.now()
    main = factories.article(title="Main story", tags=["ferry", "harbour", "tides"], category=category, author=author)
    three = factories.article(title="Three shared, older", tags=["ferry", "harbour", "tides"],
                              category=other_category, published_at=now - timedelta(days=3))
    newest_one = factories.article(title="One shared, newest", tags=["tides"], category=other_category,
                                   published_at=now - timedelta(minutes=1))
    two = factories.article(title="Two shared", tags=["ferry", "tides"], category=other_category,
                            published_at=now - timedelta(days=1))
    older_one = factories.article(title="One shared, older", tags=["ferry"], category=other_category,
                                  published_at=now - timedelta(days=2))
    factories.article(title="Oldest one shared", tags=["harbour"], category=other_category,
                      published_at=now - timedelta(days=9))
    factories.article(title="Withdrawn relative", tags=["ferry", "harbour", "tides"], status=Article.Status.WITHDRAWN)
    scheduled = factories.article(title="Scheduled relative", tags=["ferry", "harbour", "tides"], status=Article.Status.DRAFT)
    publishing.schedule(scheduled, at=now + timedelta(days=1), by=None)

    related = client.get(main.get_absolute_url()).context["story"].related

    assert [a.title for a in related] == [three.title, two.title, newest_one.title, older_one.title]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner, which has no statistics to go by")
def test_related_stories_of_a_rare_tag_are_found_from_the_tag_not_by_reading_every_story(client, category):
    # A tag on two stories among many: walking the publication index newest first and probing each
    # story's tags read the whole archive for it (62 ms per article page at 100,000 stories).
    main = factories.article(title="Lighthouse keeper retires", tags=["lighthouse"], category=category)
    relative = factories.article(title="Lighthouse open day", tags=["lighthouse"], published_at=timezone.now() - timedelta(days=400))
    for n in range(5):
        factories.article(title=f"Council budget {n}", tags=["council"], category=category)

    with CaptureQueriesContext(connection) as queries:
        related = client.get(main.get_absolute_url()).context["story"].related

    assert related[0] == relative
    for query in queries.captured_queries:
        if "articles_article_tags" in query["sql"] and '"articles_article"' in query["sql"]:
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN QUERY PLAN {query['sql']}")
                plan = " ".join(row[-1] for row in cursor.fetchall())
            assert "published" not in plan and "pub_idx" not in plan, (query["sql"], plan)
