"""The Submission workflow: the only code that changes `Submission.status`.

    draft → submitted → in_review → approved | changes_requested | rejected
    changes_requested → submitted            (the contributor resubmits: a new Revision)
    in_review → submitted                    (release, or the claim expires)
    unconfirmed → submitted                  (a guest clicks the emailed link)
    rejected → appealed → in_review          (once; reviewed by a different moderator)
    any status before a decision → withdrawn (the contributor's account is deleted: submissions/privacy.py)

An appeal that is released (or whose claim expires) goes back to `appealed`, so it
keeps its place and its "different moderator" rule. Every move is atomic, refuses a
move from the wrong status, and writes a ModerationEvent. Claims are exclusive: the
row is locked (PostgreSQL) and the status change is a conditional UPDATE (any database),
so of two moderators claiming at once exactly one wins.
"""

from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from articles import publishing, text
from articles.models import Article, AuthorProfile, Tag
from submissions import notifications, roles
from newsroom.workflow import Step, exits
from submissions.models import Flag, ModerationEvent, Revision, Status, Submission

# The workflow's one table: each transition function below names its step, and _move refuses a
# start status the step does not list (a story under review cannot be "appealed", nor confirmed by
# a guest's link), even where another step reaches the same target from there.
STEPS = {
    "submit": Step({Status.DRAFT}, Status.SUBMITTED),
    "confirm_email": Step({Status.UNCONFIRMED}, Status.SUBMITTED),
    "resubmit": Step({Status.CHANGES_REQUESTED}, Status.SUBMITTED),
    "claim": Step({Status.SUBMITTED, Status.APPEALED}, Status.IN_REVIEW),
    "release": Step({Status.IN_REVIEW}, Status.SUBMITTED),
    "release_appeal": Step({Status.IN_REVIEW}, Status.APPEALED),  # an appeal keeps its place and its rule
    "approve": Step({Status.IN_REVIEW}, Status.APPROVED),
    "request_changes": Step({Status.IN_REVIEW}, Status.CHANGES_REQUESTED),
    "reject": Step({Status.IN_REVIEW}, Status.REJECTED),
    "appeal": Step({Status.REJECTED}, Status.APPEALED),
    # Everything not yet decided, when its contributor deletes their account; decided stories keep their status.
    "withdraw": Step({Status.DRAFT, Status.UNCONFIRMED, Status.SUBMITTED, Status.IN_REVIEW, Status.CHANGES_REQUESTED,
                      Status.APPEALED}, Status.WITHDRAWN),
}
ALLOWED = exits(STEPS, Status)
DECISIONS = (Status.APPROVED, Status.CHANGES_REQUESTED, Status.REJECTED)
_CLEAR_CLAIM = {"claimed_by": None, "claimed_at": None, "claim_expires_at": None}


class ModerationError(Exception):
    """A refused action; `message` is for people."""

    message = _("This action is not possible right now.")

    def __init__(self, message=None):
        if message is not None:
            self.message = message
        super().__init__(str(self.message))


class IllegalTransition(ModerationError):
    def __init__(self, submission, to_status):
        self.submission = submission
        self.from_status = submission.status
        self.to_status = to_status
        super().__init__(
            _("This submission is “%(status)s” and cannot be moved to “%(to)s”.")
            % {"status": Status(submission.status).label, "to": Status(to_status).label}
        )


class ClaimConflict(ModerationError):
    message = _("Another moderator has already claimed this submission.")


class NotClaimHolder(ModerationError):
    message = _("Claim this submission before acting on it.")


class ClaimExpired(ModerationError):
    message = _("Your claim on this submission has expired. Claim it again to continue.")


class NotAllowed(ModerationError):
    message = _("You are not allowed to do this.")


class ReasonRequired(ModerationError):
    message = _("Give a reason: the contributor will read it.")


def can(step, submission) -> bool:
    """Whether `step` may start from the submission's current status."""
    return submission.status in STEPS[step].sources


def is_moderator(user) -> bool:
    return roles.has_role(user, settings.MODERATORS_GROUP)


def claim_duration() -> timedelta:
    return timedelta(minutes=settings.SUBMISSION_CLAIM_MINUTES)


def _locked(submission) -> Submission:
    return Submission.objects.select_for_update().get(pk=submission.pk)


def _latest_revision(submission):
    return submission.revisions.order_by("-number").first()


