from datetime import timedelta

import pytest
from django.utils import timezone

from articles import publishing
from articles.models import Article, ArticleEvent
from tests import factories

pytestmark = pytest.mark.django_db
Status = Article.Status


def test_new_drafts_get_the_default_disclaimers(article):
    assert sorted(article.disclaimers.values_list("kind", flat=True)) == ["copyright", "cover_art", "opinion", "submitted"]


def test_publish_keeps_the_first_publication_date_through_disable_and_restore(category, author):
    editor = factories.user(username="ed")
    article = factories.article(status=Status.DRAFT, category=category, author=author)

    article = publishing.publish(article, by=editor)
    first = article.published_at
    article = publishing.disable(article, by=editor, reason="copyright notice TD-2026-00001")
    article = publishing.restore(article, by=editor, reason="counter-notice period over")

    assert article.status == Status.PUBLISHED and article.published_at == first
    events = list(ArticleEvent.objects.filter(article=article).values_list("from_status", "to_status", "actor__username"))
    assert events == [("draft", "published", "ed"), ("published", "disabled", "ed"), ("disabled", "published", "ed")]


@pytest.mark.parametrize("status, action", [
    (Status.DRAFT, "withdraw"), (Status.DRAFT, "disable"), (Status.WITHDRAWN, "publish"),
    (Status.PUBLISHED, "publish"), (Status.PUBLISHED, "restore"),
])
def test_illegal_moves_are_refused_and_leave_no_trace(category, author, status, action):
    article = factories.article(status=status, category=category, author=author)
    before = ArticleEvent.objects.count()

    with pytest.raises(publishing.IllegalTransition):
        getattr(publishing, action)(article, by=None, reason="x") if action != "publish" else publishing.publish(article)

    article.refresh_from_db()
    assert article.status == status
    assert ArticleEvent.objects.count() == before


def test_scheduled_articles_publish_when_due(category, author):
    due = publishing.schedule(factories.article(status=Status.DRAFT, category=category, author=author),
                              at=timezone.now() - timedelta(minutes=1))
    later = publishing.schedule(factories.article(status=Status.DRAFT, category=category, author=author),
                                at=timezone.now() + timedelta(hours=1))

    assert publishing.publish_due() == 1
    assert publishing.publish_due() == 0  # safe to run again

    due.refresh_from_db()
    later.refresh_from_db()
    assert due.status == Status.PUBLISHED and later.status == Status.SCHEDULED


def test_a_scheduled_story_is_dated_its_scheduled_time_however_late_the_run(category, author):
    at = timezone.now() + timedelta(minutes=1)
    story = publishing.schedule(factories.article(status=Status.DRAFT, category=category, author=author), at=at)

    assert publishing.publish_due(now=at + timedelta(seconds=150)) == 1

    story.refresh_from_db()
    assert story.status == Status.PUBLISHED and story.published_at == at


def test_publishing_generates_the_cover_after_commit(category, author, django_capture_on_commit_callbacks, settings):
    article = factories.article(status=Status.DRAFT, category=category, author=author)

    with django_capture_on_commit_callbacks(execute=True):
        publishing.publish(article)

    article.refresh_from_db()
    assert article.cover_hash
    assert (settings.MEDIA_ROOT / "covers" / str(article.pk) / f"{article.cover_hash}-og.jpg").exists()
