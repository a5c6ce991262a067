"""Newsletter subscriptions: double opt-in, one-click unsubscribe, signed links.

The only code that changes `NewsletterSubscriber.status`: each change is a named step of STEPS and
writes a SubscriberEvent (what, when, how), so that consent can be shown for every address.
"""

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from articles.models import NewsletterSubscriber, SubscriberEvent
from newsroom import mail
from newsroom.workflow import Step

Status = NewsletterSubscriber.Status
STEPS = {
    "subscribe": Step({Status.UNSUBSCRIBED}, Status.PENDING),  # a new address starts pending (logged from "")
    "confirm": Step({Status.PENDING}, Status.CONFIRMED),
    "unsubscribe": Step({Status.PENDING, Status.CONFIRMED}, Status.UNSUBSCRIBED),
    # A hard bounce or a spam complaint (articles/newsletter_bounces.py): the address gets nothing any more.
    "suppress": Step({Status.PENDING, Status.CONFIRMED, Status.UNSUBSCRIBED}, Status.SUPPRESSED),
    # Staff, when the address works again (a fixed mailbox): its owner may then sign up again, with double opt-in.
    "lift_suppression": Step({Status.SUPPRESSED}, Status.UNSUBSCRIBED),
}
CONFIRM_SALT = "newsletter.confirm"
UNSUBSCRIBE_SALT = "newsletter.unsubscribe"


class InvalidToken(Exception):
    pass


def _move(subscriber, step, *, reason, now=None, **fields):
    """Apply a step from a status it starts from (callers check), save the changed columns, log it."""
    from_status, to_status = subscriber.status, STEPS[step].target
    if from_status not in STEPS[step].sources:
        raise ValueError(f"Subscriber {subscriber.pk} cannot {step} from {from_status}.")
    for name, value in fields.items():
        setattr(subscriber, name, value)
    subscriber.status = to_status
    subscriber.save(update_fields=["status", *fields])
    SubscriberEvent.objects.create(subscriber=subscriber, from_status=from_status, to_status=to_status,
                                   reason=reason, created_at=now or timezone.now())


def subscription_of(email):
    """The subscriber row of an address (any status), or None: never subscribed."""
    return NewsletterSubscriber.objects.filter(email=email.strip().lower()).first()


def confirm_token(subscriber):
    return signing.dumps(subscriber.email, salt=CONFIRM_SALT)


def unsubscribe_token(subscriber):
    # No expiry: an unsubscribe link in an old email must keep working.
    return signing.dumps(subscriber.email, salt=UNSUBSCRIBE_SALT)


def _link(build_uri, name, token, language):
    with translation.override(language):
        return build_uri(reverse(name, args=[token]))


def site_uri(path):
    """An absolute address from SITE_URL, for mail sent outside a request (the newsletter itself)."""
    return settings.SITE_URL.rstrip("/") + path


def unsubscribe_url(subscriber):
    """The one-click unsubscribe address of List-Unsubscribe (RFC 8058): https in production (SITE_URL)."""
    return _link(site_uri, "articles:newsletter_unsubscribe", unsubscribe_token(subscriber), subscriber.language)


@transaction.atomic
def subscribe(*, email, language, build_uri):
    """Start (or restart) a subscription. The reply never reveals whether the address was known."""
    email = email.strip().lower()
    subscriber, created = NewsletterSubscriber.objects.select_for_update().get_or_create(
        email=email, defaults={"language": language}
    )
    if created:
        SubscriberEvent.objects.create(subscriber=subscriber, to_status=Status.PENDING, reason="signed up")
    if subscriber.status == Status.SUPPRESSED:
        # Mail to it bounced for good or was reported as spam: send nothing, not even a confirmation request.
        return subscriber
    unsubscribe = _link(build_uri, "articles:newsletter_unsubscribe", unsubscribe_token(subscriber), language)
    if subscriber.status == Status.CONFIRMED:
        mail.send_on_commit(
            "newsletter_already_subscribed", to=email, language=language,
            context={"unsubscribe_link": unsubscribe},
        )
        return subscriber
    if subscriber.status == Status.UNSUBSCRIBED:
        _move(subscriber, "subscribe", reason="signed up again", language=language)
    elif subscriber.language != language:
        subscriber.language = language
        subscriber.save(update_fields=["language"])
    confirm = _link(build_uri, "articles:newsletter_confirm", confirm_token(subscriber), language)
    mail.send_on_commit(
        "newsletter_confirm", to=email, language=language,
        context={"confirm_link": confirm, "unsubscribe_link": unsubscribe},
        headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    return subscriber


def _subscriber_from(token, salt, max_age=None):
    try:
        email = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature as error:  # includes SignatureExpired
        raise InvalidToken from error
    try:
        return NewsletterSubscriber.objects.get(email=email)
    except NewsletterSubscriber.DoesNotExist as error:
        raise InvalidToken from error


@transaction.atomic
def confirm(token):
    subscriber = _subscriber_from(token, CONFIRM_SALT, max_age=settings.NEWSLETTER_TOKEN_MAX_AGE)
    subscriber = NewsletterSubscriber.objects.select_for_update().get(pk=subscriber.pk)
    if subscriber.status == Status.UNSUBSCRIBED:
        # An old confirmation link never undoes a later unsubscribe: signing up again sends a new one.
        raise InvalidToken
    if subscriber.status == Status.PENDING:
        now = timezone.now()
        _move(subscriber, "confirm", reason="confirmed by the emailed link", now=now, confirmed_at=now)
    return subscriber


def subscriber_for_unsubscribe(token):
    return _subscriber_from(token, UNSUBSCRIBE_SALT)


@transaction.atomic
def unsubscribe(token, *, how="unsubscribe link"):
    """`how` is recorded with the change, e.g. "one-click (RFC 8058)" for a mail client's POST."""
    subscriber = _subscriber_from(token, UNSUBSCRIBE_SALT)
    subscriber = NewsletterSubscriber.objects.select_for_update().get(pk=subscriber.pk)
    if subscriber.status != Status.UNSUBSCRIBED:
        now = timezone.now()
        _move(subscriber, "unsubscribe", reason=how, now=now, unsubscribed_at=now)
    return subscriber


@transaction.atomic
def end_for_erasure(subscriber):
    """The subscriber's account is being deleted (newsroom/privacy.py): unsubscribed, logged as such."""
    subscriber = NewsletterSubscriber.objects.select_for_update().get(pk=subscriber.pk)
    now = timezone.now()
    _move(subscriber, "unsubscribe", reason="account deleted", now=now, unsubscribed_at=now)
    return subscriber


@transaction.atomic
def suppress(*, email, reason, how):
    """Stop all mail to an address (a hard bounce or a complaint). Returns the subscriber, or None if unknown.

    `reason` is a NewsletterSubscriber.Suppression; `how` says what reported it (a DSN, a provider's webhook).
    """
    subscriber = NewsletterSubscriber.objects.select_for_update().filter(email=email.strip().lower()).first()
    if subscriber is None or subscriber.status == Status.SUPPRESSED:
        return subscriber
    now = timezone.now()
    _move(subscriber, "suppress", reason=f"{reason.replace('_', ' ')}: {how}"[:200], now=now,
          suppression_reason=reason, suppressed_at=now)
    return subscriber


@transaction.atomic
def lift_suppression(subscriber, *, by):
    subscriber = NewsletterSubscriber.objects.select_for_update().get(pk=subscriber.pk)
    _move(subscriber, "lift_suppression", reason=f"suppression lifted by {by}"[:200], suppression_reason="")
    return subscriber
