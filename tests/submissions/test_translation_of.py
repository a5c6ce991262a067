"""A submission can name the published story it translates; approval links the article draft to it."""

import pytest

from articles import publishing
from articles.models import Article
from submissions import moderation, services
from submissions.models import Submission
from tests import factories

pytestmark = pytest.mark.django_db
SITE = "http://localhost:8000"  # settings.SITE_URL in tests: one of this site's addresses


@pytest.fixture
def writer(db):
    return factories.user(username="translator", display_name="Tae Translator")


@pytest.fixture
def mod(db):
    return factories.moderator(username="mod")


@pytest.fixture
def original(category, author):
    return factories.article(title="Night buses return to the harbour", slug="night-buses", category=category,
                             author=author)


def story(category, **overrides):
    data = {
        "title": "항구 심야버스 다시 달린다", "summary": "석 달 만에 심야버스가 돌아온다.", "body": factories.STORY_BODY,
        "category": category.pk, "tags": "교통", "language": "ko", "sources": "https://example.org/timetable",
        "accept_guidelines": "on", "confirm_rights": "on", "action": "submit",
    }
    return {**data, **overrides}


def test_a_contributor_names_the_story_their_submission_translates(client, writer, category, original):
    client.force_login(writer)

    response = client.post("/submit/", story(category, translation_of=f"{SITE}/articles/night-buses/"))

    assert response.status_code == 302
    submission = Submission.objects.get()
    assert submission.translation_of == original
    assert submission.revisions.get().translation_of == original  # frozen with the rest of the content


@pytest.mark.parametrize("address, message", [
    ("https://elsewhere.example/articles/night-buses/", "We found no published story at this address."),
    (f"{SITE}/articles/no-such-story/", "We found no published story at this address."),
    (f"{SITE}/articles/draft-story/", "We found no published story at this address."),
    (f"{SITE}/ko/articles/night-buses/", "The story at this address is in English, like yours"),
])
def test_the_address_must_be_a_published_story_in_the_other_language(client, writer, category, original,
                                                                     address, message):
    factories.article(title="Draft story", slug="draft-story", status=Article.Status.DRAFT, category=category)
    client.force_login(writer)

    language = "en" if "/ko/" in address else "ko"
    response = client.post("/submit/", story(category, language=language, translation_of=address))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Submission.objects.exists()


def test_the_edit_page_keeps_the_address_and_an_empty_field_clears_it(client, writer, category, original):
    client.force_login(writer)
    client.post("/submit/", story(category, action="draft", translation_of=f"{SITE}/articles/night-buses/"))
    submission = Submission.objects.get()

    page = client.get(f"/my/submissions/{submission.pk}/edit/").content.decode()
    assert f'value="{SITE}/articles/night-buses/"' in page

    client.post(f"/my/submissions/{submission.pk}/edit/", story(category, action="draft", translation_of=""))
    submission.refresh_from_db()
    assert submission.translation_of is None


def test_the_moderator_sees_which_story_it_translates(client, writer, mod, category, original):
    client.force_login(writer)
    client.post("/submit/", story(category, translation_of=f"{SITE}/articles/night-buses/"))
    client.force_login(mod)

    html = client.get(Submission.objects.get().get_review_url()).content.decode()

    assert "Translation of" in html
    assert f'<a href="/articles/night-buses/" lang="en">{original.title}</a>' in html


def approved(writer, mod, category, original):
    submission = services.send(contributor=writer, contact_language="ko", data={
        "title": "항구 심야버스 다시 달린다", "summary": "석 달 만에 돌아온다.", "body": factories.STORY_BODY,
        "category": category, "tags": ["교통"], "language": "ko", "sources": ["https://example.org/timetable"],
        "no_sources": False, "image": None, "translation_of": original,
    })
    moderation.claim(submission, by=mod)
    return moderation.approve(submission, by=mod)


def test_approval_links_the_article_draft_and_its_original(writer, mod, category, original):
    draft = approved(writer, mod, category, original)

    draft.refresh_from_db()
    original.refresh_from_db()
    assert draft.status == Article.Status.DRAFT
    assert draft.translation_id == original.pk and original.translation_id == draft.pk


def test_approval_leaves_a_link_the_editors_made_alone(writer, mod, category, original):
    published = factories.article(title="심야버스 돌아온다", slug="심야버스", language="ko", category=category)
    publishing.link_translation(original, published, by=None)

    draft = approved(writer, mod, category, original)

    draft.refresh_from_db()
    original.refresh_from_db()
    assert original.translation_id == published.pk and draft.translation_id is None
