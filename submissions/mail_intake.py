"""Incoming mail → takedown cases: routing, threading, idempotency and quarantine.

A source (submissions/mail_sources.py: IMAP, Maildir, mbox, standard input) yields raw
messages; each is parsed (submissions/mail_parsing.py) and routed by the address it was sent
to: mail to COPYRIGHT_EMAIL (or TAKEDOWN_ADDRESSES) is handled here as a takedown notice, and
MAIL_INTAKE_ROUTES can send further addresses to further handlers (HANDLERS), so that a
submissions-by-email address can plug into the same path.

For a takedown message:
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
  (it is a notice of its own); if not, it is quarantined for staff;
- automatic mail (auto-replies, bounces: RFC 3834) never gets an answer, and never opens a case:
  about no case it may use, it is quarantined for a person to look at.

Idempotent by Message-ID, enforced by the database (a unique column), so two runs at once, or a
run after a failed one, create nothing twice. Bytes that are not an email, and messages that
cannot be handled, are kept whole in QuarantinedMail with the reason; a database that does not
answer stops the run (the message stays in its source, and is read again next time).
"""

from __future__ import annotations

import enum
import hashlib
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.utils import getaddresses

from django.conf import settings
from django.db import DataError, IntegrityError, transaction
from django.db import Error as DatabaseError

from articles import newsletter_bounces
from submissions import article_links, takedowns
from submissions.mail_parsing import Attachment, ParsedMail, RefusedMail, UnparseableMail, parse
from submissions.mail_sources import SourceMessage
from submissions.models import QuarantinedMail, TakedownAttachment, TakedownCase, TakedownMessage, TakedownSource
from submissions.notifications import own_addresses

logger = logging.getLogger(__name__)

TAKEDOWNS = "takedowns"


class Outcome(enum.StrEnum):
    NEW_CASE = "new case"
    REPLY = "reply"
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"
    BOUNCE = "newsletter bounce"


@dataclass
class Result:
    outcome: Outcome
    case: TakedownCase | None = None
    reason: str = ""
    needs_info: bool = False
    held: bool = False  # kept on the case's timeline without acting on it: not from its complainant


@dataclass
class Summary:
    new_cases: int = 0
    needs_info: int = 0
    replies: int = 0
    duplicates: int = 0
    quarantined: int = 0
    bounces: int = 0
    results: list[Result] = field(default_factory=list, repr=False)

    def add(self, result: Result) -> None:
        self.results.append(result)
        if result.outcome == Outcome.NEW_CASE:
            self.new_cases += 1
            self.needs_info += result.needs_info
        elif result.outcome == Outcome.REPLY:
            self.replies += 1
        elif result.outcome == Outcome.DUPLICATE:
            self.duplicates += 1
        elif result.outcome == Outcome.BOUNCE:
            self.bounces += 1
        else:
            self.quarantined += 1

    @property
    def total(self) -> int:
        return len(self.results)

    def line(self) -> str:
        return (f"new cases: {self.new_cases} (needing information: {self.needs_info}), replies: {self.replies}, "
                f"duplicates: {self.duplicates}, quarantined: {self.quarantined}"
                + (f", newsletter bounces: {self.bounces}" if self.bounces else ""))


# --- Routing ----------------------------------------------------------------------------------


def _address(value: str) -> str:
    pairs = getaddresses([value or ""])
    return pairs[0][1].lower() if pairs and pairs[0][1] else ""


def routes() -> dict[str, str]:
    """Recipient address → handler name."""
    table = {_address(settings.COPYRIGHT_EMAIL): TAKEDOWNS}
    table.update({_address(a): TAKEDOWNS for a in settings.TAKEDOWN_ADDRESSES})
    table.update({_address(a): name for a, name in settings.MAIL_INTAKE_ROUTES.items()})
    table.pop("", None)
    return table


def route_for(parsed: ParsedMail, default: str) -> str:
    """The handler for the first of our addresses the mail was sent to (envelope first); else the mailbox's."""
    table = routes()
    for recipient in parsed.recipients:
        if recipient.lower() in table:
            return table[recipient.lower()]
    return default


def site_hosts() -> list[str]:
    return article_links.site_hosts()


# --- One message ------------------------------------------------------------------------------


def quarantine(raw: bytes, reason: str, *, source_id: str = "") -> Result:
    """Keep the bytes with the reason (once: the same bytes quarantined again are the same row)."""
    raw = bytes(raw)
    QuarantinedMail.objects.get_or_create(
        sha256=hashlib.sha256(raw).hexdigest(),
        defaults={"raw": raw, "reason": reason[:5000], "source_id": source_id[:500], "size": len(raw)},
    )
    return Result(Outcome.QUARANTINED, reason=reason)


