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


def guest_confirmation(submission, *, build_uri=None, notes=()) -> None:
    link = _absolute(_path(submission, "submissions:confirm_guest", tokens.confirm_token(submission)), build_uri)
    by_email = submission.channel == submission.Channel.EMAIL
    context = {"name": submission.guest_name, "title": submission.title, "link": link, "notes": list(notes)}
    if by_email:  # no form was ticked: the link is where the sender accepts the rules
        context["guidelines_link"] = _absolute(_path(submission, "articles:page", "guidelines"), build_uri)
    mail.send_on_commit(
        "submission_confirm", to=submission.guest_email, language=submission.contact_language, context=context,
        # An answer to an email (RFC 3834): the sender's auto-responder must not answer it.
        headers={"Auto-Submitted": "auto-replied"} if by_email else None,
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


def story_published(sender=None, *, article_id, **kwargs) -> None:
    """Tell the contributor their story is live, with its link (receiver of articles.signals.article_published).

    The signal comes once per article, after commit; an article that is not public (any more) gets no email.
    """
    from submissions.models import Submission

    submission = Submission.objects.select_related("article", "contributor__profile").filter(
        article_id=article_id, status=Status.APPROVED).first()
    if submission is None or not submission.article.is_public or not submission.contact_email:
        return
    article = submission.article
    mail.send_on_commit(
        "submission_published", to=submission.contact_email, language=submission.contact_language,
        context={
            "name": submission.contributor_name, "title": article.title,
            "link": _absolute(_path(submission, "articles:detail", article.slug)),
            "dashboard_link": submission_link(submission),
        },
    )
