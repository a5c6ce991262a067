"""The takedowns app's part of privacy rights (newsroom/privacy.py): counter-notices the person filed and
takedown events where they are the actor. A case itself is its complainant's legal record."""

from django.db.models import Q

from submissions.takedowns.models import CounterNotice, TakedownAttachment, TakedownEvent, TakedownMessage

TAKEDOWN_RULES = {
    "takedowns.CounterNotice": "anonymised: the tombstone stays as filer; name, address, phone, email and "
                                 "signature are erased, names and addresses redacted from the text",
    "takedowns.TakedownEvent": "anonymised: the tombstone stays as actor; names and addresses are redacted",
    "takedowns.TakedownMessage": "anonymised: names and addresses redacted from the case's emails; the bytes "
                                   "of mail the person sent are erased",
    "takedowns.TakedownCase": "kept: a notice is the complainant's legal record, not the account's (a notice "
                                "the person filed themselves keeps its contact details: retention duty)",
}


def export_takedowns(user) -> dict:
    notices = CounterNotice.objects.filter(filed_by=user).select_related("case").order_by("filed_at", "id")
    events = TakedownEvent.objects.filter(actor=user).select_related("case").order_by("created_at", "id")
    return {
        "counter_notices": [
            {"case": n.case.reference, "case_status": n.case.status, "filed_at": n.filed_at, "material": n.material,
             "explanation": n.explanation, "name": n.name, "address": n.address, "phone": n.phone, "email": n.email,
             "signature": n.signature, "statement_of_mistake": n.mistake_statement,
             "consent_to_jurisdiction": n.jurisdiction_consent, "language": n.language}
            for n in notices
        ],
        "takedown_events": [
            {"case": e.case.reference, "time": e.created_at, "kind": e.kind, "from": e.from_status,
             "to": e.to_status, "reason": e.reason}
            for e in events
        ],
    }


def erase_takedowns(erasure) -> None:
    user = erasure.user
    notices = CounterNotice.objects.filter(filed_by=user)
    cases = list(notices.values_list("case_id", flat=True))
    erasure.redact(notices, ["material", "explanation", "text"])
    notices.update(name="", address="", phone="", email="", signature="")
    erasure.redact(TakedownEvent.objects.all(), ["reason"])
    # The case's emails: the counter-notice forwarded to the complainant, replies, what the person sent.
    if erasure.emails:
        sent = TakedownMessage.objects.filter(Q(*[Q(from_address__iexact=a) for a in erasure.emails], _connector=Q.OR))
        TakedownAttachment.objects.filter(message__in=sent).update(data=b"")
        sent.update(from_address="", from_name="")  # their bytes are in newsroom.InboundMessage, erased there
    messages = TakedownMessage.objects.filter(case_id__in=cases)
    erasure.redact(messages, ["from_name", "from_address", "to_addresses", "subject", "text"])


def register():
    from newsroom import privacy

    privacy.register("takedowns", exporter=export_takedowns, eraser=erase_takedowns, rules=TAKEDOWN_RULES)
