"""Turn the raw bytes of an incoming email into a ParsedMail, without touching the database.

The generic half of the mail intake (newsroom/inbound.py): MIME, charsets, headers, HTML to
text, forwards and bounces, and the bounds on what a message may cost. It knows no app's rules:
a route's handler reads what it needs from the ParsedMail (takedown notices:
submissions/takedowns/mail_parsing.py). Mail arrives from every kind of mail client, in English and
Korean, forwarded, sometimes mangled by gateways; so parsing degrades instead of failing: a
wrong charset or broken base64 gives replacement characters, not an exception.
The one exception is `UnparseableMail`, for bytes that are not an email at all, and its kind
`RefusedMail`, for an email that would cost too much to read (more than MAX_PARTS MIME parts,
counted while the parser reads them): the intake quarantines both.

Nothing here is trusted or rendered: the text is later shown escaped, and HTML is kept only
for the archive.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import hashlib
import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from typing import NamedTuple

MAX_TEXT_CHARS = 200_000
MAX_HTML_CHARS = 1_000_000
MAX_SUBJECT_CHARS = 998  # RFC 5322 line length
MAX_PART_BYTES = 4_000_000  # a text part is decoded from at most this much
MAX_DEPTH = 20  # MIME nesting; deeper is an attack or a loop of forwards
MAX_PARTS = 500  # MIME parts (messages inside messages included); more is refused while parsing
MAX_HEADER_FIELDS = 5_000  # header fields in all parts together; more is refused while parsing
MAX_MESSAGE_BYTES = 30_000_000  # a 25 MB attachment, base64-encoded; larger is refused before parsing
SYNTHETIC_DOMAIN = "newsroom.invalid"

# Headers of which at least one must be present for bytes to count as an email.
_MAIL_HEADERS = {
    "from", "sender", "reply-to", "to", "cc", "bcc", "subject", "date", "message-id",
    "in-reply-to", "references", "received", "return-path", "delivered-to",
    "x-original-to", "mime-version", "content-type",
}


class UnparseableMail(Exception):
    """The bytes are not an email message at all (the intake quarantines them)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class RefusedMail(UnparseableMail):
    """An email the intake will not read: its reason says which bound it exceeds."""


class Attachment(NamedTuple):
    filename: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class ParsedMail:
    message_id: str
    synthetic_message_id: bool
    in_reply_to: str | None
    references: list[str]
    subject: str
    from_name: str
    from_address: str
    reply_to: str  # where an acknowledgement should go when it differs from From
    to_addresses: list[str]  # To and Cc
    delivered_to: list[str]  # Delivered-To, X-Original-To, Envelope-To: the real recipient
    date: datetime | None
    text: str
    html: str
    attachments: list[Attachment]
    forwarded: bool
    forwarded_from: str  # the original sender of a forwarded message, when found
    auto_submitted: bool
    language: str  # "ko" or "en", a guess for replying in the sender's language
    size: int
    defects: list[str] = field(default_factory=list)  # what was repaired or cut, for staff
    # The Message-IDs of the messages a bounce returns: a bounce names what it answers only there.
    returned_message_ids: list[str] = field(default_factory=list)

    @property
    def recipients(self) -> list[str]:
        """Envelope recipients first: they say which of our addresses the mail was sent to."""
        return _unique([*self.delivered_to, *self.to_addresses])


def parse(raw: bytes) -> ParsedMail:
    """Parse one raw message. Raises only UnparseableMail (bytes that are not an email)."""
    raw = bytes(raw)
    try:
        return _parse(raw)
    except UnparseableMail:
        raise
    except Exception as exc:  # a bug or a parser corner case must not stop the intake
        raise UnparseableMail(f"could not parse the message ({type(exc).__name__}: {exc})") from exc


# --- the parse --------------------------------------------------------------------------------


