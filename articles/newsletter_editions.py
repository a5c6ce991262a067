"""Newsletter editions: composing, queueing and sending them, each subscriber once.

The only code that changes `Edition.status` and `Delivery.status`.

- Composing: the weekly edition of a language holds the stories published since the previous
  edition's period ended (featured first, then the most recent, NEWSLETTER_MAX_STORIES). Editors
  may also compose one by hand in the admin, preview it, send a test to themselves, schedule it or
  send it now.
- Queueing (`start`): one Delivery per (edition, confirmed subscriber of its language), inserted by
  one INSERT … SELECT in the transaction that moves the edition to `sending`; unconfirmed,
  unsubscribed and suppressed addresses get no row, so they get nothing. Batches of deliveries
  (keyset ranges of ids) are then enqueued as `send_batch` tasks on the `mail` queue.
- Sending: each delivery is claimed (a conditional UPDATE pending → sending, with its Message-ID)
  before its message is handed to the mail server, and marked sent after; a claimed delivery is
  never claimed again while its lease (NEWSLETTER_SEND_LEASE) runs, so two tasks over the same
  range, a retried task or a second run of the command send nothing twice.
- Recovery: a worker killed mid-edition leaves deliveries `pending` (never claimed) and at most one
  `sending` per worker. `resume()` (run by `send_newsletter` and the scheduler) hands back `sending`
  claims older than the lease and enqueues the pending ones again. Residual window: a worker killed
  after the mail server accepted a message and before the UPDATE that marks it sent commits (a few
  milliseconds per message) has that one message sent again after the lease, with the same
  Message-ID, so receiving servers may drop the copy. Sending at most once instead would lose it.
"""

import smtplib
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from articles import newsletter
from articles.models import Article, Delivery, Edition, EditionStory, Language, NewsletterSubscriber
from newsroom.workflow import Step

Status = Edition.Status
DeliveryStatus = Delivery.Status
STEPS = {
    "schedule": Step({Status.DRAFT}, Status.SCHEDULED),
    "unschedule": Step({Status.SCHEDULED}, Status.DRAFT),
    "start": Step({Status.DRAFT, Status.SCHEDULED}, Status.SENDING),
    "finish": Step({Status.SENDING}, Status.SENT),
}
# Stands for the subscriber's own unsubscribe address while an edition is rendered once for a whole batch.
UNSUBSCRIBE_MARK = "https://unsubscribe.invalid/newsroom-unsubscribe-link"


class EditionError(Exception):
    """A step the edition cannot take now; the message is for the editor."""


# --- Composing ------------------------------------------------------------------------------------


def _previous(language, *, before=None):
    editions = Edition.objects.filter(language=language, status__in=[Status.SENDING, Status.SENT])
    if before is not None:
        editions = editions.exclude(pk=before.pk)
    return editions.order_by("-started_at", "-id").first()


def period_for(language, *, now):
    """(start, end): from the end of the previous edition's period (a week back for the first one) until now."""
    previous = _previous(language)
    if previous is None:
        return now - timedelta(days=7), now
    return previous.period_end or previous.started_at, now


def choose_stories(language, *, since, until):
    return list(
        Article.objects.published().filter(language=language, published_at__gt=since, published_at__lte=until)
        .order_by("-featured", "-published_at", "-id")[: settings.NEWSLETTER_MAX_STORIES]
    )


@transaction.atomic
def compose(*, language, by=None, now=None, introduction=""):
    """A draft edition with the stories published since the previous edition (possibly none)."""
    now = now or timezone.now()
    since, until = period_for(language, now=now)
    edition = Edition.objects.create(language=language, period_start=since, period_end=until,
                                     introduction=introduction, created_by=by)
    set_stories(edition, choose_stories(language, since=since, until=until))
    return edition


def set_stories(edition, articles):
    EditionStory.objects.filter(edition=edition).delete()
    EditionStory.objects.bulk_create(
        EditionStory(edition=edition, article=article, position=position)
        for position, article in enumerate(articles, start=1)
    )


def stories(edition):
    """The edition's stories that readers may still see, in order (a story withdrawn since is left out)."""
    return [
        story.article for story in edition.edition_stories.select_related("article__category")
        .filter(article__in=Article.objects.published()).order_by("position", "id")
    ]


# --- Status steps -----------------------------------------------------------------------------------


def _locked(edition, step):
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    if edition.status not in STEPS[step].sources:
        raise EditionError(_("This edition is %(status)s: it cannot be changed that way now.")
                           % {"status": edition.get_status_display().lower()})
    return edition


