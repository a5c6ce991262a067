import pytest

from articles import search
from articles.models import Article
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def stories(category, author):
    return {
        "meta": factories.article(title="메타의 새 서비스 공개", language="ko", body="메타가 발표했다.", category=category, author=author),
        "library": factories.article(title="도서관이 밤늦게까지 문을 연다", language="ko", body="주민들이 반겼다.", category=category, author=author),
        "bridge": factories.article(title="Harbour bridge reopens", body="Engineers finished the repairs.", category=category, author=author),
        "draft": factories.article(title="Bridge draft", status=Article.Status.DRAFT, category=category, author=author),
    }


def test_index_tokens_split_hangul_into_bigrams_and_syllables():
    assert search.index_tokens("메타의 Bridge") == "메타 타의 메 타 의 bridge"


@pytest.mark.parametrize("query, expected", [
    ("메타", ["meta"]),           # particle attached in the text: 메타의, 메타가
    ("도서관", ["library"]),        # three syllables inside 도서관이
    ("관", ["library"]),           # a single syllable
    ("bridge", ["bridge"]),        # English, case-insensitive; drafts never appear
    ("repair", ["bridge"]),        # prefix of a word in the body
    ("engineers harbour", ["bridge"]),
    ("nothing-matches-this", []),
])
def test_search_finds_published_articles_in_both_languages(client, stories, query, expected):
    response = client.get("/search/", {"q": query})

    assert response.status_code == 200
    found = list(response.context["page_obj"].object_list)
    assert found == [stories[key] for key in expected]


@pytest.mark.parametrize("query", [
    '" OR 1=1 --', "*", "NEAR(a b)", "bridge AND", "'; DROP TABLE articles_article; --", "a" * 5000,
    "<script>alert(1)</script>", "\x00", "%", "메타 \" 타", ":*", "(((",
])
def test_hostile_queries_never_fail(client, stories, query):
    response = client.get("/search/", {"q": query})

    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_empty_query_shows_the_form(client, db):
    response = client.get("/search/")

    assert response.status_code == 200
    assert response.context["page_obj"] is None


def test_search_query_count_is_fixed(client, django_assert_max_num_queries, category, author):
    for i in range(20):
        factories.article(title=f"Bridge story {i}", category=category, author=author)

    with django_assert_max_num_queries(5):
        assert client.get("/search/", {"q": "bridge"}).status_code == 200


def test_results_rank_title_matches_and_page_through(client, settings, category, author):
    settings.ARTICLES_PER_PAGE = 3
    for i in range(5):
        factories.article(title=f"Council budget {i}", body="Numbers.", category=category, author=author)
    in_body_only = factories.article(title="Weekend sport", body="The council said little.", category=category,
                                     author=author)

    first = client.get("/search/", {"q": "council"}).context["page_obj"]
    second = client.get("/search/", {"q": "council", "page": 2}).context["page_obj"]

    assert first.paginator.count == 6
    shown = list(first.object_list) + list(second.object_list)
    assert len(set(shown)) == 6
    assert shown[-1] == in_body_only  # a mention in the body ranks below the titles


def test_lost_sqlite_triggers_are_restored_after_migrate(stories):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite drops triggers when a migration rebuilds a table; PostgreSQL does not")
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER articles_article_fts_ai")
    factories.article(title="Written while the trigger was gone")

    search.ensure_sqlite_index()

    assert [a.title for a in search.search(Article.objects.all(), "trigger")[:5]] == ["Written while the trigger was gone"]


def test_longer_words_match_unless_whole_words_fill_the_ranked_window(client, monkeypatch, category, author):
    monkeypatch.setattr(search, "CANDIDATES", 2)
    votes = factories.article(title="Council votes on ferries", category=category, author=author)
    meets = factories.article(title="Council meets at night", category=category, author=author)
    factories.article(title="Councillors resign", body="Two resign.", category=category, author=author)

    common = client.get("/search/", {"q": "council"}).context["page_obj"]
    rare = client.get("/search/", {"q": "councillor"}).context["page_obj"]

    assert set(common.object_list) == {votes, meets}
    assert [a.title for a in rare.object_list] == ["Councillors resign"]


def test_readers_are_told_when_more_stories_match_than_were_ranked(client, monkeypatch, category, author):
    monkeypatch.setattr(search, "CANDIDATES", 2)
    for i in range(3):
        factories.article(title=f"Tram line {i}", category=category, author=author)

    many = client.get("/search/", {"q": "tram"}).content.decode()
    few = client.get("/search/", {"q": "line 1"}).content.decode()

    assert "More than 2 stories match “tram”" in many
    assert "1 story matches “line 1”" in few
