"""Incoming mail, one mechanism for every app (the shape of Rails' Action Mailbox).

A source (newsroom/mail_sources.py: IMAP, Maildir, mbox, standard input) yields raw messages.
Each is stored once as an InboundMessage (unique on Message-ID and a checksum of its content),
parsed (newsroom/mail_parsing.py: MIME, charsets, HTML to text, bounds) and routed by the
address it was sent to (`routes()`, from settings). The app that owns the route handles it:
apps `register()` a handler in their AppConfig.ready(), so this module imports no app. What no
handler takes, what cannot be parsed, and what a handler rejects (`Reject`) is quarantined with
its reason, kept for staff, who may hand it to its handler again from the admin.

Never lost, never handled twice:
- the row is written before anything is handled, and the same bytes read again (another run,
  IMAP and a Maildir copy, a mail server piping it twice) find that row: a handled message is a
  duplicate, a quarantined one stays quarantined, whatever the route;
- a message is handled under a lock on its row, in one transaction with its handler's work and
  its status, so two runs at once handle it once;
- a handler that raises leaves the message `received`, with the error and one more attempt:
  every run retries such messages first (`retry_pending()`), and after MAIL_INTAKE_MAX_ATTEMPTS
  failures it is quarantined. A database that does not answer stops the run instead (the message
  stays in its source, unacknowledged, and is read again next time).
"""

from __future__ import annotations

import enum
import hashlib
import logging
import ssl
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.utils import getaddresses

from django.conf import settings
from django.db import DataError, IntegrityError, transaction
from django.db import Error as DatabaseError
from django.utils import timezone

from newsroom import mail_parsing
from newsroom.mail_parsing import ParsedMail, RefusedMail, UnparseableMail
from newsroom.mail_sources import ImapSource, MailSourceError, SourceMessage
from newsroom.models import InboundMessage

logger = logging.getLogger(__name__)

Status = InboundMessage.Status

# The routes the settings name (an app registers the handler of its own).
TAKEDOWNS = "takedowns"  # COPYRIGHT_EMAIL and TAKEDOWN_ADDRESSES
NEWSLETTER_BOUNCES = "newsletter_bounces"  # NEWSLETTER_BOUNCE_EMAIL
STORIES = "stories"  # SUBMISSIONS_EMAIL: stories by email


class Outcome(enum.StrEnum):
    """What the intake itself decides; a handler names what it made ("new case", "newsletter bounce")."""

    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"
    RETRY = "to retry"


class Reject(Exception):
    """Raised by a handler: the message is not for it (quarantined with this reason, for staff).

    The handler's own work is rolled back with it; `after`, if given, runs once the message is quarantined, in
    that same transaction (a handler queues its note to the sender there, e.g. what to fix).
    """

    def __init__(self, reason: str, *, after: Callable[[], None] | None = None):
        super().__init__(reason)
        self.reason = reason
        self.after = after


@dataclass(frozen=True)
class Mail:
    """What a handler receives."""

    raw: bytes = field(repr=False)
    parsed: ParsedMail = field(repr=False)
    route: str
    source_id: str
    record: InboundMessage = field(repr=False)


@dataclass
class Result:
    """What became of one message. Handlers return one (or a subclass carrying their own objects)."""

    outcome: str
    reason: str = ""
    reference: str = ""  # what the handler made or found, e.g. a case reference, shown in logs and the admin
    tallies: tuple[str, ...] = ()  # further counts for the run's summary ("needing information")
    record: InboundMessage | None = field(default=None, repr=False)


Handler = Callable[[Mail], Result]
_handlers: dict[str, Handler] = {}


def register(route: str, handler: Handler) -> None:
    """Make `handler` handle the mail routed to `route` (call it from your AppConfig.ready())."""
    _handlers[route] = handler


def unregister(route: str) -> None:
    _handlers.pop(route, None)


# --- Routing ----------------------------------------------------------------------------------


def _address(value: str) -> str:
    pairs = getaddresses([value or ""])
    return pairs[0][1].lower() if pairs and pairs[0][1] else ""


def routes() -> dict[str, str]:
    """Recipient address → route, from the settings (MAIL_INTAKE_ROUTES adds or overrides)."""
    table = {_address(settings.COPYRIGHT_EMAIL): TAKEDOWNS}
    table.update({_address(a): TAKEDOWNS for a in settings.TAKEDOWN_ADDRESSES})
    table[_address(settings.NEWSLETTER_BOUNCE_EMAIL)] = NEWSLETTER_BOUNCES
    table[_address(settings.SUBMISSIONS_EMAIL)] = STORIES
    table.update({_address(a): name for a, name in settings.MAIL_INTAKE_ROUTES.items()})
    table.pop("", None)
    return table


def route_for(parsed: ParsedMail) -> tuple[str, str]:
    """(route, address) for the first of our addresses the mail was sent to, envelope first; ("", "") if none."""
    table = routes()
    for recipient in parsed.recipients:
        if recipient.lower() in table:
            return table[recipient.lower()], recipient.lower()
    return "", ""