def _parse(raw: bytes) -> ParsedMail:
    body_bytes = strip_mbox_from_line(raw)
    if not body_bytes.strip():
        raise UnparseableMail("the message is empty")
    msg = _mime_tree(body_bytes)
    headers = _Headers(msg)
    if not headers.names:
        raise UnparseableMail("no mail headers found: this does not look like an email message")
    if not headers.names & _MAIL_HEADERS:
        raise UnparseableMail("none of the usual mail headers (From, To, Subject, Date...) found")

    defects: list[str] = []
    message_id, synthetic = _message_id(headers.get("message-id"), body_bytes)
    subject = _clip(headers.text("subject"), MAX_SUBJECT_CHARS)
    from_name, from_address = _first_address(headers.get("from"))
    if not from_address:
        from_name, from_address = _first_address(headers.get("sender"))

    collected = _Collected()
    _walk(msg, collected, depth=0, in_report=False)
    defects.extend(d for c in _with_embedded(collected) for d in c.defects)
    defects.extend(_parser_defects(msg))

    own_text = _body_text(collected)
    inline = _inline_forward(own_text, subject=subject, is_reply=bool(headers.get("in-reply-to")))
    text = own_text + "".join(_render_embedded(e) for e in collected.embedded)
    if len(text) > MAX_TEXT_CHARS:
        text = text[:MAX_TEXT_CHARS] + "\n[…]"
        defects.append(f"text cut at {MAX_TEXT_CHARS} characters")
    html_source = "\n".join(collected.html)
    if len(html_source) > MAX_HTML_CHARS:
        html_source = html_source[:MAX_HTML_CHARS]
        defects.append(f"HTML cut at {MAX_HTML_CHARS} characters")

    forwards = [e for e in collected.embedded if not e.returned]
    forwarded = bool(forwards) or inline is not None or bool(_FWD_SUBJECT_RE.match(subject))
    forwarded_from = forwards[0].from_address if forwards else (inline or "")
    return ParsedMail(
        message_id=message_id,
        synthetic_message_id=synthetic,
        in_reply_to=_first_msgid(headers.get("in-reply-to")),
        references=_msgids(headers.get("references")),
        subject=subject,
        from_name=from_name,
        from_address=from_address,
        reply_to=_first_address(headers.get("reply-to"))[1],
        to_addresses=_addresses(headers.get_all("to") + headers.get_all("cc")),
        delivered_to=_addresses(
            headers.get_all("delivered-to") + headers.get_all("x-original-to")
            + headers.get_all("envelope-to") + headers.get_all("x-envelope-to")
        ),
        date=_date(headers.get("date")),
        text=text,
        html=html_source,
        # A forwarded message's attachments (a notice's evidence) count as much as its own.
        attachments=[a for c in _with_embedded(collected) for a in c.attachments],
        forwarded=forwarded,
        forwarded_from=forwarded_from,
        auto_submitted=_auto_submitted(headers, from_address, msg),
        language=_language(f"{subject}\n{own_text}"),
        size=len(raw),
        defects=_unique(defects),
        returned_message_ids=_unique(
            [e.message_id for e in collected.embedded if e.returned and e.message_id] + collected.returned_ids),
    )


def _mime_tree(raw: bytes) -> Message:
    """The parsed message, refused beyond MAX_MESSAGE_BYTES before parsing, and as soon as the parser
    makes part MAX_PARTS + 1 or header field MAX_HEADER_FIELDS + 1.

    Python's parser builds every part before anyone can count them: a million empty parts in 6 MB
    took minutes and hundreds of megabytes, and 500,000 header lines 13 s. The parser makes each part
    through the policy's message_factory and each header field through its header_source_parse, so
    counting there stops it after a bounded amount of work and memory.
    """
    if len(raw) > MAX_MESSAGE_BYTES:
        raise RefusedMail(f"larger than {MAX_MESSAGE_BYTES:,} bytes: refused without reading it")
    made = fields = 0

    def counted(policy):
        nonlocal made
        made += 1
        if made > MAX_PARTS:
            raise RefusedMail(f"more than {MAX_PARTS} MIME parts: refused without reading the rest")
        return EmailMessage(policy=policy)

    class Bounded(type(policy.default)):
        def header_source_parse(self, sourcelines):
            nonlocal fields
            fields += 1
            if fields > MAX_HEADER_FIELDS:
                raise RefusedMail(f"more than {MAX_HEADER_FIELDS} header fields: refused without reading the rest")
            return super().header_source_parse(sourcelines)

    return BytesParser(policy=Bounded(message_factory=counted)).parsebytes(raw)


