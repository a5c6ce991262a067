"""Newsletter subscriptions: double opt-in, one-click unsubscribe, signed links."""

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from articles.models import NewsletterSubscriber
from newsroom import mail

Status = NewsletterSubscriber.Status
CONFIRM_SALT = "newsletter.confirm"
UNSUBSCRIBE_SALT = "newsletter.unsubscribe"


class InvalidToken(Exception):
    pass


def confirm_token(subscriber):
    return signing.dumps(subscriber.email, salt=CONFIRM_SALT)


def unsubscribe_token(subscriber):
    # No expiry: an unsubscribe link in an old email must keep working.
    return signing.dumps(subscriber.email, salt=UNSUBSCRIBE_SALT)


def _link(build_uri, name, token, language):
    with translation.override(language):
        return build_uri(reverse(name, args=[token]))


@transaction.atomic
def subscribe(*, email, language, build_uri):
    """Start (or restart) a subscription. The reply never reveals whether the address was known."""
    email = email.strip().lower()
    subscriber, created = NewsletterSubscriber.objects.select_for_update().get_or_create(
        email=email, defaults={"language": language}
    )
    unsubscribe = _link(build_uri, "articles:newsletter_unsubscribe", unsubscribe_token(subscriber), language)
    if subscriber.status == Status.CONFIRMED:
        mail.send_on_commit(
            "newsletter_already_subscribed", to=email, language=language,
            context={"unsubscribe_link": unsubscribe},
        )
        return subscriber
    subscriber.status = Status.PENDING
    subscriber.language = language
    subscriber.save(update_fields=["status", "language"])
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
    if subscriber.status != Status.CONFIRMED:
        subscriber.status = Status.CONFIRMED
        subscriber.confirmed_at = timezone.now()
        subscriber.save(update_fields=["status", "confirmed_at"])
    return subscriber


def subscriber_for_unsubscribe(token):
    return _subscriber_from(token, UNSUBSCRIBE_SALT)


@transaction.atomic
def unsubscribe(token):
    subscriber = _subscriber_from(token, UNSUBSCRIBE_SALT)
    if subscriber.status != Status.UNSUBSCRIBED:
        subscriber.status = Status.UNSUBSCRIBED
        subscriber.unsubscribed_at = timezone.now()
        subscriber.save(update_fields=["status", "unsubscribed_at"])
    return subscriber
