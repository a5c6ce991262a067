"""Where incoming mail is read from: a Maildir, an mbox, standard input or an IMAP folder.

Every reader yields SourceMessage objects: the raw bytes, a stable id for logs, and two
callables the intake calls once it has decided: `ack()` (handled, recorded in the database)
and `quarantine()` (not an email, or it could not be handled; set aside for a person). A
message neither acked nor quarantined stays where it is and is read again next time, which
is what a failed run wants. Re-reading is harmless because the intake is idempotent by
Message-ID.
"""

from __future__ import annotations

import contextlib
import imaplib
import mailbox
import os
import re
import ssl as ssl_module
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TextIO


class MailSourceError(Exception):
    """The source could not be opened or read (bad path, IMAP login or network failure)."""


@dataclass(frozen=True)
class SourceMessage:
    raw: bytes = field(repr=False)
    source_id: str
    ack: Callable[[], None] = field(repr=False, compare=False)
    quarantine: Callable[[], None] = field(repr=False, compare=False)


def _nothing() -> None:
    pass


# --- Maildir ----------------------------------------------------------------------------------


def from_maildir(path: str | os.PathLike, *, skip_seen: bool = False) -> Iterator[SourceMessage]:
    """Messages in a Maildir's new/ and cur/, oldest first.

    ack marks a message seen (flag S, moved to cur/); quarantine moves it into the Maildir++
    subfolder ".Quarantine" (the same place IMAP servers such as Dovecot keep a "Quarantine"
    folder). Nothing is deleted.
    """
    root = Path(path)
    if not all((root / sub).is_dir() for sub in ("new", "cur", "tmp")):
        raise MailSourceError(f"{root} is not a Maildir (it needs new/, cur/ and tmp/)")
    # Maildir file names start with the delivery time, so sorting them reads oldest first.
    entries = sorted((name, sub) for sub in ("new", "cur") for name in os.listdir(root / sub)
                     if not name.startswith("."))
    for name, sub in entries:
        if skip_seen and "S" in _maildir_flags(name):
            continue
        file = root / sub / name
        try:
            raw = file.read_bytes()
        except FileNotFoundError:  # another reader moved it meanwhile
            continue
        key = name.split(":", 1)[0]
        yield SourceMessage(
            raw=raw,
            source_id=f"maildir:{root}/{key}",
            ack=_once(lambda file=file: _maildir_mark_seen(file)),
            quarantine=_once(lambda file=file: _maildir_move(file, root / ".Quarantine")),
        )


def _maildir_flags(name: str) -> str:
    return name.split(":2,", 1)[1] if ":2," in name else ""


def _maildir_mark_seen(file: Path) -> None:
    key, flags = file.name.split(":", 1)[0], _maildir_flags(file.name)
    target = file.parent.parent / "cur" / f"{key}:2,{''.join(sorted(set(flags + 'S')))}"
    if target != file:
        file.rename(target)