def _move(submission, step, *, by, reason="", revision=None, now=None, **fields) -> ModerationEvent:
    """Refuse a step from a status it does not start from, apply it with a conditional UPDATE, and log it."""
    from_status, to_status = submission.status, STEPS[step].target
    if from_status not in STEPS[step].sources:
        raise IllegalTransition(submission, to_status)
    now = now or timezone.now()
    updated = Submission.objects.filter(pk=submission.pk, status=from_status).update(
        status=to_status, updated_at=now, **fields
    )
    if updated != 1:  # someone else moved it between our read and our write
        raise ClaimConflict() if to_status == Status.IN_REVIEW else IllegalTransition(submission, to_status)
    for name, value in fields.items():
        setattr(submission, name, value)
    submission.status = to_status
    submission.updated_at = now
    return ModerationEvent.objects.create(
        submission=submission, revision=revision, actor=by if getattr(by, "pk", None) else None,
        from_status=from_status, to_status=to_status, reason=reason.strip(), created_at=now,
    )


def _require_reason(reason):
    if not (reason or "").strip():
        raise ReasonRequired()
    return reason.strip()


def _snapshot(submission, now) -> Revision:
    """Freeze the working copy into the next immutable revision."""
    last = submission.revisions.order_by("-number").values_list("number", flat=True).first() or 0
    return Revision.objects.create(
        submission=submission, number=last + 1, title=submission.title, summary=submission.summary,
        body=submission.body, body_html=text.render_markdown(submission.body), category=submission.category,
        tags=submission.tags, language=submission.language, sources=submission.sources,
        no_sources=submission.no_sources, image=submission.image.name if submission.image else "",
        translation_of_id=submission.translation_of_id, created_at=now,
    )


# --- Contributors -----------------------------------------------------------

@transaction.atomic
def start(submission: Submission, *, guest: bool = False, now: datetime | None = None) -> Submission:
    """Save a new submission: a contributor's draft, or a guest's `unconfirmed` story with its first revision."""
    if submission.pk is not None:
        raise IllegalTransition(submission, Status.UNCONFIRMED if guest else Status.DRAFT)
    now = now or timezone.now()
    submission.status = Status.UNCONFIRMED if guest else Status.DRAFT
    submission.save()
    revision = _snapshot(submission, now) if guest else None
    ModerationEvent.objects.create(
        submission=submission, revision=revision, actor=submission.contributor, from_status="",
        to_status=submission.status, created_at=now,
    )
    return submission


def _check_owner(submission, by, guest_email=""):
    """`by` owns the submission; a guest (by=None) proves it with the address from their signed link."""
    if by is not None:
        if not getattr(by, "is_authenticated", False) or submission.contributor_id != by.pk:
            raise NotAllowed()
    elif not submission.is_guest or not guest_email or guest_email.lower() != submission.guest_email.lower():
        raise NotAllowed()


@transaction.atomic
def submit(submission: Submission, *, by, now: datetime | None = None) -> Revision:
    """Send a draft for review: its content becomes revision 1."""
    locked = _locked(submission)
    _check_owner(locked, by)
    if not can("submit", locked):  # checked before the snapshot: a refused step leaves no revision
        raise IllegalTransition(locked, Status.SUBMITTED)
    now = now or timezone.now()
    revision = _snapshot(locked, now)
    _move(locked, "submit", by=by, revision=revision, now=now, submitted_at=now)
    return revision


@transaction.atomic
def resubmit(submission: Submission, *, by, note: str = "", guest_email: str = "",
             now: datetime | None = None) -> Revision:
    """Send the changes a moderator asked for: a new immutable revision goes back into the queue."""
    locked = _locked(submission)
    _check_owner(locked, by, guest_email)
    if not can("resubmit", locked):
        raise IllegalTransition(locked, Status.SUBMITTED)
    now = now or timezone.now()
    revision = _snapshot(locked, now)
    _move(locked, "resubmit", by=by, reason=note, revision=revision, now=now, submitted_at=now)
    return revision


@transaction.atomic
def confirm_email(submission: Submission, *, contributor=None, now: datetime | None = None) -> Submission:
    """A guest clicked the emailed link: the story enters the queue.

    `contributor`: the account whose confirmed address sent this story by email; the story is filed under it
    (the event names it as the actor).
    """
    locked = _locked(submission)
    now = now or timezone.now()
    fields = {"contributor": contributor} if contributor is not None else {}
    _move(locked, "confirm_email", by=contributor, now=now, revision=_latest_revision(locked), submitted_at=now,
          **fields)
    return locked