# --- One message ------------------------------------------------------------------------------


def checksum(raw: bytes) -> str:
    """SHA-256 of the content: the same message from IMAP (CRLF), a Maildir (LF) or a pipe (with its mbox From line)."""
    content = mail_parsing.strip_mbox_from_line(bytes(raw)).replace(b"\r\n", b"\n").rstrip(b"\n")
    return hashlib.sha256(content).hexdigest()


def ingest_message(raw: bytes, *, source_id: str = "") -> Result:
    """Store, route and handle one raw message. Raises only database errors that are not the message's fault."""
    raw = bytes(raw)
    digest = checksum(raw)
    record = InboundMessage.objects.filter(checksum=digest).defer("raw").first()
    parsed = None
    if record is None:
        parsed, problem = _parse(raw)
        record = _store(raw, digest, parsed, problem, source_id)
    return handle(record, parsed=parsed)


def _parse(raw: bytes) -> tuple[ParsedMail | None, str]:
    try:
        return mail_parsing.parse(raw), ""
    except RefusedMail as error:
        return None, f"refused: {error.reason}"
    except UnparseableMail as error:
        return None, f"not an email message: {error.reason}"


def _text(value: str, limit: int) -> str:
    """A header value as a column takes it: PostgreSQL refuses NUL in text, and the sender chose these bytes."""
    return value.replace("\x00", "")[:limit]


def _store(raw: bytes, digest: str, parsed: ParsedMail | None, problem: str, source_id: str) -> InboundMessage:
    route, recipient = route_for(parsed) if parsed else ("", "")
    fields = dict(
        raw=raw, size=len(raw), source_id=_text(source_id, 500), route=route, recipient=_text(recipient, 254),
        sender=_text(parsed.from_address if parsed else "", 254), subject=_text(parsed.subject if parsed else "", 998),
        status=Status.QUARANTINED if problem else Status.RECEIVED, reason=_text(problem, 5000),
    )
    message_id = _text(parsed.message_id, 255) if parsed and not parsed.synthetic_message_id else ""
    try:
        with transaction.atomic():
            return InboundMessage.objects.create(message_id=message_id, checksum=digest, **fields)
    except IntegrityError:  # another run stored the same message between our look-up and our insert
        return InboundMessage.objects.defer("raw").get(message_id=message_id, checksum=digest)


def handle(record: InboundMessage, *, parsed: ParsedMail | None = None) -> Result:
    """Hand a received message to its route's handler, once: under a lock on its row, with the handler's work."""
    with transaction.atomic():
        record = InboundMessage.objects.select_for_update().get(pk=record.pk)
        if record.status == Status.HANDLED:
            return Result(Outcome.DUPLICATE, reference=record.handled_as, record=record)
        if record.status == Status.QUARANTINED:
            return Result(Outcome.QUARANTINED, reason=record.reason, record=record)
        raw = bytes(record.raw)
        if parsed is None:
            parsed, problem = _parse(raw)
            if problem:
                return _quarantine(record, problem)
        handler = _handlers.get(record.route)
        if handler is None:
            return _quarantine(record, _no_handler(record.route))
        try:
            with transaction.atomic():
                result = handler(Mail(raw, parsed, record.route, record.source_id, record))
        except Reject as rejected:
            result = _quarantine(record, rejected.reason)
            if rejected.after is not None:
                _after_reject(record, rejected.after)
            return result
        except Exception as error:
            if isinstance(error, DatabaseError) and not isinstance(error, (IntegrityError, DataError)):
                raise  # the database is down or broken: not this message's fault, try again later
            logger.exception("Mail %s (%s) could not be handled", record.pk, record.source_id)
            return _failed(record, f"could not be handled ({type(error).__name__}: {error})")
        record.status, record.handled_at, record.reason = Status.HANDLED, timezone.now(), ""
        record.handled_as = " ".join(filter(None, [str(result.outcome), result.reference]))[:200]
        record.save(update_fields=["status", "handled_at", "reason", "handled_as"])
        result.record = record
        return result


def _after_reject(record: InboundMessage, after: Callable[[], None]) -> None:
    """A rejecting handler's follow-up: its failure must not undo the quarantine (the database's must)."""
    try:
        with transaction.atomic():
            after()
    except Exception as error:
        if isinstance(error, DatabaseError) and not isinstance(error, (IntegrityError, DataError)):
            raise
        logger.exception("Mail %s (%s): the follow-up of its rejection failed", record.pk, record.source_id)


def _no_handler(route: str) -> str:
    if not route:
        return "sent to none of our addresses (COPYRIGHT_EMAIL, TAKEDOWN_ADDRESSES, NEWSLETTER_BOUNCE_EMAIL, " \
               "SUBMISSIONS_EMAIL, MAIL_INTAKE_ROUTES)"
    return f"no handler for mail to this address (route {route!r})"


def _quarantine(record: InboundMessage, reason: str) -> Result:
    record.status, record.reason = Status.QUARANTINED, _text(reason, 5000)
    record.save(update_fields=["status", "reason", "attempts"])
    return Result(Outcome.QUARANTINED, reason=record.reason, record=record)


