from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CacheTagVersion(models.Model):
    """The version of one cache tag ("article-12", "front", …): see newsroom/public_cache.py.

    Versions live in the database, not in the cache, because the default cache is local memory, one per
    process: a change made in one gunicorn worker, in `db_worker` (scheduled publishing) or in a
    management command must make every process's cached pages stale at once, whatever the cache.
    A tag without a row has version 0. Versions only ever grow, past every value used before, even
    after a backup of an older database is restored (public_cache.bump()).
    """

    tag = models.CharField(max_length=200, primary_key=True)
    # Indexed: every request reads the greatest version (public_cache.Build.start).
    version = models.BigIntegerField(db_index=True)

    class Meta:
        verbose_name = "cache tag version"


class RateCounter(models.Model):
    """One rate-limit window's count (newsroom/ratelimit.py), when REDIS_URL is unset or Redis is down.

    In the database rather than the page cache, so that no flood of cached pages can evict it and
    every process counts on the same row. The key names the window, so a row is never reused: rows
    whose window has ended are only deleted, now and then.
    """

    key = models.CharField(max_length=200, primary_key=True)
    count = models.IntegerField()
    expires = models.BigIntegerField(db_index=True)  # Unix time at which the window ends

    class Meta:
        verbose_name = "rate counter"


class SchedulerLease(models.Model):
    """Who runs the clock: the one `manage.py scheduler` allowed to enqueue periodic jobs (newsroom/scheduler.py).

    Without Redis this row is the lock: its holder renews `expires_at` every few seconds, on the database's own
    clock, and a standby scheduler takes the row over once that time has passed (the holder died or hung).
    """

    name = models.CharField(max_length=50, unique=True)
    holder = models.CharField(max_length=200, blank=True)
    acquired_at = models.DateTimeField(null=True)
    expires_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("scheduled job")
        verbose_name_plural = _("scheduled jobs")

    def __str__(self):
        return self.holder or self.name
class OutboundEmail(models.Model):
    """One email to send, recorded in the transaction of the change it reports (newsroom/mail.py).

    The record, not the task, says whether the email went out: a delivery claims it (pending → sending)
    before talking to the mail server and marks it sent after, so a retried, recovered or duplicated task
    never sends it twice. Its Message-ID is fixed when it is recorded and kept on every attempt.
    """

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("outbound email", "pending")
        SENDING = "sending", pgettext_lazy("outbound email", "sending")
        SENT = "sent", pgettext_lazy("outbound email", "sent")
        FAILED = "failed", pgettext_lazy("outbound email", "failed")

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    recipients = models.JSONField(_("recipients"))
    subject = models.CharField(_("subject"), max_length=998)
    text = models.TextField(_("text"))
    html = models.TextField(_("HTML"), blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # Who holds a claim: the worker's id, so that a claim by a worker that stopped heartbeating can be taken over.
    claimed_by = models.CharField(_("sending worker"), max_length=64, blank=True)
    claimed_at = models.DateTimeField(_("sending started at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbound email")
        verbose_name_plural = _("outbound emails")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"{self.subject} → {', '.join(self.recipients)}"


class TaskWorker(models.Model):
    """A running `manage.py worker` process: its heartbeat is its lease on the tasks it runs (newsroom/background.py)."""

    worker_id = models.CharField(_("worker id"), max_length=64, unique=True)
    queues = models.CharField(_("queues"), max_length=200)
    hostname = models.CharField(_("host"), max_length=255)
    pid = models.PositiveIntegerField(_("process id"))
    started_at = models.DateTimeField(_("started at"))
    seen_at = models.DateTimeField(_("last heartbeat"), db_index=True)

    class Meta:
        verbose_name = _("task worker")
        verbose_name_plural = _("task workers")
        ordering = ["-seen_at"]

    def __str__(self):
        return f"{self.hostname}:{self.pid} ({self.queues})"


class InboundMessage(models.Model):
    """One raw email that arrived, stored once whatever its route (newsroom/inbound.py).

    Unique on (Message-ID, checksum): the same bytes read again (a second run, IMAP and a Maildir
    copy, a mail server piping it twice) are this row, never a second one; mail without a Message-ID
    has an empty one, so the checksum alone decides. A route's handler turns it into something of its
    app's (a takedown case, a bounce); until then it is `received`, and a run retries it.
    """

    class Status(models.TextChoices):
        RECEIVED = "received", pgettext_lazy("inbound message", "received")
        HANDLED = "handled", pgettext_lazy("inbound message", "handled")
        QUARANTINED = "quarantined", pgettext_lazy("inbound message", "quarantined")

    raw = models.BinaryField(_("original bytes"))
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    # SHA-256 of the bytes with line endings made LF: IMAP (CRLF) and a Maildir (LF) give the same message.
    checksum = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    sender = models.CharField(_("from"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=998, blank=True)
    recipient = models.CharField(_("recipient"), max_length=254, blank=True)  # the address that chose the route
    route = models.CharField(_("route"), max_length=50, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.RECEIVED)
    reason = models.TextField(_("reason"), blank=True)  # why it is quarantined, or why the last attempt failed
    handled_as = models.CharField(_("handled as"), max_length=200, blank=True)  # what the handler made of it
    attempts = models.PositiveSmallIntegerField(_("failed attempts"), default=0)
    source_id = models.CharField(_("read from"), max_length=500, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["message_id", "checksum"], name="inbound_message_once")]
        indexes = [models.Index(fields=["checksum"]), models.Index(fields=["status", "received_at"])]

    def __str__(self):
        return f"{self.received_at:%Y-%m-%d %H:%M} · {self.subject[:60] or self.message_id or self.checksum[:12]}"