@transaction.atomic
def appeal(submission: Submission, *, by, reason: str, guest_email: str = "", now: datetime | None = None) -> Submission:
    """A rejected contributor asks, once, for a second opinion from a different moderator.

    `by` is the contributor; a guest (by=None) proves ownership with `guest_email` from a signed link.
    """
    reason = _require_reason(reason)
    locked = _locked(submission)
    _check_owner(locked, by, guest_email)
    if locked.status == Status.REJECTED and locked.appealed_at is not None:
        raise NotAllowed(_("A decision can be appealed only once."))
    now = now or timezone.now()
    _move(locked, "appeal", by=by, reason=reason, now=now, revision=_latest_revision(locked),
          under_appeal=True, appealed_at=now, submitted_at=now)
    return locked


@transaction.atomic
def withdraw(submission: Submission, *, by, reason: str, now: datetime | None = None) -> Submission:
    """Take an undecided submission out of review for good (its contributor's account is being deleted).

    `by` is the contributor (or None when an administrator deletes the account: the event then has no actor).
    A claim held on it ends with it.
    """
    locked = _locked(submission)
    if by is not None:
        _check_owner(locked, by)
    now = now or timezone.now()
    _move(locked, "withdraw", by=by, reason=reason, now=now, revision=_latest_revision(locked), **_CLEAR_CLAIM)
    return locked


# --- Moderators -------------------------------------------------------------

def _check_moderator(user):
    if not is_moderator(user):
        raise NotAllowed(_("Only moderators can do this."))


def rejected_by(submission):
    """The moderator whose rejection is being appealed (None if unknown)."""
    event = submission.events.filter(to_status=Status.REJECTED).order_by("-created_at", "-id").first()
    return event.actor_id if event else None


def _release_step(locked):
    return "release_appeal" if locked.under_appeal else "release"


def _expire(locked, now):
    return _move(locked, _release_step(locked), by=None, now=now, **_CLEAR_CLAIM)  # no actor: "claim expired"


def is_own(submission, user) -> bool:
    """Whether `user` sent `submission`: from their account, or as a guest with their account's address
    (accounts confirm their address before they can sign in, so it is theirs)."""
    if submission.contributor_id is not None:
        return submission.contributor_id == user.pk
    address = (getattr(user, "email", "") or "").strip().casefold()
    return bool(address) and submission.guest_email.strip().casefold() == address


@transaction.atomic
def claim(submission: Submission, *, by, now: datetime | None = None) -> Submission:
    """Take a queued submission (or an appeal) for review; exclusive until released, decided or expired."""
    _check_moderator(by)
    now = now or timezone.now()
    locked = _locked(submission)
    if locked.status == Status.IN_REVIEW:
        if locked.claim_is_active(now):
            if locked.claimed_by_id == by.pk:
                return locked
            raise ClaimConflict()
        _expire(locked, now)
    if not can("claim", locked):
        raise IllegalTransition(locked, Status.IN_REVIEW)
    if is_own(locked, by):
        raise NotAllowed(_("You cannot review your own submission."))
    if locked.status == Status.APPEALED and rejected_by(locked) == by.pk:
        raise NotAllowed(_("An appeal is reviewed by a different moderator than the one who rejected it."))
    _move(locked, "claim", by=by, now=now, revision=_latest_revision(locked),
          claimed_by=by, claimed_at=now, claim_expires_at=now + claim_duration())
    return locked


def _check_holder(locked, by, now):
    _check_moderator(by)
    if locked.status != Status.IN_REVIEW:
        raise IllegalTransition(locked, Status.SUBMITTED)
    if locked.claimed_by_id != by.pk:
        raise NotClaimHolder()
    if not locked.claim_is_active(now):
        raise ClaimExpired()


@transaction.atomic
def release(submission: Submission, *, by, reason: str = "", now: datetime | None = None) -> Submission:
    """Give a claimed submission back to the queue (an appeal goes back to `appealed`)."""
    now = now or timezone.now()
    locked = _locked(submission)
    _check_holder(locked, by, now)
    _move(locked, _release_step(locked), by=by, reason=reason, now=now, revision=_latest_revision(locked),
          **_CLEAR_CLAIM)
    return locked


def expire_claims(*, now: datetime | None = None) -> int:
    """Return every submission whose claim has lapsed to the queue. Cheap when there is none."""
    now = now or timezone.now()
    expired = 0
    stale = Submission.objects.filter(status=Status.IN_REVIEW, claim_expires_at__lte=now).values_list("pk", flat=True)
    for pk in list(stale[:500]):
        with transaction.atomic():
            locked = Submission.objects.select_for_update().filter(pk=pk).first()
            if locked and locked.status == Status.IN_REVIEW and not locked.claim_is_active(now):
                _expire(locked, now)
                expired += 1
    return expired


