"""Emails about copyright takedown cases, to complainants and to the authors of the articles concerned."""

from datetime import timedelta
from email.utils import getaddresses, make_msgid, parseaddr

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from articles import links as article_links
from newsroom import mail
from submissions.notifications import _absolute
from submissions.takedowns.models import TakedownEvent, TakedownMessage

# Every email about a case is rendered in the case's language (the contributor's, for authors),
# recorded as an outgoing TakedownMessage with a timeline event, and queued in the outbox with it. Replies
# come back to the copyright mailbox (Reply-To); submissions/takedowns/inbound.py decides which may act on the case.


def own_addresses() -> set[str]:
    """Our own addresses: never sent an automatic email (that would be a mail loop)."""
    values = [settings.COPYRIGHT_EMAIL, settings.DEFAULT_FROM_EMAIL, settings.SERVER_EMAIL,
              *settings.TAKEDOWN_ADDRESSES, *settings.MAIL_INTAKE_ROUTES]
    return {address.lower() for _, address in getaddresses(values) if address}


def _copyright_domain() -> str:
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
        report_url = _absolute(reverse("takedowns:report"), build_uri)
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
        counter_url = _absolute(reverse("takedowns:counter_notice", args=[case.reference]), build_uri)
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