@transaction.atomic
def schedule(edition, *, when):
    edition = _locked(edition, "schedule")
    if not edition.edition_stories.exists():
        raise EditionError(_("An edition needs at least one story."))
    edition.status, edition.scheduled_for = STEPS["schedule"].target, when
    edition.save(update_fields=["status", "scheduled_for"])
    return edition


@transaction.atomic
def unschedule(edition):
    edition = _locked(edition, "unschedule")
    edition.status = STEPS["unschedule"].target
    edition.save(update_fields=["status"])
    return edition


def start(edition, *, now=None):
    """Queue a delivery for every confirmed subscriber of the edition's language, then its sending tasks.

    Returns the edition, now `sending`, with `recipients_count` set.
    """
    now = now or timezone.now()
    with transaction.atomic():
        edition = _locked(edition, "start")
        if not stories(edition):
            raise EditionError(_("An edition needs at least one story."))
        edition.recipients_count = _queue_deliveries(edition)
        edition.status, edition.started_at = STEPS["start"].target, now
        edition.period_end = edition.period_end or now
        edition.save(update_fields=["status", "started_at", "period_end", "recipients_count"])
        transaction.on_commit(lambda: enqueue_batches(edition.pk))
    if not edition.recipients_count:
        finish_if_done(edition.pk)
    return edition


def _queue_deliveries(edition):
    """One row per confirmed subscriber, written by the database itself: no subscriber is loaded in Python."""
    deliveries, subscribers = Delivery._meta.db_table, NewsletterSubscriber._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {deliveries} (edition_id, subscriber_id, status, attempts, error, message_id) "
            f"SELECT %s, id, %s, 0, '', '' FROM {subscribers} WHERE language = %s AND status = %s "
            "ORDER BY id ON CONFLICT DO NOTHING",
            [edition.pk, DeliveryStatus.PENDING, edition.language, NewsletterSubscriber.Status.CONFIRMED],
        )
    return Delivery.objects.filter(edition=edition).count()


def enqueue_batches(edition_id):
    """A `send_batch` task per NEWSLETTER_BATCH_SIZE pending deliveries, found by keyset (ids only, a batch at a time)."""
    pending = Delivery.objects.filter(edition_id=edition_id, status=DeliveryStatus.PENDING).order_by("id")
    after, enqueued = 0, 0
    while ids := list(pending.filter(id__gt=after).values_list("id", flat=True)[: settings.NEWSLETTER_BATCH_SIZE]):
        send_batch.enqueue(edition_id=edition_id, first_id=ids[0], last_id=ids[-1])
        after, enqueued = ids[-1], enqueued + 1
    return enqueued


def refresh_counts(edition_id):
    counts = Delivery.objects.filter(edition_id=edition_id).aggregate(
        sent=Count("id", filter=Q(status=DeliveryStatus.SENT)),
        failed=Count("id", filter=Q(status=DeliveryStatus.FAILED)),
        bounced=Count("id", filter=Q(status=DeliveryStatus.BOUNCED)),
    )
    Edition.objects.filter(pk=edition_id).update(
        sent_count=counts["sent"], failed_count=counts["failed"], bounced_count=counts["bounced"]
    )


def finish_if_done(edition_id):
    """`sending` → `sent` once no delivery is left to send (the last batch to end does it)."""
    refresh_counts(edition_id)
    unfinished = Delivery.objects.filter(
        edition_id=edition_id, status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING]
    )
    if unfinished.exists():
        return False
    return bool(Edition.objects.filter(pk=edition_id, status__in=STEPS["finish"].sources).update(
        status=STEPS["finish"].target, sent_at=timezone.now()
    ))


def hand_back_stale_claims(*, now=None):
    """Claims older than the lease belong to a dead worker: pending again, or failed after the last attempt."""
    stale = Delivery.objects.filter(
        status=DeliveryStatus.SENDING,
        claimed_at__lt=(now or timezone.now()) - timedelta(seconds=settings.NEWSLETTER_SEND_LEASE),
    )
    failed = stale.filter(attempts__gte=settings.NEWSLETTER_MAX_ATTEMPTS).update(
        status=DeliveryStatus.FAILED, error="the worker sending it stopped before it finished"
    )
    return stale.update(status=DeliveryStatus.PENDING) + failed


def resume(edition):
    """Pick up an edition whose sending stopped: stale claims handed back, its pending deliveries enqueued again.

    Safe at any time (a delivery is claimed before it is sent), so the scheduler may run it freely.
    """
    hand_back_stale_claims()
    if finish_if_done(edition.pk):
        return 0
    return enqueue_batches(edition.pk)


# --- Which edition is due ------------------------------------------------------------------------


