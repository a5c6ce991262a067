"""Emails to contributors, in the language they used, sent after the transaction commits."""

from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from newsroom import mail
from submissions import article_links, tokens
from submissions.models import Status, TakedownMessage

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


# --- Copyright takedowns ------------------------------------------------------------
# Every email about a case is rendered in the case's language (the contributor's, for authors),
# recorded as an outgoing TakedownMessage with a timeline event, and queued in the outbox with it. Replies
# come back to the copyright mailbox (Reply-To); submissions/mail_intake.py decides which may act on the case.


def own_addresses() -> set[str]:
    """Our own addresses: never sent an automatic email (that would be a mail loop)."""
    from email.utils import getaddresses

    values = [settings.COPYRIGHT_EMAIL, settings.DEFAULT_FROM_EMAIL, settings.SERVER_EMAIL,
              *settings.TAKEDOWN_ADDRESSES, *settings.MAIL_INTAKE_ROUTES]
    return {address.lower() for _, address in getaddresses(values) if address}


def _copyright_domain() -> str:
    from email.utils import parseaddr

    return parseaddr(settings.COPYRIGHT_EMAIL)[1].rpartition("@")[2] or "localhost"


def _auto_reply_allowed(address) -> bool:
    """Fewer than TAKEDOWN_AUTO_REPLY_LIMIT automatic emails to the address in the window.

    Counted from the emails on record, not in a cache: every process agrees (`ingest_mail -`
    runs once per message), and a case is opened with its year's counter row locked, so two
    acknowledgements are never decided at once.
    """
    limit, window = settings.TAKEDOWN_AUTO_REPLY_LIMIT
    sent = TakedownMessage.objects.filter(
        direction=TakedownMessage.Direction.OUT, auto_submitted=True,
        created_at__gte=timezone.now() - timedelta(seconds=window), to_addresses__iexact=(address or "").strip(),
    ).count()
    return sent < limit


def _takedown_mail(case, event, *, to, language, context, by=None, auto=False, thread=True):
    """Render, record on the case, and send after commit. None when nothing was sent (own address)."""
    from email.utils import make_msgid

    from submissions.models import TakedownEvent

    to = (to or "").strip()
    if not to or to.lower() in own_addresses():
        return None
    subject, text, html = mail.render(event, {"case": case, "reference": case.reference, **context}, language)
    message_id = make_msgid(idstring=f"{case.reference.lower()}.{event.removeprefix('takedown_')}",
                            domain=_copyright_domain())
    headers = {"Message-ID": message_id, "Reply-To": settings.COPYRIGHT_EMAIL}
    if auto:
        headers["Auto-Submitted"] = "auto-replied"  # RFC 3834: their auto-responders must not answer
    in_reply_to, references = "", []
    if thread:
        # Never to an email held for staff: that came from someone other than the complainant.
        last = (case.messages.filter(direction=TakedownMessage.Direction.IN, held=False)
                .order_by("-created_at", "-id").first())
        if last is not None:
            in_reply_to = last.message_id
            references = [*last.references.split(), last.message_id][-10:]
            headers["In-Reply-To"] = in_reply_to
            headers["References"] = " ".join(references)
    record = TakedownMessage.objects.create(
        case=case, direction=TakedownMessage.Direction.OUT, message_id=message_id, in_reply_to=in_reply_to,
        references=" ".join(references), from_address=settings.DEFAULT_FROM_EMAIL[:254], to_addresses=to,
        subject=subject[:998], text=text, template=event, language=language, auto_submitted=auto,
    )
    TakedownEvent.objects.create(
        case=case, kind=TakedownEvent.Kind.EMAIL_OUT, actor=by if getattr(by, "pk", None) else None,
        from_status=case.status, to_status=case.status, message=record,
    )
    mail.queue(to=[to], subject=subject, text=text, html=html, headers=headers)
    return record


def _reported_urls(case, *, build_uri=None):
    """The reported articles at this site's own address: a host taken from the notice is never echoed."""
    links = (article_links.parse(url) for url in case.reported_url_list)
    return list(dict.fromkeys(_absolute(link.path, build_uri) for link in links if link))


