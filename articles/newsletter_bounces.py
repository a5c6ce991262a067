"""Bounces and complaints about the newsletter: the address is suppressed (articles/newsletter.py `suppress`).

Two ways in:
- delivery status notifications (RFC 3464: multipart/report; report-type=delivery-status) sent to
  NEWSLETTER_BOUNCE_EMAIL, the newsletter's envelope sender, reach `handle_mail` through the
  `newsletter_bounces` route of the inbound mechanism (newsroom/inbound.py). A recipient with `Action: failed` and a 5.x.x status is a
  hard bounce. The delivery is found by the Message-ID (unguessable) or X-Newsroom-Delivery of the
  returned copy of our message, so a forged report naming an address suppresses nothing;
- email providers' tracking webhooks (django-anymail, mounted at /anymail/): a `bounced` or
  `complained` event reaches `on_tracking_event`, and names its delivery in the metadata we sent.

It reads the raw bytes with the standard library: a report's parts are machine-readable fields.
"""

import email
import re
from dataclasses import dataclass
from email import policy
from email.parser import BytesHeaderParser

from django.db import transaction
from django.db.models import F

from articles import newsletter
from articles.newsletter_editions import message_id as expected_message_id
from articles.models import Delivery, Edition, NewsletterSubscriber
from newsroom import inbound

Suppression = NewsletterSubscriber.Suppression
_STATUS = re.compile(r"^\s*([245])\.\d{1,3}\.\d{1,3}")


@dataclass
class Bounce:
    recipient: str  # Final-Recipient (or Original-Recipient), lower case
    status: str  # e.g. "5.1.1"
    permanent: bool


@dataclass
class Report:
    bounces: list[Bounce]
    message_id: str  # of the returned message
    delivery_id: str


class NotAReport(Exception):
    pass


def _address(field):
    """'rfc822; User@Example.com' → 'user@example.com'."""
    return (field or "").split(";", 1)[-1].strip().strip("<>").lower()


def parse_dsn(raw: bytes) -> Report:
    message = email.message_from_bytes(raw, policy=policy.default)
    if message.get_content_type() != "multipart/report":
        raise NotAReport("not a multipart/report")
    bounces, returned = [], None
    for part in message.walk():
        kind = part.get_content_type()
        if kind in ("message/delivery-status", "message/global-delivery-status"):
            # Its payload is a list of header blocks: the per-message one, then one per recipient.
            for block in part.get_payload()[1:] if isinstance(part.get_payload(), list) else []:
                action, status = (block.get("Action") or "").strip().lower(), block.get("Status") or ""
                recipient = _address(block.get("Final-Recipient") or block.get("Original-Recipient"))
                match = _STATUS.match(status)
                if recipient and action == "failed":
                    bounces.append(Bounce(recipient, status.strip(), bool(match) and match.group(1) == "5"))
        elif kind in ("text/rfc822-headers", "message/rfc822-headers") and returned is None:
            returned = BytesHeaderParser(policy=policy.default).parsebytes(part.get_payload(decode=True) or b"")
        elif kind == "message/rfc822" and returned is None:
            inner = part.get_payload()
            returned = inner[0] if isinstance(inner, list) and inner else None
    if not bounces and returned is None:
        raise NotAReport("no delivery-status part")
    message_id = str(returned.get("Message-ID") or "").strip() if returned is not None else ""
    delivery_id = str(returned.get("X-Newsroom-Delivery") or "").strip() if returned is not None else ""
    return Report(bounces, message_id, delivery_id)


def _delivery(*, message_id="", delivery_id=""):
    """The delivery a returned Message-ID names; an X-Newsroom-Delivery counts only with its Message-ID's proof."""
    if message_id:
        found = Delivery.objects.select_related("subscriber").filter(message_id=message_id).first()
        if found is not None:
            return found
    if delivery_id.isdigit() and message_id == expected_message_id(int(delivery_id)):
        return Delivery.objects.select_related("subscriber").filter(pk=int(delivery_id)).first()
    return None


@transaction.atomic
def record(delivery, *, reason, how):
    """The delivery bounced (or was reported as spam): counted on its edition, and its address suppressed."""
    changed = Delivery.objects.filter(pk=delivery.pk).exclude(status=Delivery.Status.BOUNCED).update(
        status=Delivery.Status.BOUNCED, error=how[:500]
    )
    if changed:
        # Its edition's counts move with it (a bounce may arrive days after the edition was sent).
        was = delivery.status
        counts = {"bounced_count": F("bounced_count") + 1}
        if was == Delivery.Status.SENT:
            counts["sent_count"] = F("sent_count") - 1
        elif was == Delivery.Status.FAILED:
            counts["failed_count"] = F("failed_count") - 1
        Edition.objects.filter(pk=delivery.edition_id).update(**counts)
    return newsletter.suppress(email=delivery.subscriber.email, reason=reason, how=how)


def handle_dsn(raw: bytes) -> str:
    """Act on a bounce report; returns what was done. Raises NotAReport for anything it cannot attribute."""
    report = parse_dsn(raw)
    delivery = _delivery(message_id=report.message_id, delivery_id=report.delivery_id)
    if delivery is None:
        raise NotAReport("it names no newsletter message of ours")
    failed = [bounce for bounce in report.bounces if bounce.recipient == delivery.subscriber.email]
    if not failed:
        raise NotAReport(f"no failed recipient matching delivery {delivery.pk}")
    bounce = failed[0]
    if not bounce.permanent:
        return f"temporary failure ({bounce.status}) for delivery {delivery.pk}: nothing suppressed"
    record(delivery, reason=Suppression.HARD_BOUNCE, how=f"delivery status notification {bounce.status}")
    return f"hard bounce ({bounce.status}) of delivery {delivery.pk}: {bounce.recipient} suppressed"


BOUNCE = "newsletter bounce"


def handle_mail(mail: inbound.Mail) -> inbound.Result:
    """The handler of the `newsletter_bounces` route: our bounce is acted on, anything else quarantined."""
    try:
        done = handle_dsn(mail.raw)
    except NotAReport as error:
        raise inbound.Reject(f"mail to the newsletter bounce address that is not our bounce: {error}") from error
    return inbound.Result(BOUNCE, reason=done)


EVENTS = {"bounced": Suppression.HARD_BOUNCE, "complained": Suppression.COMPLAINT}


def on_tracking_event(sender, event, esp_name, **kwargs):
    """django-anymail's tracking signal: a provider reports a hard bounce or a spam complaint."""
    reason = EVENTS.get(event.event_type)
    if reason is None or not event.recipient:
        return
    if isinstance(event.esp_event, dict) and event.esp_event.get("Type") == "SoftBounce":
        return  # Postmark reports soft bounces as "bounced" too: a full mailbox is no reason to stop
    how = f"{esp_name} webhook ({event.event_type})"
    delivery_id = str((event.metadata or {}).get("newsletter_delivery", ""))
    delivery = Delivery.objects.select_related("subscriber").filter(
        pk=int(delivery_id), subscriber__email=event.recipient.strip().lower()
    ).first() if delivery_id.isdigit() else None
    if delivery is not None:
        record(delivery, reason=reason, how=how)
    else:
        # The webhook is authenticated (ANYMAIL_WEBHOOK_SECRET), so the provider's word about the address counts.
        newsletter.suppress(email=event.recipient, reason=reason, how=how)
