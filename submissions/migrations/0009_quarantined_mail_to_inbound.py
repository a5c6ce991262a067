"""The legacy QuarantinedMail table (copyright mail set aside before newsroom.InboundMessage existed) joins
the one inbound table, then goes.

Each row becomes an InboundMessage with its bytes, its reason and the checksum newsroom/inbound.py computes,
so the same message read again is recognised; bytes already there (a row retried from the old admin, which
stored it through the intake) are skipped. Rows staff had resolved come over as handled, with their
resolution; the others as quarantined, to be handled again from the Inbound messages admin. The model's
content type goes with it (its permissions too); admin log entries keep their text.
"""

from django.db import migrations

from newsroom import inbound, mail_parsing


def _parsed(raw):
    try:
        return mail_parsing.parse(raw)
    except Exception:  # noqa: BLE001  (it was quarantined for a reason: keep the row, without what parsing gives)
        return None


def copy_to_inbound(apps, schema_editor):
    QuarantinedMail = apps.get_model("submissions", "QuarantinedMail")
    InboundMessage = apps.get_model("newsroom", "InboundMessage")
    for old in QuarantinedMail.objects.order_by("received_at", "id").iterator(chunk_size=100):
        raw = bytes(old.raw)
        digest = inbound.checksum(raw)
        if InboundMessage.objects.filter(checksum=digest).exists():
            continue
        parsed = _parsed(raw)
        route, recipient = inbound.route_for(parsed) if parsed else ("", "")
        fields = dict(
            raw=raw, checksum=digest, size=len(raw), source_id=old.source_id[:500], received_at=old.received_at,
            message_id=parsed.message_id[:255] if parsed and not parsed.synthetic_message_id else "",
            sender=(parsed.from_address if parsed else "")[:254], subject=(parsed.subject if parsed else "")[:998],
            route=route, recipient=recipient[:254],
        )
        if old.resolved_at:
            fields.update(status="handled", handled_at=old.resolved_at, handled_as=old.resolution[:200])
        else:
            fields.update(status="quarantined", reason=old.reason[:5000])
        InboundMessage.objects.create(**{k: v.replace("\x00", "") if isinstance(v, str) else v
                                         for k, v in fields.items()})


def forget_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="submissions", model="quarantinedmail").delete()


class Migration(migrations.Migration):

    dependencies = [
        ('submissions', '0008_takedowns_moved_out'),
        ('newsroom', '0006_inbound_message'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        # Backwards the table comes back empty: its rows stay in InboundMessage, where they are handled now.
        migrations.RunPython(copy_to_inbound, migrations.RunPython.noop),
        migrations.RunPython(forget_content_type, migrations.RunPython.noop),
        migrations.DeleteModel(
            name='QuarantinedMail',
        ),
    ]
