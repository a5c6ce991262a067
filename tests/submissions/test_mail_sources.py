"""newsroom.mail_sources: Maildir and mbox built with the stdlib, IMAP against a real Dovecot."""

import io
import mailbox
from pathlib import Path

import pytest

from submissions.takedowns.mail_parsing import UnparseableMail, parse
from newsroom.mail_sources import (
    ImapSource,
    MailSourceError,
    SourceMessage,
    from_maildir,
    from_mbox,
    from_stdin,
)
from tests.submissions.imap_server import imap_server  # noqa: F401  (the session fixture)

MAIL = Path(__file__).resolve().parent.parent / "data" / "mail"
SITE = {"news.example.org"}
NOTICES = ["notice_plain_en.eml", "notice_euckr.eml", "no_message_id.eml"]


def sample(name: str) -> bytes:
    return (MAIL / name).read_bytes()


def message_id(raw: bytes) -> str:
    return parse(raw, site_hosts=SITE).message_id


def handle(message: SourceMessage) -> str:
    """What the intake does with each message: parse, then ack or quarantine."""
    try:
        parse(message.raw, site_hosts=SITE)
    except UnparseableMail:
        message.quarantine()
        return "quarantined"
    message.ack()
    return "acked"


# --- Maildir ---------------------------------------------------------------------------------


@pytest.fixture
def maildir(tmp_path):
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    for name in [*NOTICES, "garbage.bin"]:
        box.add(sample(name))
    box.close()
    return tmp_path / "Maildir"


def test_maildir_yields_every_message_unchanged(maildir):
    messages = list(from_maildir(maildir))
    assert sorted(m.raw for m in messages) == sorted(sample(n) for n in [*NOTICES, "garbage.bin"])
    assert all(m.source_id.startswith(f"maildir:{maildir}/") for m in messages)
    assert len({m.source_id for m in messages}) == 4


def test_maildir_ack_marks_seen_and_quarantine_moves_aside(maildir):
    assert sorted(handle(m) for m in from_maildir(maildir)) == ["acked"] * 3 + ["quarantined"]
    assert sorted(p.name.rsplit(":2,", 1)[1] for p in (maildir / "cur").iterdir()) == ["S", "S", "S"]
    assert list((maildir / "new").iterdir()) == []
    assert len(list((maildir / ".Quarantine" / "new").iterdir())) == 1
    # Nothing is deleted: the handled notices are read again (the database dedupes them)...
    again = list(from_maildir(maildir))
    assert sorted(message_id(m.raw) for m in again) == sorted(message_id(sample(n)) for n in NOTICES)
    # ...unless the caller asks for unseen mail only.
    assert list(from_maildir(maildir, skip_seen=True)) == []


def test_maildir_source_ids_survive_being_marked_seen(maildir):
    before = sorted(m.source_id for m in from_maildir(maildir))
    for message in from_maildir(maildir):
        message.ack()
        message.ack()  # twice is harmless
    assert sorted(m.source_id for m in from_maildir(maildir)) == before


def test_not_a_maildir(tmp_path):
    with pytest.raises(MailSourceError, match="not a Maildir"):
        list(from_maildir(tmp_path))


# --- mbox and stdin ----------------------------------------------------------------------------


def test_mbox_yields_each_message(tmp_path):
    box = mailbox.mbox(tmp_path / "takedowns.mbox", create=True)
    for name in NOTICES:
        box.add(sample(name))
    box.close()
    messages = list(from_mbox(tmp_path / "takedowns.mbox"))
    assert [message_id(m.raw) for m in messages] == [message_id(sample(n)) for n in NOTICES]
    assert [m.source_id for m in messages] == [f"mbox:{tmp_path / 'takedowns.mbox'}#{i}" for i in range(3)]
    for message in messages:
        message.ack()
        message.quarantine()
    assert len(list(from_mbox(tmp_path / "takedowns.mbox"))) == 3  # the file is never rewritten


def test_missing_mbox(tmp_path):
    with pytest.raises(MailSourceError, match="not an mbox"):
        list(from_mbox(tmp_path / "nope.mbox"))


