"""Where incoming mail is read from: a Maildir, an mbox, standard input or an IMAP folder.

Every reader yields SourceMessage objects: the raw bytes, a stable id for logs, and two
callables the intake calls once it has decided: `ack()` (handled, recorded in the database)
and `quarantine()` (not an email, or it could not be handled; set aside for a person). A
message neither acked nor quarantined stays where it is and is read again next time, which
is what a failed run wants. Re-reading is harmless because the intake (newsroom/inbound.py)
stores each message once, by Message-ID and checksum.
"""

from __future__ import annotations

import contextlib
import mailbox
import os
import ssl as ssl_module
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TextIO

from imapclient import DELETED, IMAPClient
from imapclient.exceptions import IMAPClientError


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
    """The one message a mail server pipes in (`ingest_mail -`)."""
    stream = stream if stream is not None else sys.stdin
    binary = getattr(stream, "buffer", stream)  # the bytes under a text stream: no decoding
    raw = binary.read()
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    yield SourceMessage(raw, "stdin", _nothing, _nothing)


# --- IMAP ---------------------------------------------------------------------------------------


class ImapSource:
    """Messages in one IMAP folder; ack moves a message to `done_folder`, quarantine to
    `quarantine_folder` (both created when missing). Folder names may be any Unicode
    (받은편지함/저작권): IMAPClient sends them in IMAP's modified UTF-7 (RFC 3501 §5.1.3).

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
        self._client: IMAPClient | None = None
        self._uidvalidity = ""

    def __enter__(self) -> ImapSource:
        self.connect()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def connect(self) -> None:
        try:
            self._client = client = IMAPClient(self.host, self.port, ssl=self.ssl, ssl_context=self.ssl_context,
                                               timeout=self.timeout)
            if self.starttls and not self.ssl:
                client.starttls(self.ssl_context)
            self._call("LOGIN", client.login, self.user, self.password)  # no password in errors
            selected = self._call("SELECT", client.select_folder, self.folder)
            self._uidvalidity = str(selected.get(b"UIDVALIDITY", ""))
            for folder in (self.done_folder, self.quarantine_folder):
                if not self._call("LIST", client.folder_exists, folder):
                    self._call("CREATE", client.create_folder, folder)
        except MailSourceError:
            self.close()
            raise
        except (IMAPClientError, OSError) as exc:  # refused, TLS failure, timeout
            self.close()
            raise MailSourceError(f"IMAP {self.user}@{self.host}:{self.port}: {exc}") from exc

    def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        with contextlib.suppress(IMAPClientError, OSError):
            client.logout()  # not CLOSE: that would expunge whatever anyone flagged \Deleted

    def __iter__(self) -> Iterator[SourceMessage]:
        opened_here = self._client is None
        if opened_here:
            self.connect()
        try:
            for uid in self._call("SEARCH", self._require_client().search, ["UNDELETED"]):
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

    def _call(self, what: str, command: Callable, *args):
        """One IMAP command; any failure becomes a MailSourceError (without the arguments: the password)."""
        try:
            return command(*args)
        except (IMAPClientError, OSError) as exc:
            raise MailSourceError(f"IMAP {what} failed: {exc}") from exc

    def _require_client(self) -> IMAPClient:
        if self._client is None:
            raise MailSourceError("the IMAP connection is closed (ack inside the loop, or use `with`)")
        return self._client

    def _fetch(self, uid: int) -> bytes | None:
        # BODY.PEEK leaves \Seen alone, so a message that fails stays unread for a person too.
        found = self._call("FETCH", self._require_client().fetch, [uid], ["BODY.PEEK[]"])
        return found.get(uid, {}).get(b"BODY[]")  # None: expunged by someone else since the search

    def _move(self, uid: int, folder: str) -> None:
        client = self._require_client()
        if client.has_capability("MOVE"):
            self._call("MOVE", client.move, [uid], folder)
            return
        self._call("COPY", client.copy, [uid], folder)
        self._call("STORE", client.add_flags, [uid], [DELETED])
        if client.has_capability("UIDPLUS"):
            self._call("EXPUNGE", client.uid_expunge, [uid])  # only this message, not others flagged \Deleted
        else:
            self._call("EXPUNGE", client.expunge)


def _once(action: Callable[[], None]) -> Callable[[], None]:
    """ack/quarantine may be called twice by a careless caller; the second call is a no-op."""
    done = False

    def run() -> None:
        nonlocal done
        if not done:
            action()
            done = True

    return run
