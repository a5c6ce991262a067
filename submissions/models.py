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


# --- Copyright takedowns --------------------------------------------------------
# A TakedownCase is one copyright notice, from the web form or by email. Its status changes
# only in submissions/takedowns.py, which writes an append-only TakedownEvent for every move
# (and for every email sent or received, note and court action), so the timeline is complete.


class TakedownStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    NEEDS_INFO = "needs_info", _("Waiting for information")
    UNDER_REVIEW = "under_review", _("Under review")
    UPHELD = "upheld", _("Upheld: article disabled")
    DISMISSED = "dismissed", _("Dismissed")
    COUNTER_NOTICED = "counter_noticed", _("Counter-notice filed")
    RESTORED = "restored", _("Restored")
    CLOSED = "closed", _("Closed")


# Cases whose takedown stands: they count against the contributor (repeat-infringer policy).
TAKEDOWN_STANDING = (TakedownStatus.UPHELD, TakedownStatus.COUNTER_NOTICED, TakedownStatus.CLOSED)
TAKEDOWN_OPEN = (TakedownStatus.RECEIVED, TakedownStatus.NEEDS_INFO, TakedownStatus.UNDER_REVIEW)


class TakedownSource(models.TextChoices):
    WEB = "web", _("Web form")
    EMAIL = "email", _("Email")


class TakedownCounter(models.Model):
    """The last case number given out in a year; its row is locked while a number is taken."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("takedown case counter")
        verbose_name_plural = _("takedown case counters")

    def __str__(self):
        return f"{self.year}: {self.last}"


class TakedownCaseQuerySet(models.QuerySet):
    def against(self, user):
        """Cases that disabled one of the user's articles."""
        return self.filter(case_articles__article__author=user, case_articles__disabled=True).distinct()


class TakedownCase(models.Model):
    Status = TakedownStatus
    Source = TakedownSource

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    year = models.PositiveIntegerField(editable=False)
    number = models.PositiveIntegerField(editable=False)
    status = models.CharField(_("status"), max_length=20, choices=TakedownStatus.choices,
                              default=TakedownStatus.RECEIVED, db_index=True)
    source = models.CharField(_("received by"), max_length=10, choices=TakedownSource.choices)
    language = models.CharField(_("language for emails"), max_length=2, choices=Language.choices, default=Language.EN)

    # The complainant, as they gave it (the web form) or as the mail says (From / Reply-To).
    complainant_name = models.CharField(_("name"), max_length=200, blank=True)
    complainant_organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    complainant_address = models.TextField(_("postal address"), max_length=1000, blank=True)
    complainant_email = models.EmailField(_("email address"), max_length=254, blank=True, db_index=True)
    complainant_phone = models.CharField(_("phone"), max_length=50, blank=True)
    forwarded_from = models.EmailField(_("originally sent by"), max_length=254, blank=True,
                                       help_text=_("For a forwarded notice: the address of its original sender."))

    # The notice.
    work_description = models.TextField(_("copyrighted work"), max_length=5000, blank=True)
    reported_urls = models.TextField(_("reported addresses"), blank=True, help_text=_("One per line, as reported."))
    good_faith_statement = models.BooleanField(_("good-faith statement"), default=False)
    accuracy_statement = models.BooleanField(_("accuracy statement under penalty of perjury"), default=False)
    signature = models.CharField(_("electronic signature"), max_length=200, blank=True)
    missing_elements = models.JSONField(_("missing elements"), default=list, blank=True,
                                        help_text=_("What the notice lacked when it arrived."))
    articles = models.ManyToManyField(Article, through="TakedownCaseArticle", related_name="takedown_cases",
                                      verbose_name=_("articles"), blank=True)

    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    # Counter-notice: the articles come back after this moment unless the complainant went to court.
    restore_after = models.DateTimeField(_("restore after"), null=True, blank=True)
    court_action = models.BooleanField(_("complainant went to court"), default=False)

    objects = TakedownCaseQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("takedown case")
        verbose_name_plural = _("takedown cases")
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], name="takedown_unique_number"),
        ]
        indexes = [
            models.Index(fields=["status", "restore_after"], name="takedown_restore_idx"),
        ]

    def __str__(self):
        return self.reference

    def get_absolute_url(self):
        return reverse("submissions:takedown_case", kwargs={"reference": self.reference})

    @staticmethod
    def make_reference(year, number):
        return f"TD-{year}-{number:05d}"

    @property
    def is_open(self):
        return self.status in TAKEDOWN_OPEN

    @property
    def is_complete(self):
        return not self.missing_elements

    @property
    def reported_url_list(self):
        return [line.strip() for line in self.reported_urls.splitlines() if line.strip()]


