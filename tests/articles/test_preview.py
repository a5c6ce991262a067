"""Previews: staff see any article as readers will; a signed, expiring link shows unpublished ones to anyone."""

from datetime import timedelta

import pytest
from django.core import signing
from django.utils import timezone, translation

from articles import publishing
from articles.models import Article
from tests import factories

pytestmark = pytest.mark.django_db
Status = Article.Status


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def draft(category, author):
    return factories.article(title="Council budget leaks early", status=Status.DRAFT, category=category, author=author,
                             summary="Not out yet.")


def staff_preview(article):
    return f"/preview/{article.pk}/"


def shared_preview(article):
    return f"/preview/{publishing.preview_token(article)}/"


def assert_noindex(response):
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_editor_previews_a_draft_with_the_reader_template_and_a_banner(client, draft):
    client.force_login(factories.editor())

    response = client.get(staff_preview(draft))

    assert response.status_code == 200
    assert "articles/article_detail.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert "Preview — not published" in html and "Status: Draft." in html
    assert '<h1 class="story-title">Council budget leaks early</h1>' in html
    assert "author&#x27;s own" in html or "author's own" in html  # the disclaimers readers will see
    assert "Not yet published" in html
    assert f'href="/admin/articles/article/{draft.pk}/change/"' in html
    assert_noindex(response)


@pytest.mark.parametrize("status", [Status.SCHEDULED, Status.PUBLISHED, Status.WITHDRAWN, Status.DISABLED])
def test_staff_preview_shows_every_status(client, category, author, status):
    if status == Status.SCHEDULED:
        article = publishing.schedule(factories.article(status=Status.DRAFT, category=category, author=author),
                                      at=timezone.now() + timedelta(days=1))
    else:
        article = factories.article(status=status, category=category, author=author)
    client.force_login(factories.editor())

    response = client.get(staff_preview(article))

    assert response.status_code == 200
    assert article.title in response.content.decode()


@pytest.mark.parametrize("who", ["anonymous", "reader", "staff_without_permission", "inactive_editor"])
def test_preview_is_only_for_staff_who_may_edit_articles(client, draft, who):
    if who == "reader":
        client.force_login(factories.user())
    elif who == "staff_without_permission":
        client.force_login(factories.user(is_staff=True))
    elif who == "inactive_editor":
        editor = factories.editor()
        editor.is_active = False
        editor.save()
        client.force_login(editor)

    response = client.get(staff_preview(draft))

    assert response.status_code == 404
    assert "Council budget" not in response.content.decode()


def test_shared_link_shows_the_draft_to_anyone(client, draft):
    response = client.get(shared_preview(draft))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Preview — not published" in html and "Council budget leaks early" in html
    assert "/admin/" not in html.split('class="alert alert-warning preview-banner')[1].split("</div>")[0]
    assert response["Referrer-Policy"] == "same-origin"
    assert_noindex(response)


def test_shared_link_in_korean(client, category, author):
    article = factories.article(title="예산안 미리 보기", language="ko", status=Status.DRAFT, category=category,
                                author=author)

    html = client.get("/ko" + shared_preview(article)).content.decode()

    assert '<html lang="ko">' in html and "예산안 미리 보기" in html
    assert "필자 개인의 것" in html


def test_expired_link_says_so(client, draft, settings):
    token = publishing.preview_token(draft)
    settings.PREVIEW_LINK_MAX_AGE = -1

    response = client.get(f"/preview/{token}/")

    assert response.status_code == 400
    assert "This preview link has expired" in response.content.decode()
    assert "Council budget" not in response.content.decode()


FOREIGN_TOKENS = {
    "garbage": lambda pk: "garbage",
    "forged": lambda pk: "MQ:1abc:forged",
    "other_salt": lambda pk: signing.dumps(pk, salt="another.salt"),
    "not_an_id": lambda pk: signing.dumps(str(pk), salt=publishing.PREVIEW_SALT),
    "edited": lambda pk: _swap_payload(publishing.preview_token(Article(pk=pk)), Article(pk=pk + 1)),
}


def _swap_payload(token, other):
    """A valid token whose article id was changed by hand: the signature no longer matches."""
    return ":".join([publishing.preview_token(other).split(":")[0], *token.split(":")[1:]])


@pytest.mark.parametrize("kind", FOREIGN_TOKENS)
def test_tampered_or_foreign_tokens_are_refused_cleanly(client, draft, kind):
    response = client.get(f"/preview/{FOREIGN_TOKENS[kind](draft.pk)}/")

    assert response.status_code == 400
    assert "This preview link is not valid" in response.content.decode()


def test_link_to_a_deleted_article_is_404(client, draft):
    url = shared_preview(draft)
    Article.objects.filter(pk=draft.pk).delete()

    assert client.get(url).status_code == 404


def test_link_to_a_published_article_goes_to_its_page(client, draft):
    url = shared_preview(draft)
    publishing.publish(draft)

    response = client.get(url)

    assert response.status_code == 302 and response["Location"] == draft.get_absolute_url()


@pytest.mark.parametrize("status", [Status.WITHDRAWN, Status.DISABLED])
def test_links_never_show_withdrawn_or_disabled_articles(client, category, author, status):
    article = factories.article(status=status, category=category, author=author)

    response = client.get(shared_preview(article))

    assert response.status_code == 404
    assert article.title not in response.content.decode()


def test_tokens_are_per_article(draft, category, author):
    other = factories.article(status=Status.DRAFT, category=category, author=author)
    assert publishing.article_id_from_preview_token(publishing.preview_token(draft)) == draft.pk
    assert publishing.article_id_from_preview_token(publishing.preview_token(other)) == other.pk
