"""A story and its translation know each other: the link, the admin field, the article page, the demo pair."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles import publishing
from articles.models import Article
from tests import factories

pytestmark = pytest.mark.django_db
Status = Article.Status


@pytest.fixture
def english(category, author):
    return factories.article(title="Night buses return to the harbour", slug="night-buses", category=category,
                             author=author)


@pytest.fixture
def korean(category, author):
    return factories.article(title="항구 심야버스 다시 달린다", slug="항구-심야버스", language="ko", category=category,
                             author=author)


def linked_id(article):
    return Article.objects.values_list("translation_id", flat=True).get(pk=article.pk)


# --- the link -------------------------------------------------------------------------------------


def test_linking_is_symmetric_and_unlinking_clears_both_sides(english, korean):
    publishing.link_translation(english, korean, by=None)

    assert linked_id(english) == korean.pk and linked_id(korean) == english.pk

    publishing.unlink_translation(korean, by=None)

    assert linked_id(english) is None and linked_id(korean) is None


def test_a_story_in_the_same_language_is_refused(english, category, author):
    other_english = factories.article(title="Ferry fares rise", category=category, author=author)

    with pytest.raises(publishing.TranslationRefused):
        publishing.link_translation(english, other_english, by=None)
    with pytest.raises(publishing.TranslationRefused):
        publishing.link_translation(english, english, by=None)

    assert linked_id(english) is None and linked_id(other_english) is None


def test_a_new_link_replaces_the_older_links_of_both_stories(english, korean, category, author):
    other_english = factories.article(title="Ferry fares rise", category=category, author=author)
    other_korean = factories.article(title="여객선 요금 인상", slug="여객선-요금", language="ko", category=category,
                                     author=author)
    publishing.link_translation(english, korean, by=None)
    publishing.link_translation(other_english, other_korean, by=None)

    publishing.link_translation(korean, other_english, by=None)

    assert linked_id(korean) == other_english.pk and linked_id(other_english) == korean.pk
    assert linked_id(english) is None and linked_id(other_korean) is None


def test_an_editors_content_save_never_writes_one_side_of_the_link(english, korean, category, author):
    publishing.link_translation(english, korean, by=None)
    stale = Article.objects.get(pk=english.pk)
    stale.translation = None
    stale.title = "Night buses are back"

    publishing.update_content(stale, by=None)

    assert linked_id(english) == korean.pk and linked_id(korean) == english.pk


# --- the admin ------------------------------------------------------------------------------------


@pytest.fixture
def editor_client(client):
    client.force_login(factories.editor(username="eddie"))
    return client


admin_form = factories.admin_article_form


def test_an_editor_links_and_unlinks_a_translation_in_the_admin(editor_client, english, korean):
    url = reverse("admin:articles_article_change", args=[english.pk])

    response = editor_client.post(url, admin_form(english, translation=korean.pk))

    assert response.status_code == 302
    assert linked_id(english) == korean.pk and linked_id(korean) == english.pk

    editor_client.post(url, admin_form(english, translation=""))

    assert linked_id(english) is None and linked_id(korean) is None


def test_the_admin_refuses_a_translation_in_the_same_language(editor_client, english, category, author):
    other_english = factories.article(title="Ferry fares rise", category=category, author=author)

    response = editor_client.post(reverse("admin:articles_article_change", args=[english.pk]),
                                  admin_form(english, translation=other_english.pk))

    assert response.status_code == 200
    assert "Choose a story in the other language." in response.content.decode()
    assert linked_id(english) is None and linked_id(other_english) is None


def test_the_admins_translation_search_offers_only_the_other_language(editor_client, english, korean):
    page = editor_client.get(reverse("admin:articles_article_change", args=[english.pk])).content.decode()
    assert 'name="translation"' in page and "translating=en" in page

    found = editor_client.get(reverse("admin:autocomplete"), {
        "app_label": "articles", "model_name": "article", "field_name": "translation", "translating": "en", "term": "",
    }).json()

    assert [result["id"] for result in found["results"]] == [str(korean.pk)]


# --- the article page ------------------------------------------------------------------------------


def test_an_english_story_offers_its_published_korean_edition(client, english, korean):
    publishing.link_translation(english, korean, by=None)

    html = client.get(english.get_absolute_url()).content.decode()

    korean_path = korean.get_canonical_path()
    assert korean_path.startswith("/ko/articles/")
    assert f'<a href="{korean_path}" hreflang="ko" lang="ko">한국어로 읽기</a>' in html
    assert f'<link rel="alternate" hreflang="ko" href="http://testserver{korean_path}">' in html
    assert '<link rel="alternate" hreflang="en" href="http://testserver/articles/night-buses/">' in html
    assert '<link rel="alternate" hreflang="x-default" href="http://testserver/articles/night-buses/">' in html
    # The header's switcher opens the Korean story, not the English one under /ko/.
    assert f'<a href="{korean_path}" hreflang="ko" lang="ko" data-language="ko">한국어</a>' in html


def test_a_korean_story_offers_its_english_edition_on_korean_pages_too(client, english, korean):
    publishing.link_translation(korean, english, by=None)

    html = client.get(f"/ko{korean.get_absolute_url()}").content.decode()

    assert '<a href="/articles/night-buses/" hreflang="en" lang="en">Read in English</a>' in html
    assert '<link rel="alternate" hreflang="en" href="http://testserver/articles/night-buses/">' in html
    assert '<a href="/articles/night-buses/" hreflang="en" lang="en" data-language="en">English</a>' in html


def test_an_unpublished_translation_is_not_offered(client, english, category, author):
    draft = factories.article(title="항구 심야버스", slug="항구-심야버스-초안", language="ko", status=Status.DRAFT,
                              category=category, author=author)
    publishing.link_translation(english, draft, by=None)

    html = client.get(english.get_absolute_url()).content.decode()

    assert "한국어로 읽기" not in html and draft.slug not in html and 'hreflang="x-default"' not in html
    # Without a public translation the switcher keeps the same story under /ko/.
    assert '<a href="/ko/articles/night-buses/" hreflang="ko" lang="ko" data-language="ko">한국어</a>' in html


def test_a_cached_page_offers_the_translation_as_soon_as_it_is_published_and_not_after_unlinking(
    client, settings, english, category, author, django_capture_on_commit_callbacks
):
    settings.PUBLIC_CACHE_SECONDS = 600
    settings.FRAGMENT_CACHE_SECONDS = 600
    draft = factories.article(title="항구 심야버스", slug="항구-심야버스-초안", language="ko", status=Status.DRAFT,
                              category=category, author=author)
    with django_capture_on_commit_callbacks(execute=True):
        publishing.link_translation(english, draft, by=None)
    assert "한국어로 읽기" not in client.get(english.get_absolute_url()).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        publishing.publish(draft, by=None)
    html = client.get(english.get_absolute_url()).content.decode()

    assert "한국어로 읽기" in html and f'hreflang="ko" href="http://testserver{draft.get_canonical_path()}"' in html

    with django_capture_on_commit_callbacks(execute=True):
        publishing.unlink_translation(draft, by=None)
    assert "한국어로 읽기" not in client.get(english.get_absolute_url()).content.decode()


def test_the_translation_costs_the_article_page_no_extra_query(client, english, korean, django_assert_max_num_queries):
    with CaptureQueriesContext(connection) as alone:
        client.get(english.get_absolute_url())
    publishing.link_translation(english, korean, by=None)

    with django_assert_max_num_queries(len(alone.captured_queries)):
        assert "한국어로 읽기" in client.get(english.get_absolute_url()).content.decode()


# --- the demo -------------------------------------------------------------------------------------


def test_seed_demo_links_the_korean_edition_to_its_english_story(db):
    call_command("seed_demo", "--no-covers", stdout=io.StringIO())
    call_command("seed_demo", "--no-covers", stdout=io.StringIO())  # idempotent

    english = Article.objects.get(title__startswith="Riverside Library Will Stay Open")
    assert english.translation is not None and english.translation.language == "ko"
    assert english.translation.translation_id == english.pk
    assert Article.objects.filter(translation__isnull=False).count() == 2
