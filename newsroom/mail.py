"""Templated, translated email, sent after the transaction that caused it commits.

Each email is `templates/emails/<event>_subject.txt`, `<event>.txt` and
`<event>.html`, rendered in the recipient's language. Sending is a task, so a
failed send is kept as a failed task to retry, never lost with its state change.
"""

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import translation
from django.core.mail import EmailMultiAlternatives


def render(event, context, language):
    with translation.override(language):
        context = {"site_name": settings.SITE_NAME, **context}
        subject = " ".join(render_to_string(f"emails/{event}_subject.txt", context).split())
        text = render_to_string(f"emails/{event}.txt", context)
        html = render_to_string(f"emails/{event}.html", context)
    return subject, text, html


@task
def deliver(*, to: list[str], subject: str, text: str, html: str, headers: dict | None = None) -> None:
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, to, headers=headers or {})
    message.attach_alternative(html, "text/html")
    message.send()


def send_on_commit(event, *, to, context, language="en", headers=None):
    subject, text, html = render(event, context, language)
    transaction.on_commit(
        lambda: deliver.enqueue(to=[to], subject=subject, text=text, html=html, headers=headers or {})
    )
