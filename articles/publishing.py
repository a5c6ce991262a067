"""The Article workflow: the only code that changes `Article.status`.

draft → scheduled → published → withdrawn, and published → disabled → published
(legal: HTTP 451 while disabled; only the takedown workflow takes these two steps). Every move is
one named step of STEPS, refuses any other start status, and writes an ArticleEvent.

Editors' other writes go through here too, so that none of them touches a status: content edits
(`update_content`: old slugs keep answering, covers are redrawn when what they show changes),
cover replacement and regeneration, the signed links of shareable previews, and the link between a story
and its translation (both sides at once).
"""

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from articles import cover_files, signals
from articles.models import Article, ArticleEvent, Disclaimer, SlugRedirect
from newsroom.workflow import Step

Status = Article.Status
CoverSource = Article.CoverSource


# The workflow's one table. Every transition function below names its step, and _move refuses a
# start status the step does not list; the admin's buttons and actions are derived from it.
STEPS = {
    "publish": Step({Status.DRAFT, Status.SCHEDULED}, Status.PUBLISHED),
    "schedule": Step({Status.DRAFT}, Status.SCHEDULED),
    "unschedule": Step({Status.SCHEDULED}, Status.DRAFT),
    "withdraw": Step({Status.PUBLISHED}, Status.WITHDRAWN),
    # Legal steps: only the takedown workflow (submissions/takedowns/workflow.py) disables and restores, so
    # that a case's status and its articles always agree. Editors cannot republish a disabled story.
    "disable": Step({Status.PUBLISHED}, Status.DISABLED),
    "restore": Step({Status.DISABLED}, Status.PUBLISHED),
}
EDITOR_STEPS = ("publish", "schedule", "unschedule", "withdraw")


def can(step, article) -> bool:
    """Whether `step` may start from the article's current status."""
    return article.status in STEPS[step].sources


def editor_steps(article) -> list[str]:
    """The steps an editor may take on the article now, in EDITOR_STEPS order."""
    return [step for step in EDITOR_STEPS if can(step, article)]


# Readers may have seen (and linked to) these: their addresses must keep answering.
ONCE_PUBLIC = {Status.PUBLISHED, Status.DISABLED, Status.WITHDRAWN}
# What only the transitions and the cover functions below write; an editor's save leaves them alone.
WORKFLOW_FIELDS = ("status", "published_at", "cover_hash", "cover_source", "cover_original", "cover_variation",
                   "contributor_photo",
                   "created_at")
# Written only by link_translation/unlink_translation, which keep both sides of the link.
LINK_FIELDS = ("translation",)
COVER_FIELDS = ("title", "category_id", "language")  # what a generated cover shows
PREVIEW_SALT = "articles.preview"


class IllegalTransition(Exception):
    """A step asked of an article whose status it does not start from."""

    def __init__(self, article, to_status):
        super().__init__(f"Article {article.pk} cannot go from {article.status} to {to_status}.")
        self.article = article
        self.to_status = to_status


class SlugTaken(ValueError):
    """The slug is another article's, now or formerly (its old address must keep pointing there)."""


class TranslationRefused(ValueError):
    """A story and its translation must be two stories in different languages."""


class PreviewLinkInvalid(ValueError):
    pass


class PreviewLinkExpired(PreviewLinkInvalid):
    pass


def _locked(article):
    return Article.objects.select_for_update().get(pk=article.pk)


def _move(article, step, *, by, reason=""):
    """Refuse a step from a status it does not start from; apply it in memory and log it."""
    to_status = STEPS[step].target
    if not can(step, article):
        raise IllegalTransition(article, to_status)
    ArticleEvent.objects.create(article=article, actor=by, from_status=article.status, to_status=to_status, reason=reason)
    article.status = to_status


def _queue_cover(article, *, force=False):
    from articles import tasks

    article_id, options = article.pk, ({"force": True} if force else {})
    transaction.on_commit(lambda: tasks.generate_cover.enqueue(article_id, **options))


@transaction.atomic
def create_draft(*, tags=(), **fields):
    """A new draft with the default disclaimers attached; its cover is drawn after commit, for previews."""
    article = Article.objects.create(status=Status.DRAFT, **fields)
    article.tags.set(tags)
    article.disclaimers.set(Disclaimer.objects.filter(is_default=True))
    _queue_cover(article)
    return article