def test_stdin_reads_bytes_even_through_a_text_stream():
    raw = sample("notice_euckr.eml")
    (binary,) = from_stdin(io.BytesIO(raw))
    (text,) = from_stdin(io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8"))
    assert binary.raw == text.raw == raw and binary.source_id == "stdin"
    binary.ack()
    binary.quarantine()


# --- IMAP against Dovecot -------------------------------------------------------------------------


@pytest.fixture
def imap(imap_server):  # noqa: F811
    imap_server.reset()
    return imap_server


def imap_source(server, **kwargs) -> ImapSource:
    return ImapSource(server.host, kwargs.pop("port", server.port), server.user, server.password, "INBOX",
                      ssl_context=server.ssl_context, **kwargs)


def test_imap_ack_moves_to_processed_and_quarantine_to_quarantine(imap):
    for name in ["notice_plain_en.eml", "notice_euckr.eml", "garbage.bin"]:
        imap.deliver(sample(name))

    with imap_source(imap) as source:
        outcomes = [handle(message) for message in source]

    assert outcomes == ["acked", "acked", "quarantined"]
    assert imap.messages("INBOX") == []
    processed = imap.messages("Processed")
    assert sorted(message_id(raw) for raw in processed) == sorted(
        message_id(sample(n)) for n in ["notice_plain_en.eml", "notice_euckr.eml"])
    (quarantined,) = imap.messages("Quarantine")
    with pytest.raises(UnparseableMail):
        parse(quarantined, site_hosts=SITE)
    # Reading again yields nothing new.
    assert list(imap_source(imap)) == []


def test_imap_delivers_the_bytes_a_parser_needs(imap):
    imap.deliver(sample("no_message_id.eml"))
    imap.deliver(sample("notice_with_attachments.eml"))
    with imap_source(imap) as source:
        messages = list(source)
        mails = [parse(m.raw, site_hosts=SITE) for m in messages]
        # A message without Message-ID gets the same synthetic id from IMAP (CRLF) as from disk.
        assert mails[0].message_id == message_id(sample("no_message_id.eml"))
        assert [a.filename for a in mails[1].attachments] == ["evidence.pdf", "원본_사진.png"]
        assert messages[0].source_id.startswith(f"imap://{imap.user}@127.0.0.1/INBOX;UIDVALIDITY=")
    # Unhandled messages stay where they were, to be read again next time.
    assert len(list(imap_source(imap))) == 2


@pytest.mark.parametrize("hidden", [{"MOVE"}, {"MOVE", "UIDPLUS"}], ids=["copy+uid-expunge", "copy+expunge"])
def test_imap_without_move_copies_and_expunges(imap, hidden):
    class OlderServer(ImapSource):  # Dovecot has MOVE; pretend it has not, to take the other path
        def _supports(self, capability):
            return capability not in hidden and super()._supports(capability)

    for name in NOTICES:
        imap.deliver(sample(name))
    with OlderServer(imap.host, imap.port, imap.user, imap.password, "INBOX", done_folder="Handled notices",
                     ssl_context=imap.ssl_context) as source:
        for index, message in enumerate(source):
            message.quarantine() if index == 0 else message.ack()
    assert imap.messages("INBOX") == []
    assert len(imap.messages("Handled notices")) == 2 and len(imap.messages("Quarantine")) == 1


def test_imap_starttls(imap):
    imap.deliver(sample("notice_plain_en.eml"))
    with imap_source(imap, port=imap.starttls_port, ssl=False, starttls=True) as source:
        for message in source:
            message.ack()
    assert len(imap.messages("Processed")) == 1


def test_imap_wrong_password_is_a_source_error_without_the_password(imap):
    source = ImapSource(imap.host, imap.port, imap.user, "wrong-password-123", ssl_context=imap.ssl_context)
    with pytest.raises(MailSourceError) as error:
        source.connect()
    assert "wrong-password-123" not in str(error.value)


def test_imap_verifies_certificates_by_default(imap):
    # Production uses the default context: a self-signed certificate is refused.
    with pytest.raises(MailSourceError):
        ImapSource(imap.host, imap.port, imap.user, imap.password).connect()


def test_imap_ack_after_the_connection_closed_is_an_error(imap):
    imap.deliver(sample("notice_plain_en.eml"))
    (message,) = list(imap_source(imap))  # iterated without `with`: closed after the loop
    with pytest.raises(MailSourceError, match="closed"):
        message.ack()