def _maildir_move(file: Path, folder: Path) -> None:
    for sub in ("new", "cur", "tmp"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    (folder / "maildirfolder").touch()  # marks a Maildir++ subfolder
    file.rename(folder / file.parent.name / file.name)


# --- mbox and standard input --------------------------------------------------------------------


def from_mbox(path: str | os.PathLike) -> Iterator[SourceMessage]:
    """Messages in an mbox file. ack and quarantine do nothing: an mbox cannot lose one
    message without being rewritten, and the database already remembers what was handled."""
    if not Path(path).is_file():
        raise MailSourceError(f"{path} is not an mbox file")
    box = mailbox.mbox(os.fspath(path), create=False)
    try:
        for index, key in enumerate(box.iterkeys()):
            yield SourceMessage(box.get_bytes(key), f"mbox:{path}#{index}", _nothing, _nothing)
    finally:
        box.close()


def from_stdin(stream: BinaryIO | TextIO | None = None) -> Iterator[SourceMessage]:
    """The one message a mail server pipes in (`ingest_takedown_mail -`)."""
    stream = stream if stream is not None else sys.stdin
    binary = getattr(stream, "buffer", stream)  # the bytes under a text stream: no decoding
    raw = binary.read()
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    yield SourceMessage(raw, "stdin", _nothing, _nothing)


# --- IMAP ---------------------------------------------------------------------------------------


class ImapSource:
    """Messages in one IMAP folder; ack moves a message to `done_folder`, quarantine to
    `quarantine_folder` (both created when missing).

        with ImapSource(host, 993, user, password, "INBOX") as source:
            for message in source:
                ...; message.ack()

    Iterating outside a `with` block opens and closes the connection around the loop; ack
    and quarantine must then be called inside the loop.
    """

    timeout = 60  # seconds; a hung server must not hang the worker forever

    def __init__(self, host: str, port: int, user: str, password: str, folder: str = "INBOX",
                 done_folder: str = "Processed", quarantine_folder: str = "Quarantine",
                 ssl: bool = True, ssl_context: ssl_module.SSLContext | None = None,
                 starttls: bool = False):
        self.host, self.port, self.user, self.password = host, port, user, password
        self.folder, self.done_folder, self.quarantine_folder = folder, done_folder, quarantine_folder
        self.ssl, self.starttls = ssl, starttls
        self.ssl_context = ssl_context or ssl_module.create_default_context()
        self._conn: imaplib.IMAP4 | None = None
        self._capabilities: set[str] = set()
        self._uidvalidity = ""

    def __enter__(self) -> ImapSource:
        self.connect()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def connect(self) -> None:
        try:
            if self.ssl:
                self._conn = imaplib.IMAP4_SSL(self.host, self.port, ssl_context=self.ssl_context,
                                               timeout=self.timeout)
            else:
                self._conn = imaplib.IMAP4(self.host, self.port, timeout=self.timeout)
                if self.starttls:
                    self._conn.starttls(self.ssl_context)
            conn = self._conn
            self._call("LOGIN", lambda: conn.login(self.user, self.password))  # no password in errors
            # Servers announce more after login (Dovecot: MOVE, UIDPLUS), and imaplib keeps
            # only what was announced before; ask again.
            data = self._call("CAPABILITY", self._conn.capability)
            self._capabilities = set((data[-1] or b"").decode().upper().split())
            self._select()
            for folder in (self.done_folder, self.quarantine_folder):
                self._create(folder)
        except MailSourceError:
            self.close()
            raise
        except (imaplib.IMAP4.error, OSError) as exc:  # refused, TLS failure, timeout
            self.close()
            raise MailSourceError(f"IMAP {self.user}@{self.host}:{self.port}: {exc}") from exc

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            conn.logout()  # not CLOSE: that would expunge whatever anyone flagged \Deleted

    def __iter__(self) -> Iterator[SourceMessage]:
        opened_here = self._conn is None
        if opened_here:
            self.connect()
        try:
            for uid in self._uids():
                raw = self._fetch(uid)
                if raw is not None:
                    yield SourceMessage(
                        raw=raw,
                        source_id=f"imap://{self.user}@{self.host}/{self.folder};"
                                  f"UIDVALIDITY={self._uidvalidity}/;UID={uid}",
                        ack=_once(lambda uid=uid: self._move(uid, self.done_folder)),
                        quarantine=_once(lambda uid=uid: self._move(uid, self.quarantine_folder)),
                    )
        finally:
            if opened_here:
                self.close()

    # The IMAP conversation, one command each; any failure becomes a MailSourceError.

    def _call(self, what: str, command: Callable[..., tuple[str, list]], *args: str) -> list:
        try:
            status, data = command(*args)
        except (imaplib.IMAP4.error, OSError) as exc:
            raise MailSourceError(f"IMAP {what} failed: {exc}") from exc
        if status != "OK":
            raise MailSourceError(f"IMAP {what} {' '.join(args)} answered {status}: {data!r}")
        return data

    def _uid(self, command: str, *args: str) -> list:
        conn = self._require_connection()
        return self._call(f"UID {command}", lambda *a: conn.uid(command, *a), *args)

    def _require_connection(self) -> imaplib.IMAP4:
        if self._conn is None:
            raise MailSourceError("the IMAP connection is closed (ack inside the loop, or use `with`)")
        return self._conn

    def _select(self) -> None:
        conn = self._require_connection()
        self._call("SELECT", conn.select, _quote(self.folder))
        self._uidvalidity = (conn.response("UIDVALIDITY")[1] or [b""])[0].decode()

    def _create(self, folder: str) -> None:
        conn = self._require_connection()
        status, _ = conn.create(_quote(folder))
        if status != "OK":  # usually "already exists"; LIST tells for sure
            listed = self._call("LIST", conn.list, '""', _quote(folder))
            if not any(listed):
                raise MailSourceError(f"IMAP folder {folder!r} is missing and cannot be created")

    def _uids(self) -> list[str]:
        data = self._uid("SEARCH", "UNDELETED")
        return [uid.decode() for uid in (data[0] or b"").split()]

    def _fetch(self, uid: str) -> bytes | None:
        # BODY.PEEK leaves \Seen alone, so a message that fails stays unread for a person too.
        for item in self._uid("FETCH", uid, "(BODY.PEEK[])"):
            if isinstance(item, tuple) and len(item) == 2:
                return item[1]
        return None  # expunged by someone else since the search

    def _supports(self, capability: str) -> bool:
        return capability in self._capabilities

    def _move(self, uid: str, folder: str) -> None:
        if self._supports("MOVE"):
            self._uid("MOVE", uid, _quote(folder))
            return
        self._uid("COPY", uid, _quote(folder))
        self._uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)")
        if self._supports("UIDPLUS"):
            self._uid("EXPUNGE", uid)  # only this message, not others flagged \Deleted
        else:
            self._call("EXPUNGE", self._require_connection().expunge)


def _quote(folder: str) -> str:
    """An IMAP astring: imaplib sends arguments as they are, so quote anything unusual."""
    if re.fullmatch(r"[A-Za-z0-9_./-]+", folder):
        return folder
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _once(action: Callable[[], None]) -> Callable[[], None]:
    """ack/quarantine may be called twice by a careless caller; the second call is a no-op."""
    done = False

    def run() -> None:
        nonlocal done
        if not done:
            action()
            done = True

    return run
