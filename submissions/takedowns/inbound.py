"""Incoming mail → takedown cases: the handler of the `takedowns` route of newsroom/inbound.py.

The inbound mechanism stores each message once and routes mail to COPYRIGHT_EMAIL (or
TAKEDOWN_ADDRESSES) here; this module reads it as a notice (submissions/takedowns/mail_parsing.py) and:
- it answers a case when it comes from the case's complainant address (upper or lower case alike)
  and its In-Reply-To/References name one of the case's messages or its subject carries the case's
  reference (TD-2026-00042): it is kept on the timeline, links the articles it names and, as the
  answer to a request for information, puts the case back under review;
- from anyone else, references prove nothing (they are sequential, and anyone can copy a
  subject). Only a mail threaded to a message this site sent about the case (our Message-IDs
  are unguessable; a bounce quotes ours in the message it returns) is kept on that case's
  timeline, held for staff: it links nothing and moves nothing. Any other mail naming a case is
  treated as if it named none;
- otherwise it opens a new case, acknowledged by email; links to this site's articles are
  attached; an incomplete notice waits in `needs_info` and the sender is told what is missing.
  A mail that claims a case it may not use opens one only when it names one of our articles
  (it is a notice of its own); if not, it is rejected (quarantined for staff);
- automatic mail (auto-replies, bounces: RFC 3834) never gets an answer, and never opens a case:
  about no case it may use, it is rejected for a person to look at.

A notice already on a case (the same Message-ID arriving as other bytes: another path, other
Received headers) is a duplicate; TakedownMessage.message_id is unique besides.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from django.db import transaction

from articles import links as article_links
from newsroom import inbound, mail_parsing
from newsroom.mail_parsing import Attachment, UnparseableMail
from submissions.takedowns import workflow
from submissions.takedowns.mail_parsing import NoticeMail, read_notice
from submissions.takedowns.models import TakedownAttachment, TakedownCase, TakedownMessage, TakedownSource
from submissions.takedowns.notifications import own_addresses


class Outcome(enum.StrEnum):
    NEW_CASE = "new case"
    REPLY = "reply"


@dataclass
class Result(inbound.Result):
    case: TakedownCase | None = None
    needs_info: bool = False
    held: bool = False  # kept on the case's timeline without acting on it: not from its complainant


def _result(outcome: Outcome, case: TakedownCase, *, needs_info: bool = False, held: bool = False) -> Result:
    return Result(outcome, reference=case.reference, tallies=("needing information",) if needs_info else (),
                  case=case, needs_info=needs_info, held=held)


# --- Takedowns --------------------------------------------------------------------------------

_CLEAN = re.compile("\x00")
_REFERENCE_RE = re.compile(r"TD-(\d{4})-(\d+)", re.I)


def _clean(value, limit=None) -> str:
    value = _CLEAN.sub("", str(value or ""))
    return value[:limit] if limit else value


def _message(parsed: NoticeMail, mail: inbound.Mail) -> TakedownMessage:
    return TakedownMessage(
        direction=TakedownMessage.Direction.IN,
        message_id=_clean(parsed.message_id, 255), synthetic_message_id=parsed.synthetic_message_id,
        in_reply_to=_clean(parsed.in_reply_to, 255), references=_clean(" ".join(parsed.references)),
        from_name=_clean(parsed.from_name, 200), from_address=_clean(parsed.from_address, 254),
        to_addresses=_clean(", ".join(parsed.recipients)), subject=_clean(parsed.subject, 998),
        text=_clean(parsed.text), language=parsed.language, date=parsed.date,
        auto_submitted=parsed.auto_submitted, source_id=_clean(mail.source_id, 500), inbound=mail.record,
        size=len(mail.raw),
        attachments=[{"filename": _clean(a.filename, 200), "content_type": _clean(a.content_type, 100),
                      "size": a.size} for a in parsed.attachments],
        defects=[_clean(d, 300) for d in parsed.defects],
    )


def _normalise_reference(text: str) -> str | None:
    match = _REFERENCE_RE.fullmatch(text.strip())
    return TakedownCase.make_reference(int(match.group(1)), int(match.group(2))) if match else None


def _message_ids(parsed: NoticeMail) -> list[str]:
    """The Message-IDs the mail answers, newest first; a bounce's are in the message it returns."""
    ids = [parsed.in_reply_to, *reversed(parsed.references)]
    if parsed.auto_submitted:
        ids += parsed.returned_message_ids
    return [i for i in dict.fromkeys(ids) if i]


def answered_case(parsed: NoticeMail) -> TakedownCase | None:
    """The case of the newest message this site sent that the mail answers (its threading proves it read it)."""
    ids = _message_ids(parsed)
    if not ids:
        return None
    ours = (TakedownMessage.objects.filter(message_id__in=ids, direction=TakedownMessage.Direction.OUT)
            .select_related("case").order_by("-created_at", "-id").first())
    return ours.case if ours is not None else None