def _failed(record: InboundMessage, reason: str) -> Result:
    """One more failed attempt: retried by the next run, quarantined after the last one."""
    record.attempts += 1
    limit = settings.MAIL_INTAKE_MAX_ATTEMPTS
    if record.attempts >= limit:
        return _quarantine(record, f"{reason}, {record.attempts} times")
    record.reason = _text(f"{reason}; attempt {record.attempts} of {limit}", 5000)
    record.save(update_fields=["attempts", "reason"])
    return Result(Outcome.RETRY, reason=record.reason, record=record)


def handle_again(record: InboundMessage) -> Result:
    """Staff's "handle again" on a quarantined message (its cause fixed): route it afresh and hand it over."""
    with transaction.atomic():
        record = InboundMessage.objects.select_for_update().get(pk=record.pk)
        if record.status != Status.QUARANTINED:
            return Result(Outcome.DUPLICATE, reference=record.handled_as, record=record)
        parsed, problem = _parse(bytes(record.raw))
        if problem:
            return Result(Outcome.QUARANTINED, reason=problem, record=record)
        record.route, record.recipient = route_for(parsed)
        record.status, record.attempts, record.reason = Status.RECEIVED, 0, ""
        record.save(update_fields=["route", "recipient", "status", "attempts", "reason"])
        return handle(record, parsed=parsed)


# --- A run ------------------------------------------------------------------------------------


@dataclass
class Summary:
    outcomes: Counter = field(default_factory=Counter)
    tallies: Counter = field(default_factory=Counter)
    results: list[Result] = field(default_factory=list, repr=False)

    def add(self, result: Result) -> None:
        self.results.append(result)
        self.outcomes[str(result.outcome)] += 1
        self.tallies.update(result.tallies)

    @property
    def total(self) -> int:
        return len(self.results)

    def line(self) -> str:
        handled = {k: n for k, n in self.outcomes.items() if k not in set(Outcome)}
        counts = "".join(f", {label}: {n}" for label, n in sorted({**handled, **self.tallies}.items()) if n)
        retry = self.outcomes[Outcome.RETRY]
        return (f"handled: {sum(handled.values())}{counts}, duplicates: {self.outcomes[Outcome.DUPLICATE]}, "
                f"quarantined: {self.outcomes[Outcome.QUARANTINED]}" + (f", to retry: {retry}" if retry else ""))


def retry_pending(*, on_result: Callable[[str, Result], None] | None = None, summary: Summary | None = None) -> Summary:
    """Hand every message still `received` (a handler failed on it in an earlier run) to its handler again."""
    summary = summary if summary is not None else Summary()
    for record in InboundMessage.objects.filter(status=Status.RECEIVED).defer("raw").order_by("received_at", "id"):
        result = handle(record)
        summary.add(result)
        if on_result is not None:
            on_result(record.source_id or f"inbound #{record.pk}", result)
    return summary


def ingest(messages: Iterable[SourceMessage], *,
           on_result: Callable[[str, Result], None] | None = None) -> Summary:
    """One run: retry what earlier runs left, then store and handle every message of a source.

    A stored message is acknowledged in its source (quarantined ones are moved aside); a database
    error propagates (the message stays in its source, unacknowledged), as does a MailSourceError.
    """
    summary = retry_pending(on_result=on_result)
    for message in messages:
        result = ingest_message(message.raw, source_id=message.source_id)
        try:
            if result.outcome == Outcome.QUARANTINED:
                message.quarantine()
            else:
                message.ack()
        except FileNotFoundError:
            pass  # another run reading the same Maildir moved it first
        summary.add(result)
        if on_result is not None:
            on_result(message.source_id, result)
    return summary


def imap_source() -> ImapSource:
    """The mailbox the settings name: MAIL_IMAP_* when MAIL_IMAP_HOST is set, else the older TAKEDOWN_IMAP_*."""
    prefix = "MAIL_IMAP_" if settings.MAIL_IMAP_HOST else "TAKEDOWN_IMAP_"

    def setting(name):
        return getattr(settings, prefix + name)

    if not setting("HOST"):
        raise MailSourceError("no mailbox: set MAIL_IMAP_HOST (or TAKEDOWN_IMAP_HOST) and the other MAIL_IMAP_* "
                              "settings")
    return ImapSource(
        setting("HOST"), setting("PORT"), setting("USER"), setting("PASSWORD"), setting("FOLDER"),
        done_folder=setting("DONE_FOLDER"), quarantine_folder=setting("QUARANTINE_FOLDER"),
        ssl=setting("SSL"), starttls=setting("STARTTLS"),
        ssl_context=ssl.create_default_context(cafile=setting("CA_FILE") or None),
    )


def mailbox_configured() -> bool:
    return bool(settings.MAIL_IMAP_HOST or settings.TAKEDOWN_IMAP_HOST)


def read_mailbox() -> Summary:
    """One run over the IMAP mailbox of the settings (the scheduler's job)."""
    with imap_source() as source:
        return ingest(source)