@transaction.atomic
def add_draft(article, *, by=None):
    """Save a new, unsaved article an editor wrote in the admin, as a draft.

    Its tags and disclaimers are set by the caller (the admin form starts from the default disclaimers).
    """
    if article.pk is not None:
        raise ValueError("add_draft() saves new articles; use update_content() for existing ones.")
    if not slug_available(article.slug):
        raise SlugTaken(article.slug)
    article.status = Status.DRAFT
    article.published_at = None
    article.translation = None  # the caller links it with link_translation(), which writes both sides
    article.save()
    _queue_cover(article)
    return article


def slug_available(slug, *, article=None):
    """Whether `slug` may become `article`'s: no other article has it, now or as a former address."""
    others = Article.objects.filter(slug=slug)
    redirects = SlugRedirect.objects.filter(old_slug=slug)
    if article is not None and article.pk is not None:
        others = others.exclude(pk=article.pk)
        redirects = redirects.exclude(article_id=article.pk)
    return not others.exists() and not redirects.exists()


def _content_fields():
    return [f.name for f in Article._meta.concrete_fields
            if not f.primary_key and f.name not in WORKFLOW_FIELDS and f.name not in LINK_FIELDS]


@transaction.atomic
def update_content(article, *, by=None):
    """Save an editor's changes to an existing article, never its status or cover files.

    An article readers may have seen keeps answering at its old address: a changed slug leaves a
    SlugRedirect behind (drafts and scheduled articles change slugs freely). A generated cover is
    redrawn after commit when what it shows (title, category, language) changed.
    """
    current = _locked(article)
    if article.slug != current.slug:
        if not slug_available(article.slug, article=article):
            raise SlugTaken(article.slug)
        SlugRedirect.objects.filter(old_slug=article.slug, article=current).delete()  # moving back home
        if current.status in ONCE_PUBLIC:
            SlugRedirect.objects.update_or_create(old_slug=current.slug, defaults={"article": current})
    article.save(update_fields=_content_fields())
    for name in WORKFLOW_FIELDS:
        setattr(article, name, getattr(current, name))
    cover_inputs_changed = any(getattr(article, name) != getattr(current, name) for name in COVER_FIELDS)
    if article.cover_source == CoverSource.GENERATED and (cover_inputs_changed or not article.cover_hash):
        _queue_cover(article)
    return article


@transaction.atomic
def replace_cover(article, *, image, by=None):
    """Use an uploaded image (already cleaned by cover_files.clean_upload) as the cover, in every size.

    The old cover's files are deleted after commit; the page caption follows cover_source.
    """
    locked = _locked(article)
    cover_files.store_upload(locked, image)
    for name in ("cover_hash", "cover_source", "cover_original"):
        setattr(article, name, getattr(locked, name))
    transaction.on_commit(lambda: _delete_stale_covers(locked.pk))
    return article


@transaction.atomic
def regenerate_cover(article, *, by=None):
    """Draw a new variation of the computer-generated cover after commit.

    An uploaded replacement is dropped for generated art (its current variation: the art the article
    had before the upload). The old files are deleted once the new ones are drawn.
    """
    locked = _locked(article)
    if locked.cover_source != CoverSource.GENERATED:
        # No hash until the art is drawn: the page never shows an upload captioned as generated art.
        Article.objects.filter(pk=locked.pk).update(cover_source=CoverSource.GENERATED, cover_hash="", cover_original="")
        article.cover_source, article.cover_hash, article.cover_original = CoverSource.GENERATED, "", ""
    else:
        Article.objects.filter(pk=locked.pk).update(cover_variation=F("cover_variation") + 1)
        article.cover_variation = locked.cover_variation + 1
    _queue_cover(locked, force=True)
    return article


def category_changed(category):
    """Covers show their category's name and colour: redraw the category's generated covers after commit."""
    from articles import tasks

    transaction.on_commit(lambda: tasks.regenerate_category_covers.enqueue(category.pk))


def _delete_stale_covers(article_id):
    current = Article.objects.filter(pk=article_id).values_list("cover_hash", flat=True).first()
    if current:
        cover_files.delete_stale(article_id, keep={current})


def preview_token(article):
    """A signed token for a shareable preview link of `article`, valid for PREVIEW_LINK_MAX_AGE seconds."""
    return signing.dumps(article.pk, salt=PREVIEW_SALT)


