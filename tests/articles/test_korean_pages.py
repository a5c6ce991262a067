"""The Korean edition: every page a reader, a contributor, a moderator and copyright staff see under /ko/ shows
sections, descriptions and case timelines in Korean, never the English left over."""

import pytest

from submissions.takedowns import workflow as takedowns
from tests import factories

pytestmark = pytest.mark.django_db

ENGLISH_LEFT_OVER = [
    ">Local<", "Council decisions, housing and everyday life.",
    "Counter-notice filed by the author.", "The notice lacks:",
]


@pytest.fixture
def local(db):
    return factories.category(name="Local", name_ko="지역", slug="local",
                              description="Council decisions, housing and everyday life.",
                              description_ko="구의회 결정, 주거, 그리고 동네의 일상.")


@pytest.fixture
def edition(local):
    """A little of everything: stories in both languages, a submission, cases in several states."""
    writer = factories.user(username="writer", display_name="Wendy Writer")
    english = factories.article(title="Harbour bridge reopens", category=local, author=writer, tags=["bridges"])
    korean = factories.article(title="망원동 수리카페, 가전·자전거 150여 점 되살렸다", slug="mangwon-repair-cafe",
                               language="ko", category=local, author=writer)
    staff = factories.copyright_staff(username="casey")
    upheld = factories.takedown_case(status="upheld", articles=[factories.article(category=local, author=writer)],
                                     by=staff)
    takedowns.file_counter_notice(upheld, by=writer, material="The photo", name="Wendy Writer", address="1 High St",
                                  phone="123", signature="Wendy Writer", mistake_statement=True,
                                  jurisdiction_consent=True)
    incomplete = factories.takedown_case(status="needs_info", missing=("contact_details",), articles=[english])
    withdrawn = factories.article(status="withdrawn", category=local)
    disabled = factories.takedown_case(status="upheld", articles=[factories.article(category=local)], by=staff)
    submission = factories.submission(contributor=writer, category=local)
    return {
        "writer": writer, "staff": staff, "moderator": factories.moderator(username="mo"), "english": english,
        "korean": korean, "counter_noticed": upheld, "incomplete": incomplete, "withdrawn": withdrawn,
        "disabled": disabled.articles.get(), "submission": submission,
    }


def pages(e):
    yield None, "/ko/", 200
    yield None, f"/ko/articles/{e['english'].slug}/", 200
    yield None, f"/ko/articles/{e['korean'].slug}/", 200
    yield None, "/ko/category/local/", 200
    yield None, "/ko/tag/bridges/", 200
    yield None, "/ko/authors/writer/", 200
    yield None, "/ko/search/?q=bridge", 200
    yield None, "/ko/pages/guidelines/", 200
    yield None, "/ko/newsletter/", 200
    yield None, "/ko/no-such-page/", 404
    yield None, f"/ko/articles/{e['withdrawn'].slug}/", 410
    yield None, f"/ko/articles/{e['disabled'].slug}/", 451
    yield None, "/ko/submit/", 200
    yield "writer", "/ko/submit/", 200
    yield "writer", "/ko/my/submissions/", 200
    yield "writer", f"/ko/my/submissions/{e['submission'].pk}/", 200
    yield "writer", f"/ko/my/counter-notices/{e['counter_noticed'].reference}/", 200
    yield "moderator", "/ko/moderation/", 200
    yield "moderator", f"/ko/moderation/{e['submission'].pk}/", 200
    yield "staff", "/ko/copyright/cases/", 200
    yield "staff", f"/ko/copyright/cases/{e['counter_noticed'].reference}/", 200
    yield "staff", f"/ko/copyright/cases/{e['incomplete'].reference}/", 200


def test_korean_pages_leave_no_english_behind(client, edition):
    for who, url, status in pages(edition):
        client.logout()
        if who:
            client.force_login(edition[who])
        response = client.get(url)
        assert response.status_code == status, url
        html = response.content.decode()
        assert '<html lang="ko">' in html, url
        assert [text for text in ENGLISH_LEFT_OVER if text in html] == [], url


def test_the_section_choice_on_the_submit_page_is_in_korean(client, local):
    html = client.get("/ko/submit/").content.decode()
    assert f'<option value="{local.pk}">지역</option>' in html
    assert f'<option value="{local.pk}">Local</option>' in client.get("/submit/").content.decode()


def test_a_section_page_describes_the_section_in_the_readers_language(client, local):
    korean = client.get("/ko/category/local/").content.decode()
    assert "구의회 결정, 주거, 그리고 동네의 일상." in korean
    assert "Council decisions" not in korean
    english = client.get("/category/local/").content.decode()
    assert "Council decisions, housing and everyday life." in english and "구의회" not in english
    factories.category(name="Sport", slug="sport", description="Grassroots clubs.")
    assert "Grassroots clubs." in client.get("/ko/category/sport/").content.decode()  # no Korean one yet


def test_the_case_timeline_is_in_korean_on_korean_pages(client, edition):
    client.force_login(edition["staff"])
    counter_noticed = client.get(f"/ko/copyright/cases/{edition['counter_noticed'].reference}/").content.decode()
    assert "필자가 반론 통지를 제출했습니다." in counter_noticed
    incomplete = client.get(f"/ko/copyright/cases/{edition['incomplete'].reference}/").content.decode()
    assert "신고에 누락된 사항: 연락처: 우편 주소 및 전화번호" in incomplete


def test_a_story_in_the_other_language_is_marked_with_its_own_language(client, edition):
    english, korean = edition["english"], edition["korean"]
    html = client.get(f"/ko/articles/{english.slug}/").content.decode()
    assert '<h1 class="story-title" lang="en">' in html and '<div class="story-body" lang="en">' in html
    # The page's own words around it (section, byline, notes) stay Korean.
    assert '<article class="story">' in html
    html = client.get(f"/articles/{korean.slug}/").content.decode()
    assert '<h1 class="story-title" lang="ko">' in html
    front = client.get("/ko/").content.decode()
    assert f'<h3 class="card-story__title" lang="en"><a href="/ko/articles/{english.slug}/">' in front
    assert f'<h3 class="card-story__title"><a href="/ko/articles/{korean.slug}/">' in front
