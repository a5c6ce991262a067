from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from articles import publishing
from submissions import notifications
from submissions.models import Status, Submission
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def mod(db):
    return factories.moderator(username="mod")


def approved(mod, **fields):
    submission = factories.submission(status=Status.APPROVED, by=mod, **fields)
    mail.outbox.clear()  # the approval email
    return submission


def test_the_contributor_is_emailed_the_link_when_their_story_is_published(mod, settings,
                                                                           django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://news.example.org"
    submission = approved(mod, contributor=factories.user(email="writer@example.com"))

    with django_capture_on_commit_callbacks(execute=True):
        publishing.publish(submission.article, by=factories.editor())

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["writer@example.com"]
    assert "is published" in message.subject and submission.article.title in message.subject
    link = f"https://news.example.org/articles/{submission.article.slug}/"
    assert link in message.body and link in message.alternatives[0][0]


def test_a_guest_is_emailed_in_their_language_when_the_scheduler_publishes(mod, settings,
                                                                         django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://news.example.org"
    submission = approved(mod, guest_email="hana@example.com", guest_name="Hana", contact_language="ko")
    publishing.schedule(submission.article, at=timezone.now() - timedelta(minutes=1))  # the scheduler runs at its time

    with django_capture_on_commit_callbacks(execute=True):
        assert publishing.publish_due() == 1

    assert [m.to for m in mail.outbox] == [["hana@example.com"]]
    assert f"https://news.example.org/ko/articles/{submission.article.slug}/" in mail.outbox[0].body
    assert "게재되었습니다" in mail.outbox[0].subject


def test_no_email_for_a_restore_or_for_an_article_that_is_not_public(mod, django_capture_on_commit_callbacks):
    submission = approved(mod)
    with django_capture_on_commit_callbacks(execute=True):
        article = publishing.publish(submission.article)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        publishing.disable(article, by=None, reason="Copyright notice upheld")
        publishing.restore(article, by=None, reason="Counter-notice")
    assert mail.outbox == []

    publishing.withdraw(article, by=None, reason="Retracted")
    notifications.story_published(article_id=article.pk)  # a late or repeated signal
    assert mail.outbox == []


def test_articles_that_came_from_no_submission_email_nobody(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        factories.article()
    assert mail.outbox == []


def test_the_approval_email_says_what_happens_next(mod, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        factories.submission(status=Status.APPROVED, by=mod)
    body = mail.outbox[-1].body
    assert "As soon as it is published, we will email you its link." in body
    assert Submission.objects.get().article.status == "draft"
