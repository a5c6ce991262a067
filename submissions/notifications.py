"""Emails to contributors, in the language they used, sent after the transaction commits."""

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from newsroom import mail
from submissions import tokens
from submissions.models import Status

DECISION_EMAILS = {
    Status.APPROVED: "submission_approved",
    Status.CHANGES_REQUESTED: "submission_changes_requested",
    Status.REJECTED: "submission_rejected",
}


def _absolute(path, build_uri=None):
    return build_uri(path) if build_uri else settings.SITE_URL.rstrip("/") + path


def _path(submission, name, *args):
    with translation.override(submission.contact_language):
        return reverse(name, args=args)


def submission_link(submission, *, build_uri=None) -> str:
    """Where the contributor follows their story: the dashboard, or a signed link for a guest."""
    if submission.is_guest:
        return _absolute(_path(submission, "submissions:guest_access", tokens.access_token(submission)), build_uri)
    return _absolute(_path(submission, "submissions:detail", submission.pk), build_uri)


def guest_confirmation(submission, *, build_uri=None) -> None:
    link = _absolute(_path(submission, "submissions:confirm_guest", tokens.confirm_token(submission)), build_uri)
    mail.send_on_commit(
        "submission_confirm", to=submission.guest_email, language=submission.contact_language,
        context={"name": submission.guest_name, "title": submission.title, "link": link},
    )


def decision_made(submission, event, *, build_uri=None) -> None:
    to = submission.contact_email
    if not to or event.to_status not in DECISION_EMAILS:
        return
    mail.send_on_commit(
        DECISION_EMAILS[event.to_status], to=to, language=submission.contact_language,
        context={
            "name": submission.contributor_name,
            "title": event.revision.title if event.revision else submission.title,
            "reason": event.reason,
            "link": submission_link(submission, build_uri=build_uri),
            "can_appeal": event.to_status == Status.REJECTED and submission.appealed_at is None,
        },
    )