def _article_lines(articles, *, build_uri=None):
    return [{"title": a.title, "url": _absolute(a.get_absolute_url(), build_uri)} for a in articles]


def takedown_received(case, *, build_uri=None):
    """The acknowledgement: the notice is on record under its reference."""
    if not _auto_reply_allowed(case.complainant_email):
        return None
    return _takedown_mail(case, "takedown_received", to=case.complainant_email, language=case.language, auto=True,
                          context={"name": case.complainant_name, "received_at": case.received_at,
                                   "urls": _reported_urls(case, build_uri=build_uri),
                                   "articles": [a.title for a in case.articles.all()]})


def takedown_needs_info(case, *, missing=(), message="", first=False, by=None, build_uri=None):
    """What the notice lacks (at intake: also the acknowledgement) or what staff need."""
    if first and not _auto_reply_allowed(case.complainant_email):
        return None
    with translation.override(case.language):
        report_url = _absolute(reverse("submissions:copyright_report"), build_uri)
    return _takedown_mail(case, "takedown_needs_info", to=case.complainant_email, language=case.language,
                          by=by, auto=first,
                          context={"name": case.complainant_name, "missing": [str(m) for m in missing],
                                   "message": message, "first": first, "report_url": report_url})


def takedown_upheld(case, *, articles, by=None):
    return _takedown_mail(case, "takedown_upheld", to=case.complainant_email, language=case.language, by=by,
                          context={"name": case.complainant_name, "articles": [a.title for a in articles]})


def takedown_dismissed(case, *, reason, by=None):
    return _takedown_mail(case, "takedown_dismissed", to=case.complainant_email, language=case.language, by=by,
                          context={"name": case.complainant_name, "reason": reason})


def _author_language(articles) -> str:
    for article in articles:
        submission = getattr(article, "submission", None)  # the story's contributor chose a language
        if submission is not None:
            return submission.contact_language
    return articles[0].language if articles else "en"


def _can_log_in(user) -> bool:
    return bool(user.is_active and user.has_usable_password())


def takedown_disabled_for_contributor(case, *, author, articles, reason, by=None, build_uri=None):
    """Tell the author why their story was disabled and how to dispute it."""
    language = _author_language(articles)
    with translation.override(language):
        counter_url = _absolute(reverse("submissions:counter_notice", args=[case.reference]), build_uri)
        lines = _article_lines(articles, build_uri=build_uri)
    profile = getattr(author, "profile", None)
    return _takedown_mail(
        case, "takedown_disabled", to=author.email, language=language, by=by, thread=False,
        context={"name": profile.display_name if profile else author.get_username(),
                 "articles": lines, "reason": reason,
                 "work": case.work_description, "counter_url": counter_url, "can_log_in": _can_log_in(author),
                 "days": settings.TAKEDOWN_COUNTER_NOTICE_BUSINESS_DAYS,
                 "copyright_email": settings.COPYRIGHT_EMAIL},
    )


def takedown_counter_notice(case, *, counter_notice, by=None):
    """Forward the counter-notice to the complainant, with the date the articles come back."""
    return _takedown_mail(case, "takedown_counter_notice", to=case.complainant_email, language=case.language,
                          by=by, context={"name": case.complainant_name, "notice": counter_notice,
                                          "restore_after": case.restore_after,
                                          "articles": [a.title for a in case.articles.all()]})


def takedown_restored(case, *, articles, automatic=False, by=None):
    return _takedown_mail(case, "takedown_restored", to=case.complainant_email, language=case.language, by=by,
                          context={"name": case.complainant_name, "articles": [a.title for a in articles],
                                   "automatic": automatic})


def takedown_restored_for_contributor(case, *, author, articles, by=None, build_uri=None):
    language = _author_language(articles)
    with translation.override(language):
        lines = _article_lines(articles, build_uri=build_uri)
    profile = getattr(author, "profile", None)
    return _takedown_mail(case, "takedown_restored_author", to=author.email, language=language, by=by, thread=False,
                          context={"name": profile.display_name if profile else author.get_username(),
                                   "articles": lines})


def takedown_reply(case, *, message, by=None):
    return _takedown_mail(case, "takedown_reply", to=case.complainant_email, language=case.language, by=by,
                          context={"name": case.complainant_name, "message": message})
