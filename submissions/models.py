"""What contributors send in and what moderators decide about it.

A Submission is the contributor's working copy; every time it is sent for review its
content is frozen into a new, immutable Revision. Its status changes only in
submissions/moderation.py, and every change writes an append-only ModerationEvent.
"""

import re
import unicodedata
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.models import Article, Category, Language


class Status(models.TextChoices):
    UNCONFIRMED = "unconfirmed", _("Waiting for email confirmation")
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Waiting for review")
    IN_REVIEW = "in_review", _("In review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    APPEALED = "appealed", _("Appealed")
    # The contributor's account was deleted before a decision (newsroom/privacy.py): never reviewed.
    WITHDRAWN = "withdrawn", _("Withdrawn (account deleted)")


class Channel(models.TextChoices):
    """How a submission reached us (shown to moderators)."""

    WEB = "web", _("Web form")
    EMAIL = "email", _("Email")


WAITING = (Status.UNCONFIRMED, Status.SUBMITTED, Status.IN_REVIEW, Status.APPEALED)
QUEUE = (Status.SUBMITTED, Status.IN_REVIEW, Status.APPEALED)


def normalize_title(title: str) -> str:
    """Case-, accent-, punctuation- and spacing-insensitive form of a title, for duplicate checks."""
    text = unicodedata.normalize("NFKC", title or "").casefold()
    text = unicodedata.normalize("NFC", "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)))
    return " ".join(re.findall(r"[^\W_]+", text))[:200]


def normalize_url(url: str) -> str:
    """A source URL without scheme, `www.`, fragment, tracking parameters or trailing slash."""
    parts = urlsplit((url or "").strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    query = "&".join(
        sorted(p for p in parts.query.split("&") if p and not p.lower().startswith(("utm_", "fbclid=", "gclid=")))
    )
    normalized = host + parts.path.rstrip("/") + (f"?{query}" if query else "")
    return normalized[:500]


def image_upload_to(submission, filename):
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"submissions/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"


class SubmissionQuerySet(models.QuerySet):
    def owned_by(self, user):
        return self.filter(contributor=user)

    def waiting(self):
        return self.filter(status__in=WAITING)

    def in_queue(self):
        return self.filter(status__in=QUEUE)


class Submission(models.Model):
    Status = Status
    Channel = Channel

    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    contributor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="submissions",
        verbose_name=_("contributor"),
    )
    guest_name = models.CharField(_("guest name"), max_length=100, blank=True)
    guest_email = models.EmailField(_("guest email address"), blank=True, db_index=True)
    contact_language = models.CharField(
        _("language for emails"), max_length=2, choices=Language.choices, default=Language.EN,
    )
    channel = models.CharField(_("sent by"), max_length=10, choices=Channel.choices, default=Channel.WEB,
                               editable=False)

    # The working copy: what the contributor edits. Revisions freeze it.
    title = models.CharField(_("title"), max_length=200)
    title_key = models.CharField(max_length=200, blank=True, editable=False, db_index=True)
    summary = models.TextField(_("summary"), max_length=500, blank=True)
    body = models.TextField(_("body (Markdown)"), blank=True)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="submissions", verbose_name=_("category"),
    )
    tags = models.CharField(_("tags"), max_length=600, blank=True, help_text=_("Comma-separated."))
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.EN)
    sources = models.TextField(_("sources"), blank=True, help_text=_("One URL per line."))
    no_sources = models.BooleanField(_("relies on no outside source"), default=False)
    translation_of = models.ForeignKey(
        Article, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("translation of"), help_text=_("The published story this one translates."),
    )
    image = models.ImageField(_("image"), upload_to=image_upload_to, blank=True)
    image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)

    # Review state, changed only by submissions/moderation.py.
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="claimed_submissions",
        verbose_name=_("claimed by"),
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    claim_expires_at = models.DateTimeField(_("claim expires at"), null=True, blank=True)
    under_appeal = models.BooleanField(_("under appeal"), default=False)
    appealed_at = models.DateTimeField(_("appealed at"), null=True, blank=True)
    article = models.OneToOneField(
        "articles.Article", null=True, blank=True, on_delete=models.SET_NULL, related_name="submission",
        verbose_name=_("article"),
    )

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    submitted_at = models.DateTimeField(_("in the queue since"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="submission_queue_idx"),
            models.Index(fields=["contributor", "status"], name="submission_contributor_idx"),
            models.Index(fields=["status", "claim_expires_at"], name="submission_claim_idx"),
        ]
        constraints = [
            # A claim lives in one column (one holder) and only while the submission is in review.
            models.CheckConstraint(
                condition=(Q(status=Status.IN_REVIEW) & Q(claim_expires_at__isnull=False))
                | (~Q(status=Status.IN_REVIEW) & Q(claimed_by__isnull=True) & Q(claim_expires_at__isnull=True)),
                name="submission_claim_only_in_review",
            ),
            models.CheckConstraint(
                condition=Q(contributor__isnull=False) | ~Q(guest_email=""),
                name="submission_has_a_contact",
            ),
        ]

    def __str__(self):
        return self.title or f"#{self.pk}"

    def save(self, *args, **kwargs):
        self.title_key = normalize_title(self.title)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "title_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("submissions:detail", kwargs={"pk": self.pk})

    def get_review_url(self):
        return reverse("submissions:review", kwargs={"pk": self.pk})

    @property
    def is_guest(self):
        return self.contributor_id is None

    @property
    def contact_email(self):
        return self.contributor.email if self.contributor_id else self.guest_email

    @property
    def contributor_name(self):
        if self.contributor_id:
            profile = getattr(self.contributor, "profile", None)
            return profile.display_name if profile else self.contributor.get_username()
        return self.guest_name

    @property
    def tag_list(self):
        return [tag for tag in (part.strip() for part in self.tags.split(",")) if tag]

    @property
    def source_list(self):
        return [line.strip() for line in self.sources.splitlines() if line.strip()]

    @property
    def is_editable(self):
        return self.status in (Status.DRAFT, Status.CHANGES_REQUESTED)

    @property
    def stage(self):
        """What the contributor is shown: the status, or for an approved story where its article stands.

        "approved" while the article waits for the editors; then "scheduled", "published", "withdrawn" or "disabled".
        """
        if self.status != Status.APPROVED or self.article is None:
            return self.status
        if self.article.is_public:
            return Article.Status.PUBLISHED
        if self.article.status == Article.Status.PUBLISHED:
            return Article.Status.SCHEDULED  # published with a date still to come
        return Status.APPROVED if self.article.status == Article.Status.DRAFT else self.article.status

    def get_stage_display(self):
        stage = self.stage
        # An approved story's stage is its article's status ("withdrawn" there is the editors', not ours).
        return Status(stage).label if stage == self.status else Article.Status(stage).label

    @property
    def can_appeal(self):
        return self.status == Status.REJECTED and self.appealed_at is None

    def claim_is_active(self, now=None):
        return bool(
            self.status == Status.IN_REVIEW and self.claimed_by_id
            and self.claim_expires_at and self.claim_expires_at > (now or timezone.now())
        )