def article_id_from_preview_token(token, *, max_age=None):
    """The article id a preview token was made for; PreviewLinkExpired or PreviewLinkInvalid otherwise."""
    max_age = settings.PREVIEW_LINK_MAX_AGE if max_age is None else max_age
    try:
        article_id = signing.loads(token, salt=PREVIEW_SALT, max_age=max_age)
    except signing.SignatureExpired as error:
        raise PreviewLinkExpired(token) from error
    except signing.BadSignature as error:
        raise PreviewLinkInvalid(token) from error
    if not isinstance(article_id, int):
        raise PreviewLinkInvalid(token)
    return article_id


@transaction.atomic
def publish(article, *, by=None, reason="", at=None):
    """Publish now. The first publication date is kept forever (restores and edits keep it)."""
    locked = _locked(article)
    _move(locked, "publish", by=by, reason=reason)
    locked.published_at = locked.published_at or at or timezone.now()
    locked.publish_at = None
    locked.save(update_fields=["status", "published_at", "publish_at", "updated_at"])
    _queue_cover(locked)
    article_id = locked.pk
    transaction.on_commit(lambda: signals.article_published.send(sender=Article, article_id=article_id))
    return locked


@transaction.atomic
def schedule(article, *, at, by=None, reason=""):
    locked = _locked(article)
    _move(locked, "schedule", by=by, reason=reason)
    locked.publish_at = at
    locked.save(update_fields=["status", "publish_at", "updated_at"])
    return locked


@transaction.atomic
def unschedule(article, *, by=None, reason=""):
    """Take a scheduled article back to draft; it will not be published by publish_due."""
    locked = _locked(article)
    _move(locked, "unschedule", by=by, reason=reason)
    locked.publish_at = None
    locked.save(update_fields=["status", "publish_at", "updated_at"])
    return locked


@transaction.atomic
def withdraw(article, *, by, reason):
    locked = _locked(article)
    _move(locked, "withdraw", by=by, reason=reason)
    locked.save(update_fields=["status", "updated_at"])
    return locked


@transaction.atomic
def disable(article, *, by, reason):
    locked = _locked(article)
    _move(locked, "disable", by=by, reason=reason)
    locked.save(update_fields=["status", "updated_at"])
    return locked


@transaction.atomic
def restore(article, *, by, reason):
    locked = _locked(article)
    _move(locked, "restore", by=by, reason=reason)
    locked.save(update_fields=["status", "updated_at"])
    return locked


def publish_due(*, now=None):
    """Publish every scheduled article whose time has come, dated its scheduled time (however late the
    run); safe to run every minute, and from two processes at once."""
    now = now or timezone.now()
    published = 0
    for article_id in Article.objects.filter(status=Status.SCHEDULED, publish_at__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            locked = _locked(Article(pk=article_id))
            if locked.status != Status.SCHEDULED or locked.publish_at is None or locked.publish_at > now:
                continue  # another run or an editor got there first, or the time was moved meanwhile
            publish(locked, reason="scheduled", at=locked.publish_at)
        published += 1
    return published


@transaction.atomic
def link_translation(article, translation, *, by):
    """Make `article` and `translation` each other's translation (one per language pair).

    Both rows point at each other. An older link of either story is dropped first, in the same
    transaction: the column is unique, and a third story must not keep pointing at one of them.
    """
    pair = {a.pk: a for a in Article.objects.select_for_update().filter(pk__in=[article.pk, translation.pk])}
    if article.pk == translation.pk or len(pair) != 2 or pair[article.pk].language == pair[translation.pk].language:
        raise TranslationRefused(f"Article {translation.pk} cannot be the translation of article {article.pk}.")
    if pair[article.pk].translation_id != translation.pk or pair[translation.pk].translation_id != article.pk:
        Article.objects.filter(Q(pk__in=list(pair)) | Q(translation__in=list(pair))).update(translation=None)
        Article.objects.filter(pk=article.pk).update(translation=translation)
        Article.objects.filter(pk=translation.pk).update(translation=article)
    article.translation, translation.translation = translation, article
    return article


@transaction.atomic
def unlink_translation(article, *, by):
    """`article` and its translation no longer point at each other."""
    Article.objects.filter(Q(pk=article.pk) | Q(translation=article.pk)).update(translation=None)
    article.translation = None
    return article