def strip_mbox_from_line(raw: bytes) -> bytes:
    # An MTA piping into `ingest_mail -` may prepend the mbox "From sender date" line.
    if raw.startswith(b"From "):
        _, _, rest = raw.partition(b"\n")
        return rest
    return raw


def _parser_defects(msg: Message) -> list[str]:
    names = []
    for part in _safe_walk(msg):
        names.extend(type(d).__name__ for d in getattr(part, "defects", []))
    return [f"MIME: {name}" for name in _unique(names)]


def _safe_walk(msg: Message) -> Iterable[Message]:
    try:
        yield from msg.walk()
    except Exception:
        return


# --- headers ---------------------------------------------------------------------------------


class _Headers:
    """Raw header values, decoded by us: the stdlib's lazy header objects may raise or
    replace 8-bit Korean with U+FFFD, and both are worse than decoding it ourselves."""

    def __init__(self, msg: Message):
        self._values: dict[str, list[str]] = {}
        try:
            items = list(msg.raw_items())
        except Exception:
            items = []
        for name, value in items:
            self._values.setdefault(str(name).strip().lower(), []).append(_fix_8bit(_unfold(value)))
        self.names = set(self._values)

    def get(self, name: str) -> str:
        values = self._values.get(name)
        return values[0] if values else ""

    def get_all(self, name: str) -> list[str]:
        return list(self._values.get(name, []))

    def text(self, name: str) -> str:
        return _normalise(decode_words(self.get(name)))


def _unfold(value: str) -> str:
    return re.sub(r"\r?\n(?=[ \t])", "", str(value)).replace("\r", "").replace("\n", " ").strip()


_SURROGATES = re.compile(r"[\udc80-\udcff]")


def _fix_8bit(value: str) -> str:
    """Headers that carry raw 8-bit bytes (not RFC 2047) arrive as surrogate escapes."""
    if not _SURROGATES.search(value):
        return value
    return decode_bytes(value.encode("utf-8", "surrogateescape"), None)