class SourceLink(models.Model):
    """A submission's source URLs, normalised and indexed for duplicate detection."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="source_links")
    url = models.URLField(max_length=500)
    normalized = models.CharField(max_length=500, db_index=True)

    class Meta:
        verbose_name = _("source link")
        verbose_name_plural = _("source links")

    def __str__(self):
        return self.url


class ImmutableError(Exception):
    pass


class AppendOnly(models.Model):
    """A record that is written once: saving it again or deleting it raises ImmutableError."""

    immutable_message = "This record is append-only."

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableError(self.immutable_message)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError(self.immutable_message)


class Revision(AppendOnly):
    """The content of a submission as it was sent for review. Never changes once written."""

    immutable_message = "Revisions are immutable; send a new one instead."

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField(_("revision"))
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), max_length=500)
    body = models.TextField(_("body (Markdown)"))
    body_html = models.TextField(_("body (sanitized HTML)"))
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+", verbose_name=_("category"))
    tags = models.CharField(_("tags"), max_length=600, blank=True)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    sources = models.TextField(_("sources"), blank=True)
    no_sources = models.BooleanField(_("relies on no outside source"), default=False)
    translation_of = models.ForeignKey(
        Article, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("translation of"),
    )
    image = models.ImageField(_("image"), upload_to=image_upload_to, blank=True)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        ordering = ["submission", "number"]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        constraints = [models.UniqueConstraint(fields=["submission", "number"], name="revision_unique_number")]

    def __str__(self):
        return f"{self.submission_id} r{self.number}"


    @property
    def tag_list(self):
        return [tag for tag in (part.strip() for part in self.tags.split(",")) if tag]

    @property
    def source_list(self):
        return [line.strip() for line in self.sources.splitlines() if line.strip()]


class ModerationEvent(AppendOnly):
    """Append-only log: who moved which submission from what to what, when and why."""

    immutable_message = "The moderation log is append-only."

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="events")
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, null=True, blank=True, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("actor"),
    )
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("moderation event")
        verbose_name_plural = _("moderation events")
        indexes = [models.Index(fields=["submission", "created_at"], name="modevent_submission_idx")]

    def __str__(self):
        return f"#{self.submission_id}: {self.from_status or '∅'} → {self.to_status}"



class Flag(models.Model):
    """A reader's report of a problem with a published article; moderators resolve it."""

    class Reason(models.TextChoices):
        SPAM = "spam", _("Spam or advertising")
        INACCURATE = "inaccurate", _("Inaccurate or misleading")
        OFFENSIVE = "offensive", _("Offensive or abusive")
        BROKEN_LINK = "broken_link", _("Broken link")
        OTHER = "other", _("Something else")

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="flags", verbose_name=_("article"))
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("reporter"),
    )
    created_at = models.DateTimeField(_("reported"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("resolved by"),
    )
    resolution = models.TextField(_("resolution"), blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        indexes = [models.Index(fields=["resolved_at", "created_at"], name="flag_open_idx")]

    def __str__(self):
        return f"{self.get_reason_display()}: {self.article_id}"

    @property
    def is_open(self):
        return self.resolved_at is None


def _no_raw():
    """The default of TakedownMessage.raw, which submissions/migrations/0002_takedowns.py names."""
    return b""