def _decide(submission, step, *, by, reason, now, build_uri, with_article=False):
    now = now or timezone.now()
    locked = _locked(submission)
    _check_holder(locked, by, now)
    revision = _latest_revision(locked)
    fields = {"article": draft_article(locked, revision, by=by)} if with_article else {}
    event = _move(locked, step, by=by, reason=reason, now=now, revision=revision,
                  under_appeal=False, decided_at=now, **_CLEAR_CLAIM, **fields)
    notifications.decision_made(locked, event, build_uri=build_uri)
    return locked


@transaction.atomic
def approve(submission: Submission, *, by, reason: str = "", now: datetime | None = None, build_uri=None) -> Article:
    """Accept the latest revision: an Article draft, linked to the submission, waits for editors."""
    return _decide(submission, "approve", by=by, reason=reason, now=now, build_uri=build_uri,
                   with_article=True).article


@transaction.atomic
def request_changes(submission: Submission, *, by, reason: str, now: datetime | None = None,
                    build_uri=None) -> Submission:
    return _decide(submission, "request_changes", by=by, reason=_require_reason(reason), now=now,
                   build_uri=build_uri)


@transaction.atomic
def reject(submission: Submission, *, by, reason: str, now: datetime | None = None, build_uri=None) -> Submission:
    return _decide(submission, "reject", by=by, reason=_require_reason(reason), now=now, build_uri=build_uri)


# --- From an approved revision to an Article draft ------------------------------

def _author_for(submission):
    """The contributor; for a guest, the account with that (confirmed) address, or a new inactive one."""
    if submission.contributor_id:
        author = submission.contributor
    else:
        User = get_user_model()
        author = User.objects.filter(email__iexact=submission.guest_email).order_by("pk").first()
        if author is None:
            base = slugify(submission.guest_email.split("@")[0])[:20] or "guest"
            username, n = f"guest-{base}", 1
            while User.objects.filter(username=username).exists():
                n += 1
                username = f"guest-{base}-{n}"
            author = User.objects.create_user(username=username, email=submission.guest_email, is_active=False)
            # Unconfirmed, so that the account awaits its owner: a password reset to this address opens it.
            EmailAddress.objects.create(user=author, email=author.email.lower(), primary=True, verified=False)
    AuthorProfile.objects.get_or_create(user=author, defaults={"display_name": submission.contributor_name or author.get_username()})
    return author


def _unique_slug(title, fallback):
    base = slugify(title, allow_unicode=True)[:200].strip("-") or fallback
    slug, n = base, 1
    while Article.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base[:200]}-{n}"
    return slug


def _tags(names):
    tags = []
    for name in names:
        tag = Tag.objects.filter(name__iexact=name).first()
        if tag is None:
            slug = slugify(name, allow_unicode=True)[:70] or "tag"
            candidate, n = slug, 1
            while Tag.objects.filter(slug=candidate).exists():
                n += 1
                candidate = f"{slug}-{n}"
            tag = Tag.objects.create(name=name[:60], slug=candidate)
        tags.append(tag)
    return tags


def draft_article(submission, revision, *, by=None) -> Article:
    article = publishing.create_draft(
        title=revision.title, slug=_unique_slug(revision.title, f"story-{submission.pk}"),
        language=revision.language, summary=revision.summary, body=revision.body,
        category=revision.category, author=_author_for(submission), tags=_tags(revision.tag_list),
        contributor_photo=revision.image.name if revision.image else "",  # offered as the cover; art stays until chosen
    )
    original = revision.translation_of
    # A link the editors already made is theirs to replace (in the admin): readers would lose a published
    # translation for a draft.
    if original is not None and original.translation_id is None and original.language != article.language:
        publishing.link_translation(article, original, by=by)
    return article


# --- Reader flags ---------------------------------------------------------------

@transaction.atomic
def resolve_flag(flag, *, by, resolution: str = "", now: datetime | None = None):
    """Close a reader's flag; who, when and how is kept on the flag."""
    _check_moderator(by)
    now = now or timezone.now()
    updated = Flag.objects.filter(pk=flag.pk, resolved_at__isnull=True).update(
        resolved_at=now, resolved_by=by, resolution=(resolution or "").strip()
    )
    if updated != 1:
        raise NotAllowed(_("This report has already been resolved."))
    flag.refresh_from_db()
    return flag