def named_cases(parsed: NoticeMail) -> list[TakedownCase]:
    """Cases the mail says it is about without proof: threaded to a message we received, or named by reference
    in its subject (an automatic message quotes our original in its body, so there its body's count too)."""
    cases = []
    ids = _message_ids(parsed)
    if ids:
        received = (TakedownMessage.objects.filter(message_id__in=ids, direction=TakedownMessage.Direction.IN)
                    .select_related("case").order_by("-created_at", "-id"))
        cases += [message.case for message in received[:20]]
    subject = parsed.subject.upper()
    candidates = [ref for ref in parsed.case_references if parsed.auto_submitted or ref.upper() in subject]
    references = [r for r in (_normalise_reference(c) for c in candidates) if r][:20]
    if references:
        found = {case.reference: case for case in TakedownCase.objects.filter(reference__in=references)}
        cases += [found[reference] for reference in references if reference in found]
    return list({case.pk: case for case in cases}.values())


def is_complainant(case: TakedownCase, address: str) -> bool:
    return bool(address) and address.strip().lower() == (case.complainant_email or "").strip().lower()


def _links(parsed: NoticeMail) -> list:
    found = workflow.articles_by_slug(parsed.article_slugs)
    links, seen = [], set()
    for url in parsed.article_urls:
        article = found.get(url.rstrip("/").rsplit("/", 1)[-1])
        if article is not None and article.pk not in seen:
            seen.add(article.pk)
            links.append((article, url))
    return links


def handle_takedown(mail: inbound.Mail) -> inbound.Result:
    try:
        parsed = read_notice(mail.parsed, site_hosts=article_links.site_hosts())
    except UnparseableMail as error:
        raise inbound.Reject(f"not a readable notice: {error.reason}") from error
    if TakedownMessage.objects.filter(message_id=parsed.message_id).exists():
        return inbound.Result(inbound.Outcome.DUPLICATE)
    message = _message(parsed, mail)
    with transaction.atomic():  # the message with its attachments, or neither
        result = _file(parsed, message)
        if message.pk is not None:
            TakedownAttachment.objects.bulk_create(
                TakedownAttachment(message=message, position=position, filename=_clean(a.filename, 200),
                                   content_type=_clean(a.content_type, 100), data=a.data)
                for position, a in enumerate(parsed.attachments))
    return result


def _file(parsed: NoticeMail, message: TakedownMessage) -> Result:
    """Put the message on the case it may answer, hold it there, open a case, or reject it (quarantined)."""
    links = _links(parsed)
    answered, named = answered_case(parsed), named_cases(parsed)
    for case in (answered, *named):
        if case is not None and is_complainant(case, parsed.from_address):
            workflow.receive_message(case, message=message, links=links)
            return _result(Outcome.REPLY, case)
    if answered is not None:
        covered = set(answered.case_articles.values_list("article_id", flat=True))
        if parsed.auto_submitted or all(article.pk in covered for article, _ in links):
            # An answer to our mail from someone else (an author asking why their story was disabled, a
            # colleague, a bounce): staff read it on the case. One naming other articles is a notice of its own.
            workflow.receive_message(answered, message=message, held=True)
            return _result(Outcome.REPLY, answered, held=True)
    if parsed.auto_submitted:
        raise inbound.Reject("an automatic message (auto-reply, bounce or list mail) about no case it may be "
                             "filed on")
    if named and not links:
        raise inbound.Reject("held for staff: it names a case but comes neither from its complainant nor as an "
                             "answer to our mail about it, and names none of our articles")
    sender = (parsed.reply_to or parsed.from_address or "").lower()
    own = sender in own_addresses()
    case = workflow.open_case(
        source=TakedownSource.EMAIL, language=parsed.language,
        complainant_name=_clean(parsed.from_name, 200), complainant_email=_clean(sender, 254) if "@" in sender else "",
        forwarded_from=_clean(parsed.forwarded_from, 254),
        reported_urls=[_clean(u, 500) for u in parsed.article_urls], links=links,
        good_faith_statement=parsed.notice_elements.get("good_faith_statement", False),
        accuracy_statement=parsed.notice_elements.get("accuracy_statement", False),
        missing=parsed.missing_elements, message=message, notify=not own,
        quiet_reason=workflow.NO_ACK_OWN_ADDRESS if own else "",
    )
    return _result(Outcome.NEW_CASE, case, needs_info=bool(parsed.missing_elements))


def attachments(message: TakedownMessage) -> list[Attachment]:
    """The attachments of a stored incoming message, as decoded when it arrived."""
    if message.direction != TakedownMessage.Direction.IN:
        return []
    stored = [Attachment(a.filename, a.content_type, bytes(a.data)) for a in message.attachment_files.all()]
    return stored or _read_again(message)


def attachment(message: TakedownMessage, index: int) -> Attachment | None:
    """One attachment of a stored incoming message (a download reads its own bytes, not the whole message)."""
    if message.direction != TakedownMessage.Direction.IN or not 0 <= index < len(message.attachments):
        return None
    stored = message.attachment_files.filter(position=index).first()
    if stored is not None:
        return Attachment(stored.filename, stored.content_type, bytes(stored.data))
    found = _read_again(message)
    return found[index] if index < len(found) else None


def _read_again(message: TakedownMessage) -> list[Attachment]:
    """A message stored before attachments were kept on their own: parse its original again (refused, like
    any mail, past MAX_PARTS parts, so this stays cheap)."""
    if not message.attachments:
        return []
    try:
        return mail_parsing.parse(message.raw).attachments
    except UnparseableMail:
        return []
