"""The move of the takedown models to their own app, on a database that already has them (as main left it).

Each test migrates the test database back to before the move (the takedown models in submissions),
writes what a site had then, migrates forward again and looks at it the way staff would.
"""

import importlib

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests import factories

BEFORE_THE_MOVE = [("submissions", "0007_submission_channel"), ("takedowns", None)]

pytestmark = pytest.mark.django_db(transaction=True)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    ContentType.objects.clear_cache()
    return MigrationExecutor(connection).loader.project_state([t for t in targets if t[1]]).apps


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def before_the_move():
    """Historical models as they were on main; the database is migrated to the latest state afterwards."""
    apps = _migrate(BEFORE_THE_MOVE)
    # The Copyright staff group's permissions as main's migration granted them (a transactional test
    # before this one flushed the database, data migrations included).
    importlib.import_module("submissions.migrations.0003_copyright_staff_permissions").install(apps, None)
    yield apps
    _migrate(_latest())


def test_copyright_staff_keep_the_admin_case_pages_and_the_case_history(before_the_move, client):
    OldCase = before_the_move.get_model("submissions", "TakedownCase")
    OldContentType = before_the_move.get_model("contenttypes", "ContentType")
    old_case = OldCase.objects.create(reference="TD-2026-00009", year=2026, number=9, source="web",
                                      complainant_email="owner@example.com")
    old_type = OldContentType.objects.get(app_label="submissions", model="takedowncase")
    staff = factories.copyright_staff(username="casey")
    LogEntry.objects.create(user_id=staff.pk, content_type_id=old_type.pk, object_id=str(old_case.pk),
                            object_repr="TD-2026-00009", action_flag=CHANGE, change_message="Started review")

    _migrate(_latest())

    from submissions.takedowns.models import TakedownCase

    case_type = ContentType.objects.get_for_model(TakedownCase)
    assert (case_type.app_label, case_type.pk) == ("takedowns", old_type.pk)
    entry = LogEntry.objects.get(object_repr="TD-2026-00009")
    assert entry.get_edited_object() == TakedownCase.objects.get(reference="TD-2026-00009")
    client.force_login(staff)
    assert client.get("/admin/takedowns/takedowncase/").status_code == 200
    page = client.get(f"/admin/takedowns/takedowncase/{old_case.pk}/change/")
    assert page.status_code == 200 and "TD-2026-00009" in page.content.decode()
    history = client.get(f"/admin/takedowns/takedowncase/{old_case.pk}/history/")
    assert history.status_code == 200 and "Started review" in history.content.decode()
    assert not ContentType.objects.filter(app_label="submissions", model__startswith="takedown").exists()


QUARANTINED = (b"From: Agent <agent@example.com>\nTo: copyright@newsroom.test\nSubject: Notice without articles\n"
               b"Message-ID: <old-quarantine@example.com>\n\nPlease remove the story.\n")
RETRIED = b"From: someone@example.com\nTo: copyright@newsroom.test\nSubject: Retried\n\nAlready handled.\n"


def test_quarantined_mail_of_before_the_inbound_table_is_kept_there_once(before_the_move, admin_client):
    import hashlib

    from newsroom import inbound
    from newsroom.models import InboundMessage

    OldQuarantine = before_the_move.get_model("submissions", "QuarantinedMail")
    for raw, reason in ((QUARANTINED, "no article of this site named"), (RETRIED, "was retried")):
        OldQuarantine.objects.create(raw=raw, sha256=hashlib.sha256(raw).hexdigest(), reason=reason, size=len(raw),
                                     source_id="imap:INBOX/7")
    # The retried one went through the intake from the old admin: already an inbound message.
    InboundMessage.objects.create(raw=RETRIED, checksum=inbound.checksum(RETRIED), size=len(RETRIED),
                                  status="handled", handled_as="new case TD-2026-00001")

    _migrate(_latest())

    kept = InboundMessage.objects.get(checksum=inbound.checksum(QUARANTINED))
    assert kept.status == InboundMessage.Status.QUARANTINED and kept.reason == "no article of this site named"
    assert bytes(kept.raw) == QUARANTINED and kept.source_id == "imap:INBOX/7"
    assert (kept.message_id, kept.subject, kept.sender) == ("<old-quarantine@example.com>", "Notice without articles",
                                                            "agent@example.com")
    assert InboundMessage.objects.filter(checksum=inbound.checksum(RETRIED)).count() == 1
    assert InboundMessage.objects.count() == 2
    assert not ContentType.objects.filter(model="quarantinedmail").exists()
    page = admin_client.get("/admin/newsroom/inboundmessage/?status__exact=quarantined").content.decode()
    assert "Notice without articles" in page
    assert admin_client.get(f"/admin/newsroom/inboundmessage/{kept.pk}/raw/").content == QUARANTINED
    # Read again from its source, it is the same message: still quarantined, not a second row.
    assert inbound.ingest_message(QUARANTINED).outcome == inbound.Outcome.QUARANTINED
    assert InboundMessage.objects.count() == 2