_ENCODED_WORD = r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([bBqQ])\?([^?\s]*)\?="
_ENCODED_WORD_RE = re.compile(_ENCODED_WORD)
_BETWEEN_WORDS_RE = re.compile(rf"({_ENCODED_WORD})\s+(?={_ENCODED_WORD})")


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words with our charset fallbacks (EUC-KR mislabelled CP949 etc.)."""
    if "=?" not in value:
        return value
    # Whitespace between two adjacent encoded words is not part of the text (RFC 2047 §6.2).
    value = _BETWEEN_WORDS_RE.sub(lambda m: m.group(1), value)
    return _ENCODED_WORD_RE.sub(_decode_word, value)


def _decode_word(match: re.Match) -> str:
    charset, kind, payload = match.group(1), match.group(2).lower(), match.group(3)
    try:
        if kind == "b":
            data = base64.b64decode(payload + "=" * (-len(payload) % 4))
        else:
            data = binascii.a2b_qp(payload.encode("ascii", "replace"), header=True)
    except (binascii.Error, ValueError):
        return match.group(0)
    return decode_bytes(data, charset)


def _normalise(text: str) -> str:
    text = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)
    return unicodedata.normalize("NFC", re.sub(r"\s+", " ", text)).strip()


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit]


_MSGID_RE = re.compile(r"<[^<>\s]+>")


def _msgids(value: str) -> list[str]:
    return _unique(_MSGID_RE.findall(value))


def _first_msgid(value: str) -> str | None:
    ids = _msgids(value)
    if ids:
        return ids[0]
    token = value.strip().split()[0] if value.strip() else ""
    return f"<{token.strip('<>')}>" if "@" in token else None


def _message_id(value: str, raw: bytes) -> tuple[str, bool]:
    found = _first_msgid(value)
    if found and len(found) <= 250:  # longer would not fit a database column; treat as missing
        return found, False
    # Line endings differ between IMAP (CRLF) and Maildir (LF): the same mail gets the same id.
    normalised = raw.replace(b"\r\n", b"\n").rstrip(b"\n")
    return f"<sha256-{hashlib.sha256(normalised).hexdigest()}@{SYNTHETIC_DOMAIN}>", True


def _address_pairs(values: list[str]) -> list[tuple[str, str]]:
    try:
        pairs = getaddresses(values)
    except Exception:
        pairs = []
    result = []
    for name, address in pairs:
        address = address.strip().strip("<>").lower()
        if "@" in address or address in {"mailer-daemon", "postmaster"}:
            result.append((_normalise(decode_words(name)), address))
    return result


def _first_address(value: str) -> tuple[str, str]:
    pairs = _address_pairs([value]) if value else []
    return pairs[0] if pairs else (_normalise(decode_words(value)), "")


def _addresses(values: list[str]) -> list[str]:
    return _unique(address for _, address in _address_pairs(values))


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    # "-0000" means "time zone unknown"; UTC is the honest reading.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# --- charsets --------------------------------------------------------------------------------

# Mailers label CP949 text "EUC-KR" (and "ks_c_5601-1987"): CP949 is a superset, so reading
# as CP949 only ever recovers more syllables.
_CHARSET_UPGRADES = {"euc_kr": "cp949", "gb2312": "gb18030", "gbk": "gb18030", "shift_jis": "cp932"}
_CHARSET_ALIASES = {"x-windows-949": "cp949", "windows-949": "cp949", "ks_c_5601": "cp949",
                    "x-euc-kr": "cp949", "iso-8859-8-i": "iso8859-8", "utf8": "utf-8"}


# Codecs that Python calls text encodings but that no mailer means as a charset: they fail on
# ordinary bytes even with errors="replace", so a label naming one is treated as unknown.
_NOT_CHARSETS = {"idna", "punycode", "undefined", "unicode-escape", "raw-unicode-escape"}


def _codec(charset: str | None) -> str | None:
    """The codec for a charset label; None for a label naming no codec, or none that decodes mail text."""
    if not charset:
        return None
    name = str(charset).strip().strip("\"'").lower()
    name = _CHARSET_ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError, TypeError):
        return None
    # base64, zlib, rot13, hex...: codecs.lookup knows them, bytes.decode refuses them.
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_CHARSETS:
        return None
    return _CHARSET_UPGRADES.get(info.name.replace("-", "_"), info.name)


def _single_byte(codec: str) -> bool:
    return codec in {"ascii", "latin-1"} or codec.startswith(("iso8859", "cp125", "mac-"))


_SAMPLE = 50_000  # judging a decoding by its first characters is enough, and bounded


def _suspicion(text: str) -> int:
    """How unlikely a decoding is for an English/Korean mailbox: replacement characters,
    C1 controls and Latin-1 accents (UTF-8 read as Latin-1), Han ideographs (Latin-1 read as
    CP949)."""
    score = 0
    for ch in text:
        code = ord(ch)
        if code == 0xFFFD:
            score += 2
        elif 0x80 <= code <= 0xFF or 0x4E00 <= code <= 0x9FFF:
            score += 1
    return score


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode text whose declared charset may be missing, unknown or plain wrong."""
    return _decode_with(data, charset)[0]


def _decode_with(data: bytes, charset: str | None) -> tuple[str, str]:
    if not data:
        return "", _codec(charset) or "ascii"
    declared = _codec(charset)
    if declared:
        try:
            text = data.decode(declared)
        except (UnicodeError, LookupError):
            pass
        else:
            # A single-byte charset decodes anything; accept it only when the result looks sane.
            if not _single_byte(declared) or _suspicion(text[:_SAMPLE]) == 0:
                return text, declared
    decoded = []
    for codec in _unique([c for c in (declared, "utf-8", "cp949") if c]):
        try:
            decoded.append((data.decode(codec, "replace"), codec))
        except (UnicodeError, LookupError):  # a codec that ignores errors="replace"
            continue
    return min(decoded, key=lambda pair: _suspicion(pair[0][:_SAMPLE]))


