from django import template
from django.utils.translation import gettext as _

from submissions import moderation
from submissions.models import Status

register = template.Library()


@register.filter
def is_moderator(user):
    return moderation.is_moderator(user)


@register.filter
def event_label(event):
    """What a moderation event means, in words (the log stores only statuses)."""
    to, origin = event.to_status, event.from_status
    if not origin:
        return _("Sent as a guest: waiting for email confirmation") if to == Status.UNCONFIRMED else _("Draft started")
    if to == Status.SUBMITTED and origin == Status.UNCONFIRMED:
        return _("Email address confirmed: in the queue")
    if to == Status.SUBMITTED and origin == Status.DRAFT:
        return _("Sent for review")
    if to == Status.SUBMITTED and origin == Status.CHANGES_REQUESTED:
        return _("Resubmitted with changes")
    if to == Status.IN_REVIEW:
        return _("Claimed for review") if origin == Status.SUBMITTED else _("Appeal claimed for review")
    if origin == Status.IN_REVIEW and to in (Status.SUBMITTED, Status.APPEALED):
        return _("Released back to the queue") if event.actor_id else _("Claim expired: back in the queue")
    return {
        Status.APPROVED: _("Approved"),
        Status.CHANGES_REQUESTED: _("Changes requested"),
        Status.REJECTED: _("Rejected"),
        Status.APPEALED: _("Appealed"),
    }.get(to, Status(to).label)


@register.filter
def event_kind(event):
    """A CSS modifier for the timeline dot."""
    return {
        Status.APPROVED: "good", Status.REJECTED: "bad", Status.CHANGES_REQUESTED: "warn", Status.APPEALED: "warn",
    }.get(event.to_status, "neutral")