@dataclass
class Due:
    edition: Edition | None  # None: nothing to send (see reason), or a weekly edition still to compose
    action: str  # "resume", "send", "compose", "nothing"
    reason: str


def _week_start(now):
    local = timezone.localtime(now)
    monday = local.date() - timedelta(days=local.weekday())
    return timezone.make_aware(datetime.combine(monday, datetime.min.time()), local.tzinfo)


def due(language, *, now=None):
    """What `send_newsletter --language` does now; changes nothing."""
    now = now or timezone.now()
    editions = Edition.objects.filter(language=language)
    if sending := editions.filter(status=Status.SENDING).order_by("started_at").first():
        return Due(sending, "resume", "an edition is being sent: its remaining deliveries are picked up")
    if scheduled := editions.filter(status=Status.SCHEDULED, scheduled_for__lte=now).order_by("scheduled_for").first():
        return Due(scheduled, "send", "a scheduled edition is due")
    week = _week_start(now)
    if sent := editions.filter(status=Status.SENT, started_at__gte=week).order_by("-started_at").first():
        return Due(sent, "nothing", "this week's edition has already gone out")
    if editions.filter(status=Status.SCHEDULED, scheduled_for__lt=week + timedelta(days=7)).exists():
        return Due(None, "nothing", "an edition is scheduled later this week")
    since, until = period_for(language, now=now)
    if not choose_stories(language, since=since, until=until):
        return Due(None, "nothing", "no story was published since the last edition")
    return Due(None, "compose", "this week's edition is composed from the stories since the last one")


def send_due_edition(language, *, now=None):
    """Send (or pick up) the due edition of a language; returns (Due, the edition sent or None)."""
    now = now or timezone.now()
    plan = due(language, now=now)
    if plan.action == "resume":
        resume(plan.edition)
        return plan, plan.edition
    if plan.action == "send":
        return plan, start(plan.edition, now=now)
    if plan.action == "compose":
        return plan, start(compose(language=language, now=now), now=now)
    return plan, None


def send_due():
    """The scheduler's weekly job: the due edition of every language."""
    return {language: send_due_edition(language)[1] for language in Language.values}


def send_scheduled():
    """The scheduler's frequent job: editions scheduled by hand whose time has come, and stalled sendings."""
    now = timezone.now()
    for edition in Edition.objects.filter(status=Status.SCHEDULED, scheduled_for__lte=now):
        try:
            start(edition, now=now)
        except EditionError:
            continue  # its stories were all withdrawn since: it stays scheduled for an editor to look at
    lease = timedelta(seconds=settings.NEWSLETTER_SEND_LEASE)
    for edition in Edition.objects.filter(status=Status.SENDING):
        progressing = Delivery.objects.filter(edition=edition, claimed_at__gt=now - lease).exists()
        if not progressing:
            resume(edition)


# --- The message ------------------------------------------------------------------------------------


def _site_host():
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def message_id(delivery_id):
    """Unguessable (so a forged bounce cannot name one) and the same on every attempt (receivers drop a copy)."""
    digest = salted_hmac("newsletter.message-id", str(delivery_id), algorithm="sha256").hexdigest()[:20]
    return f"<newsletter.{delivery_id}.{digest}@{_site_host()}>"


def render(edition, *, unsubscribe_link=UNSUBSCRIBE_MARK):
    """(subject, text, html) of an edition in its language; the unsubscribe address is marked for `personalise`."""
    with translation.override(edition.language):
        context = {
            "site_name": settings.SITE_NAME,
            "site_url": newsletter.site_uri(reverse("articles:home")),
            "edition": edition,
            "date": timezone.localtime(edition.started_at or edition.scheduled_for or timezone.now()),
            "stories": [{"article": article, "url": newsletter.site_uri(article.get_absolute_url())}
                        for article in stories(edition)],
            "unsubscribe_link": unsubscribe_link,
        }
        subject = " ".join(render_to_string("emails/newsletter_edition_subject.txt", context).split())
        text = render_to_string("emails/newsletter_edition.txt", context)
        html = render_to_string("emails/newsletter_edition.html", context)
    return subject, text, html