# --- the MIME tree -----------------------------------------------------------------------------


@dataclass
class _Embedded:
    """A message attached inside another (a forward, or the original returned by a bounce)."""

    returned: bool
    from_name: str = ""
    from_address: str = ""
    message_id: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: _Collected | None = None


@dataclass
class _Collected:
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    embedded: list[_Embedded] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    returned_ids: list[str] = field(default_factory=list)  # from text/rfc822-headers (a bounce's headers only)
    parts: int = 0


def _walk(part: Message, out: _Collected, *, depth: int, in_report: bool) -> None:
    out.parts += 1
    if depth > MAX_DEPTH or out.parts > MAX_PARTS:
        out.defects.append("too many or too deeply nested MIME parts; the rest was skipped")
        return
    ctype = _content_type(part)
    try:
        children = part.get_payload() if part.is_multipart() else None
    except Exception:
        children = None
    if children is not None and not isinstance(children, list):
        children = None
    if ctype == "message/delivery-status":
        return  # machine-readable bounce details; the human part says the same
    if ctype in ("message/rfc822", "message/global") and children:
        out.embedded.append(_embedded(children[0], returned=in_report, depth=depth))
        return
    if children is not None:
        for child in children:
            if isinstance(child, Message):
                _walk(child, out, depth=depth + 1, in_report=in_report or ctype == "multipart/report")
        return
    _leaf(part, ctype, out)


def _leaf(part: Message, ctype: str, out: _Collected) -> None:
    disposition = _disposition(part)
    data = _payload(part, out)
    if ctype.startswith("multipart/"):
        ctype = "text/plain"  # a multipart without a usable boundary: its payload is the text
    is_text = ctype.startswith("text/") and ctype not in ("text/calendar", "text/vcard", "text/x-vcard")
    if is_text and disposition != "attachment":
        charset = _charset(part)
        text, codec = _decode_with(data[:MAX_PART_BYTES], charset)
        if charset and codec != _codec(charset):
            out.defects.append(f"{ctype} part declared as {charset}, read as {codec}")
        if "\ufffd" in text:
            out.defects.append(f"undecodable bytes in a {ctype} part were replaced with \ufffd")
        # text/rfc822-headers (in bounces) lands in plain too: its Subject names the case.
        (out.html if ctype == "text/html" else out.plain).append(text)
        if ctype == "text/rfc822-headers":
            out.returned_ids.extend(_msgids(" ".join(_RETURNED_MESSAGE_ID_RE.findall(text))))
        return
    filename = _filename(part) or _fallback_filename(ctype, len(out.attachments) + 1)
    out.attachments.append(Attachment(filename, ctype, data))


_RETURNED_MESSAGE_ID_RE = re.compile(r"^message-id:[ \t]*(\S+)", re.I | re.M)


def _embedded(inner: Message, *, returned: bool, depth: int) -> _Embedded:
    headers = _Headers(inner)
    name, address = _first_address(headers.get("from"))
    shown = [(label, headers.text(key)) for label, key in
             (("From", "from"), ("Date", "date"), ("Subject", "subject"), ("To", "to"))]
    body = _Collected()
    _walk(inner, body, depth=depth + 1, in_report=False)
    return _Embedded(returned=returned, from_name=name, from_address=address,
                     message_id=_first_msgid(headers.get("message-id")) or "",
                     headers=[(k, v) for k, v in shown if v], body=body)


def _with_embedded(collected: _Collected) -> list[_Collected]:
    """This body and those of the messages inside it, outermost first."""
    found = [collected]
    for embedded in collected.embedded:
        if embedded.body is not None:
            found += _with_embedded(embedded.body)
    return found


def _render_embedded(embedded: _Embedded) -> str:
    marker = "Returned message" if embedded.returned else "Forwarded message"
    lines = [f"\n\n---------- {marker} ----------"]
    lines += [f"{label}: {value}" for label, value in embedded.headers]
    body = embedded.body or _Collected()
    inner = _body_text(body) + "".join(_render_embedded(e) for e in body.embedded)
    return "\n".join(lines) + "\n\n" + inner