def ingest_message(raw: bytes, *, source_id: str = "", default_route: str = TAKEDOWNS) -> Result:
    """Parse, route and handle one raw message. Raises only database errors that are not the message's fault."""
    try:
        parsed = parse(raw, site_hosts=site_hosts())
    except RefusedMail as error:
        return quarantine(raw, f"refused: {error.reason}", source_id=source_id)
    except UnparseableMail as error:
        return quarantine(raw, f"not an email message: {error.reason}", source_id=source_id)
    if TakedownMessage.objects.filter(message_id=parsed.message_id).exists():
        return Result(Outcome.DUPLICATE)
    route = route_for(parsed, default_route)
    handler = HANDLERS.get(route)
    if handler is None:
        return quarantine(raw, f"no handler for mail to this address (route {route!r})", source_id=source_id)
    try:
        return handler(parsed, raw=raw, source_id=source_id)
    except IntegrityError:
        # Another run stored the same Message-ID between our check and our insert.
        if TakedownMessage.objects.filter(message_id=parsed.message_id).exists():
            return Result(Outcome.DUPLICATE)
        logger.exception("Mail %s could not be stored", source_id)
        return quarantine(raw, "could not be stored (a database constraint refused it)", source_id=source_id)
    except DataError as error:
        return quarantine(raw, f"could not be stored ({error})", source_id=source_id)
    except Exception as error:
        if isinstance(error, DatabaseError):
            raise  # the database is down or broken: not this message's fault, try again later
        logger.exception("Mail %s could not be handled", source_id)
        return quarantine(raw, f"could not be handled ({type(error).__name__}: {error})", source_id=source_id)


def ingest(messages: Iterable[SourceMessage], *, default_route: str = TAKEDOWNS,
           on_result: Callable[[SourceMessage, Result], None] | None = None) -> Summary:
    """Handle every message of a source: ack what is recorded, quarantine what is set aside.

    A database error propagates (the message stays in its source, unacknowledged), as does a
    MailSourceError from the source itself.
    """
    summary = Summary()
    for message in messages:
        result = ingest_message(message.raw, source_id=message.source_id, default_route=default_route)
        try:
            if result.outcome == Outcome.QUARANTINED:
                message.quarantine()
            else:
                message.ack()
        except FileNotFoundError:
            pass  # another run reading the same Maildir moved it first
        summary.add(result)
        if on_result is not None:
            on_result(message, result)
    return summary


# --- Takedowns --------------------------------------------------------------------------------

_CLEAN = re.compile("\x00")
_REFERENCE_RE = re.compile(r"TD-(\d{4})-(\d+)", re.I)


def _clean(value, limit=None) -> str:
    value = _CLEAN.sub("", str(value or ""))
    return value[:limit] if limit else value


def _message(parsed: ParsedMail, raw: bytes, source_id: str) -> TakedownMessage:
    return TakedownMessage(
        direction=TakedownMessage.Direction.IN,
        message_id=_clean(parsed.message_id, 255), synthetic_message_id=parsed.synthetic_message_id,
        in_reply_to=_clean(parsed.in_reply_to, 255), references=_clean(" ".join(parsed.references)),
        from_name=_clean(parsed.from_name, 200), from_address=_clean(parsed.from_address, 254),
        to_addresses=_clean(", ".join(parsed.recipients)), subject=_clean(parsed.subject, 998),
        text=_clean(parsed.text), language=parsed.language, date=parsed.date,
        auto_submitted=parsed.auto_submitted, source_id=_clean(source_id, 500), raw=bytes(raw), size=len(raw),
        attachments=[{"filename": _clean(a.filename, 200), "content_type": _clean(a.content_type, 100),
                      "size": a.size} for a in parsed.attachments],
        defects=[_clean(d, 300) for d in parsed.defects],
    )


def _normalise_reference(text: str) -> str | None:
    match = _REFERENCE_RE.fullmatch(text.strip())
    return TakedownCase.make_reference(int(match.group(1)), int(match.group(2))) if match else None


def _message_ids(parsed: ParsedMail) -> list[str]:
    """The Message-IDs the mail answers, newest first; a bounce's are in the message it returns."""
    ids = [parsed.in_reply_to, *reversed(parsed.references)]
    if parsed.auto_submitted:
        ids += parsed.returned_message_ids
    return [i for i in dict.fromkeys(ids) if i]