def build_message(rendered, *, to, unsubscribe_link, language, delivery_id=None, msgid=None):
    subject, text, html = rendered
    headers = {
        "List-Unsubscribe": f"<{unsubscribe_link}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f"{settings.SITE_NAME} newsletter ({language}) <newsletter-{language}.{_site_host()}>",
    }
    if msgid:
        headers["Message-ID"] = msgid
    if delivery_id:
        headers["X-Newsroom-Delivery"] = str(delivery_id)  # returned in a bounce's copy of our headers
    from_email = settings.DEFAULT_FROM_EMAIL
    if settings.NEWSLETTER_BOUNCE_EMAIL:
        # The envelope sender (Return-Path) receives the bounces; readers still see the site's address.
        headers["From"], from_email = settings.DEFAULT_FROM_EMAIL, settings.NEWSLETTER_BOUNCE_EMAIL
    message = EmailMultiAlternatives(
        subject, text.replace(UNSUBSCRIBE_MARK, unsubscribe_link), from_email, [to], headers=headers
    )
    message.attach_alternative(html.replace(UNSUBSCRIBE_MARK, unsubscribe_link), "text/html")
    if delivery_id:
        # Email providers (django-anymail) return metadata and tags with their bounce and complaint webhooks.
        message.metadata = {"newsletter_delivery": str(delivery_id)}
        message.tags = ["newsletter"]
    return message


@task(queue_name="mail")
def send_test(*, edition_id: int, to: str) -> None:
    """The edition as subscribers get it, to an editor; its unsubscribe links lead to the sign-up page."""
    edition = Edition.objects.get(pk=edition_id)
    subject, text, html = render(edition)
    with translation.override(edition.language):
        link = newsletter.site_uri(reverse("articles:newsletter"))
        subject = _("[Test] %(subject)s") % {"subject": subject}
    build_message((subject, text, html), to=to, unsubscribe_link=link, language=edition.language).send()


# --- Sending ----------------------------------------------------------------------------------------


def _claim(delivery_id, now):
    return Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1, message_id=message_id(delivery_id)
    )


def _mark(delivery_id, status, error=""):
    fields = {"status": status, "error": error[:500]}
    if status == DeliveryStatus.SENT:
        fields["sent_at"] = timezone.now()
    Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.SENDING).update(**fields)


def _release(delivery_id, attempts, error):
    """A send that failed for want of an answer: tried again later, until the last attempt."""
    if attempts >= settings.NEWSLETTER_MAX_ATTEMPTS:
        _mark(delivery_id, DeliveryStatus.FAILED, error)
    else:
        Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.PENDING, error=error[:500]
        )


class Throttle:
    """At most NEWSLETTER_SEND_RATE messages a second from this worker."""

    def __init__(self, rate):
        self.interval = 1 / rate if rate > 0 else 0
        self.next = time.monotonic()

    def wait(self):
        delay = self.next - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        self.next = max(self.next, time.monotonic()) + self.interval


@task(queue_name="mail")
def send_batch(*, edition_id: int, first_id: int, last_id: int) -> int:
    """Send the pending deliveries of one id range; returns how many were handed to the mail server."""
    edition = Edition.objects.filter(pk=edition_id, status=Status.SENDING).first()
    if edition is None:
        return 0
    rendered = render(edition)
    rows = list(
        Delivery.objects.filter(edition_id=edition_id, id__gte=first_id, id__lte=last_id, status=DeliveryStatus.PENDING)
        .order_by("id").values_list("id", "subscriber__email", "subscriber__language")
    )
    throttle, sent = Throttle(settings.NEWSLETTER_SEND_RATE), 0
    connection = mailers.default
    try:
        connection.open()
        for delivery_id, email, language in rows:
            throttle.wait()
            if not _claim(delivery_id, timezone.now()):
                continue  # another task has it (a retry, or a resumed edition)
            if not _still_confirmed(delivery_id):
                _mark(delivery_id, DeliveryStatus.FAILED, "unsubscribed or suppressed before it was sent")
                continue
            subscriber = NewsletterSubscriber(email=email, language=language)
            message = build_message(rendered, to=email, unsubscribe_link=newsletter.unsubscribe_url(subscriber),
                                    language=edition.language, delivery_id=delivery_id, msgid=message_id(delivery_id))
            try:
                connection.send_messages([message])
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as error:
                # The server answered and refused this message: trying again would be refused too.
                _mark(delivery_id, DeliveryStatus.FAILED, f"refused: {error}")
                continue
            except Exception as error:
                # No answer (the server is down, the connection broke): this one waits for the next run, and the
                # rest of the batch stays pending for resume() rather than burning its attempts now.
                attempts = Delivery.objects.values_list("attempts", flat=True).get(pk=delivery_id)
                _release(delivery_id, attempts, f"{type(error).__name__}: {error}")
                raise
            _mark(delivery_id, DeliveryStatus.SENT)
            sent += 1
    finally:
        connection.close()
        finish_if_done(edition_id)
    return sent


def _still_confirmed(delivery_id):
    """An unsubscribe between queueing and sending wins (the row read for the batch may be minutes old)."""
    return Delivery.objects.filter(pk=delivery_id, subscriber__status=NewsletterSubscriber.Status.CONFIRMED).exists()