def _body_text(collected: _Collected) -> str:
    plain = [t.strip() for t in collected.plain if t.strip()]
    if plain:
        return _normalise_text("\n\n".join(plain))
    return _normalise_text("\n\n".join(html_to_text(h[:MAX_HTML_CHARS]) for h in collected.html))


def _normalise_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    return unicodedata.normalize("NFC", text).strip()


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type().lower()
    except Exception:
        return "application/octet-stream"


def _disposition(part: Message) -> str | None:
    try:
        return part.get_content_disposition()
    except Exception:
        return None


def _charset(part: Message) -> str | None:
    try:
        return part.get_content_charset()
    except Exception:
        return None


def _payload(part: Message, out: _Collected) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        out.defects.append("a part could not be decoded and was kept as it was")
        data = None
    if data is None:
        raw = part.get_payload()
        data = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
    return bytes(data)


def _filename(part: Message) -> str:
    name = ""
    for header, param in (("content-disposition", "filename"), ("content-type", "name")):
        name = _header_param(part, header, param)
        if name:
            break
    name = _normalise(decode_words(name))
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip(". ")  # never a path
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 190] + dot + ext[:9]) if dot and len(ext) < 10 else name[:200]
    return name


def _header_param(part: Message, header: str, param: str) -> str:
    # Parse the raw value ourselves so that raw 8-bit (CP949) filenames survive; the header
    # parser still does RFC 2231 (filename*=UTF-8''...) for us.
    raw = next((v for k, v in _safe_raw_items(part) if k.lower() == header), None)
    if raw is None:
        return ""
    try:
        value = policy.default.header_factory(header, _fix_8bit(_unfold(raw))).params.get(param)
    except Exception:
        match = re.search(rf'{param}\s*=\s*"?([^";]+)', raw, re.I)
        value = match.group(1) if match else ""
    return str(value or "")


def _safe_raw_items(part: Message) -> list[tuple[str, str]]:
    try:
        return list(part.raw_items())
    except Exception:
        return []


_EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif",
               "text/plain": ".txt", "text/html": ".html", "message/rfc822": ".eml"}


def _fallback_filename(ctype: str, number: int) -> str:
    return f"attachment-{number}{_EXTENSIONS.get(ctype, '.bin')}"


# --- HTML to text ------------------------------------------------------------------------------