def answered_case(parsed: ParsedMail) -> TakedownCase | None:
    """The case of the newest message this site sent that the mail answers (its threading proves it read it)."""
    ids = _message_ids(parsed)
    if not ids:
        return None
    ours = (TakedownMessage.objects.filter(message_id__in=ids, direction=TakedownMessage.Direction.OUT)
            .select_related("case").order_by("-created_at", "-id").first())
    return ours.case if ours is not None else None


def named_cases(parsed: ParsedMail) -> list[TakedownCase]:
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


def _links(parsed: ParsedMail) -> list:
    found = takedowns.articles_by_slug(parsed.article_slugs)
    links, seen = [], set()
    for url in parsed.article_urls:
        article = found.get(url.rstrip("/").rsplit("/", 1)[-1])
        if article is not None and article.pk not in seen:
            seen.add(article.pk)
            links.append((article, url))
    return links


def handle_takedown(parsed: ParsedMail, *, raw: bytes, source_id: str = "") -> Result:
    message = _message(parsed, raw, source_id)
    with transaction.atomic():  # the message with its attachments, or neither
        result = _file(parsed, message, raw=raw, source_id=source_id)
        if message.pk is not None:
            TakedownAttachment.objects.bulk_create(
                TakedownAttachment(message=message, position=position, filename=_clean(a.filename, 200),
                                   content_type=_clean(a.content_type, 100), data=a.data)
                for position, a in enumerate(parsed.attachments))
    return result


def _file(parsed: ParsedMail, message: TakedownMessage, *, raw: bytes, source_id: str) -> Result:
    """Put the message on the case it may answer, hold it there, open a case, or quarantine it."""
    links = _links(parsed)
    answered, named = answered_case(parsed), named_cases(parsed)
    for case in (answered, *named):
        if case is not None and is_complainant(case, parsed.from_address):
            takedowns.receive_message(case, message=message, links=links)
            return Result(Outcome.REPLY, case=case)
    if answered is not None:
        covered = set(answered.case_articles.values_list("article_id", flat=True))
        if parsed.auto_submitted or all(article.pk in covered for article, _ in links):
            # An answer to our mail from someone else (an author asking why their story was disabled, a
            # colleague, a bounce): staff read it on the case. One naming other articles is a notice of its own.
            takedowns.receive_message(answered, message=message, held=True)
            return Result(Outcome.REPLY, case=answered, held=True)
    if parsed.auto_submitted:
        return quarantine(raw, "an automatic message (auto-reply, bounce or list mail) about no case it may be "
                               "filed on", source_id=source_id)
    if named and not links:
        return quarantine(raw, "held for staff: it names a case but comes neither from its complainant nor as an "
                               "answer to our mail about it, and names none of our articles", source_id=source_id)
    sender = (parsed.reply_to or parsed.from_address or "").lower()
    own = sender in own_addresses()
    case = takedowns.open_case(
        source=TakedownSource.EMAIL, language=parsed.language,
        complainant_name=_clean(parsed.from_name, 200), complainant_email=_clean(sender, 254) if "@" in sender else "",
        forwarded_from=_clean(parsed.forwarded_from, 254),
        reported_urls=[_clean(u, 500) for u in parsed.article_urls], links=links,
        good_faith_statement=parsed.notice_elements.get("good_faith_statement", False),
        accuracy_statement=parsed.notice_elements.get("accuracy_statement", False),
        missing=parsed.missing_elements, message=message, notify=not own,
        quiet_reason=takedowns.NO_ACK_OWN_ADDRESS if own else "",
    )
    return Result(Outcome.NEW_CASE, case=case, needs_info=bool(parsed.missing_elements))


# --- Newsletter bounces (the address in NEWSLETTER_BOUNCE_EMAIL) ------------------------------------

NEWSLETTER_BOUNCES = "newsletter_bounces"


def handle_newsletter_bounce(parsed: ParsedMail, *, raw: bytes, source_id: str = "") -> Result:
    """A delivery status notification about the newsletter (articles/newsletter_bounces.py reads it)."""
    try:
        done = newsletter_bounces.handle_dsn(raw)
    except newsletter_bounces.NotAReport as error:
        return quarantine(raw, f"mail to the newsletter bounce address that is not our bounce: {error}",
                          source_id=source_id)
    return Result(Outcome.BOUNCE, reason=done)


HANDLERS: dict[str, Callable[..., Result]] = {TAKEDOWNS: handle_takedown, NEWSLETTER_BOUNCES: handle_newsletter_bounce}


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
    raw = TakedownMessage.objects.filter(pk=message.pk).values_list("raw", flat=True).first()
    try:
        return parse(bytes(raw or b""), site_hosts=[]).attachments
    except UnparseableMail:
        return []
