"""The Article workflow: the only code that changes `Article.status`.

draft → scheduled → published → withdrawn, and published → disabled → published
(legal: HTTP 451 while disabled). Every move writes an ArticleEvent.
"""

from django.db import transaction
from django.utils import timezone

from articles.models import Article, ArticleEvent, Disclaimer

Status = Article.Status

ALLOWED = {
    Status.DRAFT: {Status.SCHEDULED, Status.PUBLISHED},
    Status.SCHEDULED: {Status.DRAFT, Status.PUBLISHED},
    Status.PUBLISHED: {Status.WITHDRAWN, Status.DISABLED},
    Status.DISABLED: {Status.PUBLISHED},
    Status.WITHDRAWN: set(),
}


class IllegalTransition(Exception):
    def __init__(self, article, to_status):
        super().__init__(f"Article {article.pk} cannot go from {article.status} to {to_status}.")
        self.article = article
        self.to_status = to_status


def _locked(article):
    return Article.objects.select_for_update().get(pk=article.pk)


def _move(article, to_status, *, by, reason=""):
    if to_status not in ALLOWED[article.status]:
        raise IllegalTransition(article, to_status)
    ArticleEvent.objects.create(article=article, actor=by, from_status=article.status, to_status=to_status, reason=reason)
    article.status = to_status


def _queue_cover(article):
    from articles import tasks

    transaction.on_commit(lambda: tasks.generate_cover.enqueue(article.pk))


@transaction.atomic
def create_draft(*, tags=(), **fields):
    """A new draft with the default disclaimers attached."""
    article = Article.objects.create(status=Status.DRAFT, **fields)
    article.tags.set(tags)
    article.disclaimers.set(Disclaimer.objects.filter(is_default=True))
    return article


@transaction.atomic
def publish(article, *, by=None, reason="", at=None):
    """Publish now. The first publication date is kept forever (restores and edits keep it)."""
    locked = _locked(article)
    _move(locked, Status.PUBLISHED, by=by, reason=reason)
    locked.published_at = locked.published_at or at or timezone.now()
    locked.publish_at = None
    locked.save(update_fields=["status", "published_at", "publish_at", "updated_at"])
    _queue_cover(locked)
    return locked


@transaction.atomic
def schedule(article, *, at, by=None, reason=""):
    locked = _locked(article)
    _move(locked, Status.SCHEDULED, by=by, reason=reason)
    locked.publish_at = at
    locked.save(update_fields=["status", "publish_at", "updated_at"])
    return locked


@transaction.atomic
def withdraw(article, *, by, reason):
    locked = _locked(article)
    _move(locked, Status.WITHDRAWN, by=by, reason=reason)
    locked.save(update_fields=["status", "updated_at"])
    return locked


@transaction.atomic
def disable(article, *, by, reason):
    locked = _locked(article)
    _move(locked, Status.DISABLED, by=by, reason=reason)
    locked.save(update_fields=["status", "updated_at"])
    return locked


@transaction.atomic
def restore(article, *, by, reason):
    locked = _locked(article)
    if locked.status != Status.DISABLED:
        raise IllegalTransition(locked, Status.PUBLISHED)
    _move(locked, Status.PUBLISHED, by=by, reason=reason)
    locked.save(update_fields=["status", "updated_at"])
    return locked


def publish_due(*, now=None):
    """Publish every scheduled article whose time has come; safe to run every minute."""
    now = now or timezone.now()
    published = 0
    for article_id in Article.objects.filter(status=Status.SCHEDULED, publish_at__lte=now).values_list("pk", flat=True):
        try:
            publish(Article(pk=article_id), reason="scheduled")
        except IllegalTransition:
            continue  # another run or an editor got there first
        published += 1
    return published