class _HTMLText(HTMLParser):
    SKIP = {"script", "style", "head", "title", "noscript", "template", "svg", "object", "iframe"}
    PARAGRAPH = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol", "hr"}
    LINE = {"br", "div", "tr", "section", "article", "header", "footer", "address", "dd", "dt", "dl",
            "center", "form", "fieldset", "main", "aside", "nav", "figure", "figcaption"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping = 0
        self.pre = 0
        self.links: list[tuple[str, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.skipping = 0  # an unclosed <head> must not swallow the body
        if tag in self.SKIP:
            self.skipping += 1
        if self.skipping:
            return
        self._block(tag)
        if tag == "li":
            self.out.append("- ")
        elif tag == "a":
            self.links.append((dict(attrs).get("href") or "", len(self.out)))
        elif tag == "pre":
            self.pre += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
            return
        if self.skipping:
            return
        if tag == "a" and self.links:
            href, start = self.links.pop()
            label = "".join(self.out[start:start + 20]).strip()  # bounded: anchors can nest
            # Keep where a link points: the infringing URL is often only in the href.
            if href.lower().startswith(("http://", "https://")) and href not in label:
                self.out.append(f" ({href})")
        elif tag == "pre":
            self.pre = max(0, self.pre - 1)
        if tag != "li":  # the next item starts its own line
            self._block(tag)

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        self.out.append(data if self.pre else re.sub(r"\s+", " ", data))

    def _block(self, tag: str) -> None:
        if tag in self.PARAGRAPH:
            self.out.append("\n\n")
        elif tag in self.LINE or tag == "li":
            self.out.append("\n")


def html_to_text(source: str) -> str:
    """Readable text from HTML: scripts and styles dropped, link targets kept in brackets."""
    parser = _HTMLText()
    try:
        parser.feed(_defuse_html(source))
        parser.close()
        text = "".join(parser.out)
    except Exception:  # html.parser is lenient, but a fallback costs nothing
        text = html.unescape(re.sub(r"<[^>]*>", " ", source))
    lines = [line.strip() for line in text.replace("\xa0", " ").splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _defuse_html(source: str) -> str:
    """Remove what makes html.parser (before CPython 3.12.11, CVE-2025-6069) quadratic: at
    close() it rescans to the end of the input from every construct that never ends. So drop
    comments here in one linear pass (an unclosed one hides the rest, as in a browser), and make
    every "<" with no ">" after it plain text."""
    kept, position = [], 0
    while (start := source.find("<!--", position)) >= 0:
        kept.append(source[position:start])
        end = source.find("-->", start + 4)
        position = len(source) if end < 0 else end + 3
    kept.append(source[position:])
    source = "".join(kept)
    last = source.rfind(">") + 1
    return source[:last] + source[last:].replace("<", "&lt;")


# --- forwards ----------------------------------------------------------------------------------

_FORWARD_MARKER_RE = re.compile(
    r"^[ \t>]*(?:-{2,}\s*(?:Forwarded message|전달된 메시지|전달된 메일|Original Message|원본 메시지)\s*-{2,}"
    r"|Begin forwarded message:)",
    re.I | re.M,
)
_FWD_SUBJECT_RE = re.compile(r"^\s*\[?(?:fwd?|전달)\s*:", re.I)
_REPLY_SUBJECT_RE = re.compile(r"^\s*(?:re|aw|sv|답장|회신)\s*:", re.I)
_FORWARD_FROM_RE = re.compile(r"^[ \t>*]*(?:From|보낸 사람|보낸사람)\s*[:：]\s*(.+)$", re.I | re.M)


def _inline_forward(text: str, *, subject: str, is_reply: bool) -> str | None:
    """The original sender's address (or "") when the body quotes a forwarded message."""
    for match in _FORWARD_MARKER_RE.finditer(text):
        # Outlook quotes replies under "Original Message" too: that is a reply, not a forward.
        if "original" in match.group(0).lower() or "원본" in match.group(0):
            if (is_reply or _REPLY_SUBJECT_RE.match(subject)) and not _FWD_SUBJECT_RE.match(subject):
                continue
        sender = _FORWARD_FROM_RE.search(text, match.end(), match.end() + 2000)
        if sender:
            pairs = _address_pairs([sender.group(1).replace("[mailto:", "<").replace("]", ">")])
            return pairs[0][1] if pairs else ""
        return ""
    return None


# --- loops ---------------------------------------------------------------------------------------

_SYSTEM_SENDERS = {"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"}


def _auto_submitted(headers: _Headers, from_address: str, msg: Message) -> bool:
    """True for mail that must never get an automatic answer (RFC 3834), to avoid loops."""
    auto = headers.get("auto-submitted").split(";")[0].strip().lower()
    if auto and auto != "no":
        return True
    if headers.get("precedence").strip().lower() in {"bulk", "junk", "list", "auto_reply"}:
        return True
    if {"x-autoreply", "x-autorespond", "x-autoresponder", "x-autogenerated"} & headers.names:
        return True
    if from_address.split("@")[0] in _SYSTEM_SENDERS:
        return True
    if headers.get("return-path").strip() == "<>":  # the null sender of bounces
        return True
    return _content_type(msg) == "multipart/report"


def _language(text: str) -> str:
    hangul = sum(1 for ch in text if "\uac00" <= ch <= "\ud7a3")
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    # A Hangul syllable carries about as much as a few Latin letters.
    return "ko" if hangul >= 5 and hangul * 6 >= latin else "en"


def _unique(items: Iterable) -> list:
    return list(dict.fromkeys(items))
