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
