"""TakedownMessage.raw duplicated newsroom.InboundMessage.raw: a message now links its InboundMessage.

Existing incoming messages are linked to the inbound row of the same Message-ID (the one with the same
bytes when there are several), or of the same bytes (the intake stores no made-up Message-ID); a message
that came before the inbound table (it has bytes and no row) gets one, handled, as the intake would have
stored it. Then `raw` goes. Backwards, the bytes are copied back from the linked rows.
"""

import django.db.models.deletion
from django.db import migrations, models

from newsroom import inbound


def _inbound_for(InboundMessage, message, raw):
    digest = inbound.checksum(raw) if raw else ""
    same_id = InboundMessage.objects.filter(message_id=message.message_id) if message.message_id else None
    if same_id is not None and same_id.exists():
        return (same_id.filter(checksum=digest).first() if digest else None) or same_id.order_by("id").first()
    if not raw:
        return None
    found = InboundMessage.objects.filter(checksum=digest).order_by("id").first()
    if found is not None:
        return found
    return InboundMessage.objects.create(
        raw=raw, checksum=digest, size=len(raw), message_id="" if message.synthetic_message_id else message.message_id,
        sender=message.from_address[:254], subject=message.subject[:998], route="takedowns",
        status="handled", handled_as=f"message on case {message.case.reference}"[:200],
        source_id=message.source_id[:500], received_at=message.created_at, handled_at=message.created_at,
    )


def _check_now(schema_editor):
    """PostgreSQL checks the new foreign key at commit; the column dropped next in this transaction must not
    find those checks pending ("cannot ALTER TABLE … because it has pending trigger events")."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def link(apps, schema_editor):
    TakedownMessage = apps.get_model("takedowns", "TakedownMessage")
    InboundMessage = apps.get_model("newsroom", "InboundMessage")
    for message in TakedownMessage.objects.filter(direction="in").select_related("case").iterator(chunk_size=100):
        found = _inbound_for(InboundMessage, message, bytes(message.raw or b""))
        if found is not None:
            # .update(): the model is append-only, and this only records where its original is.
            TakedownMessage.objects.filter(pk=message.pk).update(inbound=found)
    _check_now(schema_editor)


def unlink(apps, schema_editor):
    TakedownMessage = apps.get_model("takedowns", "TakedownMessage")
    for message in TakedownMessage.objects.filter(inbound__isnull=False).select_related("inbound").iterator(
            chunk_size=100):
        TakedownMessage.objects.filter(pk=message.pk).update(raw=bytes(message.inbound.raw))
    _check_now(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('newsroom', '0006_inbound_message'),
        ('takedowns', '0002_content_types'),
    ]

    operations = [
        migrations.AddField(
            model_name='takedownmessage',
            name='inbound',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='takedown_messages', to='newsroom.inboundmessage', verbose_name='original message'),
        ),
        migrations.RunPython(link, unlink),
        migrations.RemoveField(
            model_name='takedownmessage',
            name='raw',
        ),
    ]