class TakedownCaseArticle(models.Model):
    """An article a case is about; `disabled` when this case's uphold disabled it."""

    case = models.ForeignKey(TakedownCase, on_delete=models.CASCADE, related_name="case_articles")
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="takedown_links",
                                verbose_name=_("article"))
    url = models.CharField(_("reported address"), max_length=500, blank=True)
    disabled = models.BooleanField(_("disabled by this case"), default=False)
    added_at = models.DateTimeField(_("linked"), default=timezone.now)

    class Meta:
        ordering = ["added_at", "id"]
        verbose_name = _("article in a case")
        verbose_name_plural = _("articles in cases")
        constraints = [models.UniqueConstraint(fields=["case", "article"], name="takedown_article_once")]

    def __str__(self):
        return f"{self.case_id} → {self.article_id}"


def _no_raw():
    return b""


class TakedownMessage(AppendOnly):
    """One email on a case, in or out. An incoming one keeps its raw bytes (attachments included).

    immutable_message = "Messages on a case are kept as they arrived or were sent."

    The Message-ID is unique: the database, not the intake's reading, makes intake idempotent.
    """

    class Direction(models.TextChoices):
        IN = "in", _("Received")
        OUT = "out", _("Sent")

    case = models.ForeignKey(TakedownCase, on_delete=models.PROTECT, related_name="messages")
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    synthetic_message_id = models.BooleanField(_("Message-ID made up by us"), default=False)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=255, blank=True)
    references = models.TextField(_("References"), blank=True)
    from_name = models.CharField(_("from (name)"), max_length=200, blank=True)
    from_address = models.CharField(_("from"), max_length=254, blank=True)
    to_addresses = models.TextField(_("to"), blank=True)
    subject = models.CharField(_("subject"), max_length=998, blank=True)
    text = models.TextField(_("text"), blank=True)
    template = models.CharField(_("email template"), max_length=60, blank=True)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.EN)
    date = models.DateTimeField(_("date in the message"), null=True, blank=True)
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)
    auto_submitted = models.BooleanField(_("automatic message"), default=False)
    held = models.BooleanField(_("held for staff"), default=False,
                               help_text=_("Not from the complainant: kept on the case without acting on it."))
    source_id = models.CharField(_("read from"), max_length=500, blank=True)
    raw = models.BinaryField(_("original message"), default=_no_raw, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    attachments = models.JSONField(_("attachments"), default=list, blank=True,
                                   help_text=_("Name, type and size of each attachment in the original message."))
    defects = models.JSONField(_("repairs made while reading"), default=list, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("takedown message")
        verbose_name_plural = _("takedown messages")
        indexes = [
            models.Index(fields=["case", "created_at"], name="takedown_message_case_idx"),
            # Automatic emails sent in the last window, counted per address (notifications.auto_reply_allowed).
            models.Index(fields=["direction", "auto_submitted", "created_at"], name="takedown_message_auto_idx"),
        ]

    def __str__(self):
        return self.subject or self.message_id


class TakedownAttachment(AppendOnly):
    """An attachment of an incoming message, decoded once when it arrived: a download reads these bytes
    alone, never the whole message parsed again (which a message of many parts would make costly)."""

    immutable_message = "Messages on a case are kept as they arrived or were sent."

    message = models.ForeignKey(TakedownMessage, on_delete=models.PROTECT, related_name="attachment_files")
    position = models.PositiveIntegerField(_("position"))  # its index in message.attachments
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(_("type"), max_length=100, blank=True)
    data = models.BinaryField(_("content"))

    class Meta:
        ordering = ["message", "position"]
        verbose_name = _("takedown message attachment")
        verbose_name_plural = _("takedown message attachments")
        constraints = [models.UniqueConstraint(fields=["message", "position"], name="takedown_attachment_unique")]

    def __str__(self):
        return self.filename


class TakedownEvent(AppendOnly):
    """Append-only log of a case: status moves, emails, notes, court action. Never edited or deleted."""

    immutable_message = "The takedown log is append-only."

    class Kind(models.TextChoices):
        STATUS = "status", _("Status change")
        EMAIL_IN = "email_in", _("Email received")
        EMAIL_OUT = "email_out", _("Email sent")
        ARTICLES = "articles", _("Articles linked")
        COURT = "court", _("Court action recorded")
        NOTE = "note", _("Note")

    case = models.ForeignKey(TakedownCase, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.STATUS)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("actor"),
    )
    from_status = models.CharField(_("from"), max_length=20, choices=TakedownStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=TakedownStatus.choices, blank=True)
    reason = models.TextField(_("reason or message"), blank=True)
    message = models.ForeignKey(TakedownMessage, on_delete=models.PROTECT, null=True, blank=True, related_name="events")
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("takedown event")
        verbose_name_plural = _("takedown events")
        indexes = [
            models.Index(fields=["case", "created_at"], name="takedown_event_case_idx"),
            models.Index(fields=["kind", "to_status", "created_at"], name="takedown_event_stats_idx"),
        ]

    def __str__(self):
        if self.kind == self.Kind.STATUS:
            return f"{self.case_id}: {self.from_status or '∅'} → {self.to_status}"
        return f"{self.case_id}: {self.kind}"



class CounterNotice(models.Model):
    """The contributor's answer to an upheld case (or one staff received another way and recorded)."""

    case = models.OneToOneField(TakedownCase, on_delete=models.PROTECT, related_name="counter_notice")
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="counter_notices",
        verbose_name=_("filed by"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("recorded by staff"),
    )
    material = models.TextField(_("material removed and where it appeared"), max_length=5000, blank=True)
    explanation = models.TextField(_("explanation"), max_length=5000, blank=True)
    mistake_statement = models.BooleanField(_("statement under penalty of perjury of a mistake"), default=False)
    name = models.CharField(_("name"), max_length=200, blank=True)
    address = models.TextField(_("address"), max_length=1000, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("email address"), max_length=254, blank=True)
    jurisdiction_consent = models.BooleanField(_("consent to jurisdiction"), default=False)
    signature = models.CharField(_("electronic signature"), max_length=200, blank=True)
    text = models.TextField(_("counter-notice as received"), blank=True,
                            help_text=_("When staff record a counter-notice that arrived by post or email."))
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.EN)
    filed_at = models.DateTimeField(_("filed"), default=timezone.now)

    class Meta:
        verbose_name = _("counter-notice")
        verbose_name_plural = _("counter-notices")

    def __str__(self):
        return f"{self.case_id}: {self.name or self.filed_by_id or '—'}"


class QuarantinedMail(models.Model):
    """Mail the intake could not turn into a case or a reply: kept whole, with the reason, for a person."""

    raw = models.BinaryField(_("original bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True, editable=False)
    reason = models.TextField(_("reason"))
    source_id = models.CharField(_("read from"), max_length=500, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    received_at = models.DateTimeField(_("set aside"), default=timezone.now, db_index=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("quarantined mail")
        verbose_name_plural = _("quarantined mail")

    def __str__(self):
        return f"{self.received_at:%Y-%m-%d %H:%M} · {self.reason[:60]}"