WITH_ATTACHMENT = (b"From: Jane <jane@example.com>\nTo: copyright@newsroom.test\nSubject: Evidence\n"
                   b"Message-ID: <evidence@example.com>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n"
                   b"--b\nContent-Type: text/plain\n\nThe photograph is mine.\n"
                   b"--b\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=licence.pdf\n\n%PDF-1.4 mine\n"
                   b"--b--\n")
THROUGH_THE_INTAKE = (b"From: Jane <jane@example.com>\nTo: copyright@newsroom.test\nSubject: Re: TD-2026-00009\n"
                      b"Message-ID: <answer@example.com>\n\nHere is the address.\n")


def test_originals_and_attachments_of_old_messages_stay_downloadable(before_the_move, client, settings):
    from newsroom import inbound
    from newsroom.models import InboundMessage

    OldCase = before_the_move.get_model("submissions", "TakedownCase")
    OldMessage = before_the_move.get_model("submissions", "TakedownMessage")
    case = OldCase.objects.create(reference="TD-2026-00009", year=2026, number=9, source="email",
                                  complainant_email="jane@example.com")
    # Older than the inbound table: its bytes were only here, and its attachment was never stored apart.
    old = OldMessage.objects.create(case=case, direction="in", message_id="<evidence@example.com>",
                                    raw=WITH_ATTACHMENT, size=len(WITH_ATTACHMENT), subject="Evidence",
                                    attachments=[{"filename": "licence.pdf", "content_type": "application/pdf",
                                                  "size": 14}])
    # Came through the intake: its bytes are in an inbound row already, and stay there once.
    intake_row = InboundMessage.objects.create(
        raw=THROUGH_THE_INTAKE, checksum=inbound.checksum(THROUGH_THE_INTAKE), size=len(THROUGH_THE_INTAKE),
        message_id="<answer@example.com>", status="handled", route="takedowns")
    answer = OldMessage.objects.create(case=case, direction="in", message_id="<answer@example.com>",
                                       raw=THROUGH_THE_INTAKE, size=len(THROUGH_THE_INTAKE))
    sent = OldMessage.objects.create(case=case, direction="out", message_id="<ack@newsroom.test>", subject="Ack")

    _migrate(_latest())

    from submissions.takedowns.models import TakedownMessage

    assert "raw" not in {f.name for f in TakedownMessage._meta.concrete_fields}
    assert TakedownMessage.objects.get(pk=answer.pk).inbound_id == intake_row.pk
    assert TakedownMessage.objects.get(pk=sent.pk).inbound_id is None
    created = TakedownMessage.objects.get(pk=old.pk).inbound
    assert (created.status, created.route, bytes(created.raw)) == ("handled", "takedowns", WITH_ATTACHMENT)
    assert InboundMessage.objects.count() == 2

    client.force_login(factories.copyright_staff())
    base = "/copyright/cases/TD-2026-00009/messages"
    assert client.get(f"{base}/{old.pk}/original/").content == WITH_ATTACHMENT
    assert client.get(f"{base}/{answer.pk}/original/").content == THROUGH_THE_INTAKE
    attachment = client.get(f"{base}/{old.pk}/attachments/0/")
    assert attachment.status_code == 200 and attachment.content == b"%PDF-1.4 mine"
    assert client.get(f"/admin/takedowns/takedownmessage/{old.pk}/original/").content == WITH_ATTACHMENT
    assert client.get(f"/admin/takedowns/takedownmessage/{old.pk}/attachments/0/").content == b"%PDF-1.4 mine"
