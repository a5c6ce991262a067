from django import template
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from articles.models import Article
from submissions.takedowns import workflow
from submissions.takedowns.models import TakedownCaseArticle, TakedownEvent, TakedownStatus

register = template.Library()
Kind = TakedownEvent.Kind
Status = TakedownStatus


@register.filter
def is_copyright_staff(user):
    return workflow.is_copyright_staff(user)


_EMAILS = {
    "takedown_received": gettext_lazy("Acknowledgement sent to the complainant"),
    "takedown_needs_info": gettext_lazy("Request for information sent to the complainant"),
    "takedown_upheld": gettext_lazy("Decision sent to the complainant"),
    "takedown_dismissed": gettext_lazy("Decision sent to the complainant"),
    "takedown_disabled": gettext_lazy("Notice sent to the author"),
    "takedown_counter_notice": gettext_lazy("Counter-notice forwarded to the complainant"),
    "takedown_restored": gettext_lazy("Restoration notice sent to the complainant"),
    "takedown_restored_author": gettext_lazy("Restoration notice sent to the author"),
    "takedown_reply": gettext_lazy("Reply sent to the complainant"),
}


@register.filter
def takedown_event_label(event):
    """What a case event means, in words."""
    if event.kind == Kind.EMAIL_OUT:
        template_name = event.message.template if event.message_id else ""
        return str(_EMAILS.get(template_name, _("Email sent")))
    if event.kind == Kind.EMAIL_IN:
        if event.message_id and event.message.auto_submitted:
            return _("Automatic email received (auto-reply or bounce)")
        return _("Email received")
    if event.kind == Kind.ARTICLES:
        return _("Articles linked to the case")
    if event.kind == Kind.COURT:
        return _("The complainant went to court: no automatic restore")
    if event.kind == Kind.NOTE:
        return _("Note")
    to, origin = event.to_status, event.from_status
    if not origin:
        return _("Notice received")
    if to == Status.NEEDS_INFO:
        return _("Incomplete notice: information requested") if not event.actor_id else _("Information requested")
    if to == Status.UNDER_REVIEW:
        return _("Answer received: back under review") if not event.actor_id else _("Review started")
    if to == Status.RESTORED and not event.actor_id:
        return _("Restored automatically after the waiting period")
    return {
        Status.UPHELD: _("Upheld: articles disabled"),
        Status.DISMISSED: _("Dismissed"),
        Status.COUNTER_NOTICED: _("Counter-notice filed"),
        Status.RESTORED: _("Restored"),
        Status.CLOSED: _("Closed"),
    }.get(to, Status(to).label if to in Status.values else to)


@register.filter
def takedown_reason(reason):
    """A timeline text in the reader's language when the workflow wrote it (workflow.timeline_text)."""
    return workflow.timeline_text(reason or "")


@register.filter
def takedown_event_kind(event):
    """A CSS modifier for the timeline dot."""
    if event.kind == Kind.COURT:
        return "warn"
    if event.kind != Kind.STATUS:
        return "neutral"
    return {
        Status.UPHELD: "bad", Status.RESTORED: "good", Status.NEEDS_INFO: "warn", Status.COUNTER_NOTICED: "warn",
    }.get(event.to_status, "neutral")


@register.inclusion_tag("takedowns/counter_notice_dashboard.html", takes_context=True)
def takedown_notices(context):
    """The contributor's articles disabled by a copyright notice, why, and what they can do (one query)."""
    user = context.get("user")
    if not getattr(user, "is_authenticated", False):
        return {"links": []}
    reason = TakedownEvent.objects.filter(
        case=OuterRef("case_id"), kind=Kind.STATUS, to_status=Status.UPHELD,
    ).order_by("-id").values("reason")[:1]
    links = list(
        TakedownCaseArticle.objects.filter(
            article__author=user, article__status=Article.Status.DISABLED, disabled=True,
            case__status__in=(Status.UPHELD, Status.COUNTER_NOTICED, Status.CLOSED),
        ).select_related("case", "article").annotate(reason=Subquery(reason)).order_by("-case__received_at", "id")
    )
    return {"links": links, "request": context.get("request")}
