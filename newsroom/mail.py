"""Templated, translated email, recorded with the change that causes it and sent exactly once.

Each email is `templates/emails/<event>_subject.txt`, `<event>.txt` and `<event>.html`, rendered in the
recipient's language. `send_on_commit()` (and `queue()` for a message rendered elsewhere) records an
`OutboundEmail` in the caller's transaction and enqueues `deliver` on the `mail` queue with it: a rollback
sends nothing, a commit never loses the email.

The record's workflow (STEPS below): `deliver` claims it (pending → sending, a conditional UPDATE) before
talking to the mail server and marks it sent after, so a second delivery of the same record (a retried,
recovered or duplicated task) finds it claimed or sent and does nothing. A failed send goes back to
pending while the worker will retry it (newsroom/background.py), else to failed, where the admin's
"send again" puts it back to pending once.

A claim held by a worker that stopped heartbeating (killed mid-send) is taken over when its task is handed
back; one held by a process without a heartbeat (db_worker) only once it is a lease old. The one window
left is between the mail server accepting the message and the database recording it sent (milliseconds:
the connection's QUIT comes after): a worker killed exactly there sends the message again after the
lease, with the same Message-ID, which receiving systems use to drop duplicates.
"""

from contextlib import suppress
from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import transaction
from django.db.models import F, Q
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone, translation

from newsroom import background
from newsroom.models import OutboundEmail
from newsroom.workflow import Step

Status = OutboundEmail.Status

# A header of ours, never sent: the record's recipients and content are erased once it is sent (the goodbye
# email of a deleted account, newsroom/privacy.py, is the last thing that may hold its address).
FORGET_AFTER_SENDING = "X-Newsroom-Forget-After-Sending"
ERASED = "[erased]"

STEPS = {
    "claim": Step({Status.PENDING}, Status.SENDING),
    "take_over": Step({Status.SENDING}, Status.SENDING),  # from a worker that stopped heartbeating
    "sent": Step({Status.SENDING}, Status.SENT),
    "retry": Step({Status.SENDING}, Status.PENDING),
    "give_up": Step({Status.SENDING}, Status.FAILED),
    "send_again": Step({Status.FAILED}, Status.PENDING),
}


def render(event, context, language):
    with translation.override(language):
        context = {"site_name": settings.SITE_NAME, **context}
        subject = " ".join(render_to_string(f"emails/{event}_subject.txt", context).split())
        text = render_to_string(f"emails/{event}.txt", context)
        html = render_to_string(f"emails/{event}.html", context)
    return subject, text, html


def send_on_commit(event, *, to, context, language="en", headers=None) -> OutboundEmail:
    subject, text, html = render(event, context, language)
    return queue(to=[to], subject=subject, text=text, html=html, headers=headers)


def queue(*, to: list[str], subject: str, text: str, html: str = "", headers: dict | None = None) -> OutboundEmail:
    """Record a rendered email in the caller's transaction and have it delivered once that commits.

    A `Message-ID` in `headers` is kept (takedown emails thread on theirs); otherwise one is made here.
    """
    headers = dict(headers or {})
    message_id = headers.pop("Message-ID", "") or make_msgid(
        domain=parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or None)
    email = OutboundEmail.objects.create(recipients=list(to), subject=subject[:998], text=text, html=html,
                                         headers=headers, message_id=message_id)
    background.enqueue_with_transaction(deliver, email.pk)
    return email


def _move(pk, step, *, also=Q(), **fields) -> bool:
    """The step's conditional UPDATE: True when this caller moved the record."""
    step = STEPS[step]
    return bool(OutboundEmail.objects.filter(also, pk=pk, status__in=step.sources).update(status=step.target,
                                                                                         **fields))


class ClaimedElsewhere(Exception):
    """Being sent by a process we cannot see alive or dead: the delivery is retried once its claim is old."""


def _claim(pk, holder) -> bool:
    now = timezone.now()
    fields = {"claimed_by": holder[:64], "claimed_at": now, "attempts": F("attempts") + 1}
    if _move(pk, "claim", **fields):
        return True
    email = OutboundEmail.objects.filter(pk=pk, status=Status.SENDING).only("claimed_by", "claimed_at").first()
    if email is None:
        return False  # sent, failed, or back to pending with a retry of its own on the way
    state = background.worker_state(email.claimed_by)
    if state == "alive":
        return False  # its worker is sending it; if that worker dies, its task is handed back and comes here
    if state == "unknown" and email.claimed_at > now - background.lease():
        raise ClaimedElsewhere(f"claimed by {email.claimed_by} at {email.claimed_at.isoformat()}")
    return _move(pk, "take_over", also=Q(claimed_by=email.claimed_by, claimed_at=email.claimed_at), **fields)


@task(queue_name="mail", takes_context=True)
def deliver(context, outbound_id: int) -> str:
    """Send one OutboundEmail if this delivery wins its claim; returns what happened to it."""
    holder = context.task_result.worker_ids[-1] if context.task_result.worker_ids else ""
    if not _claim(outbound_id, holder):
        return "not claimed"
    email = OutboundEmail.objects.get(pk=outbound_id)
    headers = {name: value for name, value in email.headers.items() if name != FORGET_AFTER_SENDING}
    message = EmailMultiAlternatives(email.subject, email.text, settings.DEFAULT_FROM_EMAIL, email.recipients,
                                     headers={**headers, "Message-ID": email.message_id})
    if email.html:
        message.attach_alternative(email.html, "text/html")
    connection = mailers.default
    try:
        connection.open()
        connection.send_messages([message])
    except BaseException as error:  # a worker stopped by a second signal too: the claim must not stay behind
        step = "retry" if background.will_retry(context) else "give_up"
        _move(outbound_id, step, also=Q(claimed_by=holder[:64]), last_error=f"{type(error).__name__}: {error}"[:2000])
        with suppress(Exception):
            connection.close()
        raise
    # Recorded before the connection's QUIT, so a worker killed meanwhile does not send it again.
    forget = {"recipients": [], "subject": ERASED, "text": "", "html": "", "headers": {}} \
        if FORGET_AFTER_SENDING in email.headers else {}
    _move(outbound_id, "sent", also=Q(claimed_by=holder[:64]), sent_at=timezone.now(), last_error="", **forget)
    with suppress(Exception):  # the message was accepted: a QUIT that fails changes nothing
        connection.close()
    return "sent"


def send_again(email: OutboundEmail) -> bool:
    """The admin's action for a failed email: back to pending with a new delivery, once however often clicked."""
    with transaction.atomic():
        if not _move(email.pk, "send_again"):
            return False
        background.enqueue_with_transaction(deliver, email.pk)
    return True
