"""The submissions app's part of privacy rights (newsroom/privacy.py): submissions (their revisions and
moderation history) and the flags the person reported. Takedowns have their own part
(submissions/takedowns/privacy.py)."""

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from submissions import moderation
from submissions.models import Flag, ModerationEvent, Revision, Status, Submission

WITHDRAWN_REASON = "account deleted"

SUBMISSION_RULES = {
    "submissions.Submission": "anonymised: undecided submissions are withdrawn (logged); guest submissions sent "
                              "from the account's addresses lose the guest's name and address and are attached to "
                              "the tombstone; the stories themselves are kept, as every decision refers to them; "
                              "photos of withdrawn stories are deleted",
    "submissions.Revision": "kept: the immutable text that was reviewed (the photo of a withdrawn story is "
                            "deleted, file and reference)",
    "submissions.ModerationEvent": "anonymised: the tombstone stays as actor; names and addresses are redacted "
                                   "from reasons",
    "submissions.Flag": "anonymised: the tombstone stays as reporter (or as the moderator who resolved it)",
}


def _mine(user, addresses):
    guest = Q(contributor__isnull=True, guest_email__in=addresses) if addresses else Q(pk__in=[])
    return Submission.objects.filter(Q(contributor=user) | guest)


def _actor(event, user):
    """The actor as the site shows it to contributors (includes/submission_timeline.html): no moderator's name."""
    if event.actor_id is None:
        return "you" if event.to_status in (Status.UNCONFIRMED, Status.APPEALED) or event.from_status in (
            Status.UNCONFIRMED, Status.CHANGES_REQUESTED) else "automatic"
    return "you" if event.actor_id == user.pk else "a moderator"


def identifies(user):
    """The names they sent stories under as a guest, from the account's addresses."""
    from newsroom import privacy

    return set(_mine(user, privacy.addresses(user)).exclude(guest_name="").values_list("guest_name", flat=True))


def export_submissions(user) -> dict:
    from newsroom import privacy

    submissions = (_mine(user, privacy.addresses(user)).select_related("category")
                   .prefetch_related("revisions__category", "events").order_by("created_at", "id"))
    flags = Flag.objects.filter(reporter=user).select_related("article").order_by("created_at", "id")
    return {
        "submissions": [
            {
                "id": s.pk, "title": s.title, "status": s.status, "language": s.language,
                "section": s.category.name if s.category else None, "summary": s.summary, "body": s.body,
                "tags": s.tags, "sources": s.source_list, "no_sources": s.no_sources,
                "photo": s.image.name or None, "guest_name": s.guest_name, "guest_email": s.guest_email,
                "created_at": s.created_at, "submitted_at": s.submitted_at, "decided_at": s.decided_at,
                "revisions": [
                    {"number": r.number, "title": r.title, "summary": r.summary, "body": r.body,
                     "section": r.category.name, "tags": r.tags, "language": r.language, "sources": r.source_list,
                     "photo": r.image.name or None, "sent_at": r.created_at}
                    for r in s.revisions.all()
                ],
                "history": [
                    {"time": e.created_at, "from": e.from_status, "to": e.to_status, "by": _actor(e, user),
                     "reason": e.reason}
                    for e in s.events.all()
                ],
            }
            for s in submissions
        ],
        "flags": [
            {"article": f.article.title, "address": settings.SITE_URL + f.article.get_absolute_url(),
             "reason": f.reason, "note": f.note, "reported_at": f.created_at, "resolved_at": f.resolved_at}
            for f in flags
        ],
    }


def erase_submissions(erasure) -> None:
    user = erasure.user
    guest = Submission.objects.filter(contributor__isnull=True, guest_email__in=erasure.emails)
    guest.update(contributor=user, guest_email="", guest_name="")
    # The person's own stories before a decision: out of review for good, each step logged, with the account
    # (soon its tombstone) as actor: the contributor's withdrawal, also when an administrator deletes the account.
    undecided = list(Submission.objects.filter(contributor=user, status__in=moderation.STEPS["withdraw"].sources))
    for submission in undecided:
        moderation.withdraw(submission, by=user, reason=WITHDRAWN_REASON)
    _delete_photos([s.pk for s in undecided])
    erasure.redact(ModerationEvent.objects.all(), ["reason"])
    erasure.redact(Flag.objects.filter(reporter=user), ["note"])


def _delete_photos(submission_ids):
    """Photos sent with withdrawn stories will never be published: their files go, and the references to them
    (the one update an immutable revision gets: erasing what the person sent is not rewriting what was decided)."""
    submissions = Submission.objects.filter(pk__in=submission_ids)
    revisions = Revision.objects.filter(submission_id__in=submission_ids)
    names = {*submissions.exclude(image="").values_list("image", flat=True),
             *revisions.exclude(image="").values_list("image", flat=True)}
    if not names:
        return
    submissions.update(image="", image_width=None, image_height=None)
    revisions.update(image="")
    storage = Submission._meta.get_field("image").storage
    transaction.on_commit(lambda: [storage.delete(name) for name in sorted(names)])


def register():
    from newsroom import privacy

    privacy.register("submissions", exporter=export_submissions, eraser=erase_submissions, identifies=identifies,
                     rules=SUBMISSION_RULES)

