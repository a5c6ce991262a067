"""Copyright takedowns: cases, their articles, messages, attachments, log and counter-notices.

The tables keep the names they had when these models lived in the submissions app
(`Meta.db_table`), so moving the app moved no data.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.models import Article, Language
from newsroom.models import InboundMessage
from submissions.models import AppendOnly

# --- Copyright takedowns --------------------------------------------------------
# A TakedownCase is one copyright notice, from the web form or by email. Its status changes
# only in submissions/takedowns/workflow.py, which writes an append-only TakedownEvent for every move
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
        db_table = "submissions_takedowncounter"  # its name from before the move
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
        db_table = "submissions_takedowncase"  # its name from before the move
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
        return reverse("takedowns:case", kwargs={"reference": self.reference})

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
        db_table = "submissions_takedowncasearticle"  # its name from before the move
        ordering = ["added_at", "id"]
        verbose_name = _("article in a case")
        verbose_name_plural = _("articles in cases")
        constraints = [models.UniqueConstraint(fields=["case", "article"], name="takedown_article_once")]

    def __str__(self):
        return f"{self.case_id} → {self.article_id}"


class TakedownMessage(AppendOnly):
    """One email on a case, in or out. An incoming one links the InboundMessage that keeps its raw bytes.

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
    # The mail as it arrived, stored once for every route by the inbound mechanism (newsroom/inbound.py):
    # not a second copy here. Null for the emails we send.
    inbound = models.ForeignKey(InboundMessage, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="takedown_messages", verbose_name=_("original message"))
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    attachments = models.JSONField(_("attachments"), default=list, blank=True,
                                   help_text=_("Name, type and size of each attachment in the original message."))
    defects = models.JSONField(_("repairs made while reading"), default=list, blank=True)

    class Meta:
        db_table = "submissions_takedownmessage"  # its name from before the move
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

    @property
    def raw(self) -> bytes:
        """The original bytes, read through `inbound` when asked for (b"" for the emails we sent)."""
        if not self.inbound_id:
            return b""
        return bytes(InboundMessage.objects.filter(pk=self.inbound_id).values_list("raw", flat=True).first() or b"")


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
        db_table = "submissions_takedownattachment"  # its name from before the move
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
        db_table = "submissions_takedownevent"  # its name from before the move
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
        db_table = "submissions_counternotice"  # its name from before the move
        verbose_name = _("counter-notice")
        verbose_name_plural = _("counter-notices")

    def __str__(self):
        return f"{self.case_id}: {self.name or self.filed_by_id or '—'}"
