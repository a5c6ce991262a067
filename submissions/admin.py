"""Submissions are read-only here: status changes go through the moderation pages, and the log is append-only."""

from django.contrib import admin
from django.contrib import messages as admin_messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import content_disposition_header
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _

from newsroom import inbound
from submissions import mail_intake, takedowns
from submissions.models import (
    CounterNotice,
    Flag,
    ModerationEvent,
    QuarantinedMail,
    Revision,
    Submission,
    TakedownCase,
    TakedownCaseArticle,
    TakedownEvent,
    TakedownMessage,
)


class NoAddOrDeleteMixin:
    """Records that only a workflow creates (stories arrive through /submit/, cases by form or mail)
    and that nothing deletes: the admin may show and, where allowed, change them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyMixin(NoAddOrDeleteMixin):
    """Logs and messages: viewable, never added to, changed or deleted here, not even by superusers."""

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields


class RevisionInline(ReadOnlyInline):
    model = Revision
    fields = ["number", "created_at", "title", "language", "category", "tags", "sources"]


class ModerationEventInline(ReadOnlyInline):
    model = ModerationEvent
    fields = ["created_at", "actor", "from_status", "to_status", "reason"]


@admin.register(Submission)
class SubmissionAdmin(NoAddOrDeleteMixin, admin.ModelAdmin):
    list_display = ["title", "status", "contributor", "guest_email", "language", "category", "submitted_at", "claimed_by"]
    list_filter = ["status", "channel", "language", "category", "under_appeal"]
    list_select_related = ["contributor", "category", "claimed_by"]
    search_fields = ["title", "summary", "guest_email", "guest_name", "contributor__username", "contributor__email"]
    date_hierarchy = "created_at"
    inlines = [RevisionInline, ModerationEventInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(ModerationEvent)
class ModerationEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """The moderation log: viewable, never added to, changed or deleted here, not even by superusers."""

    list_display = ["created_at", "submission", "actor", "from_status", "to_status", "reason"]
    list_filter = ["to_status"]
    list_select_related = ["submission", "actor"]
    search_fields = ["submission__title", "reason", "actor__username"]
    date_hierarchy = "created_at"


@admin.register(Flag)
class FlagAdmin(NoAddOrDeleteMixin, admin.ModelAdmin):
    list_display = ["created_at", "article", "reason", "is_open", "resolved_by", "resolved_at"]
    list_filter = ["reason", ("resolved_at", admin.EmptyFieldListFilter)]
    list_select_related = ["article", "resolved_by"]
    search_fields = ["article__title", "note", "resolution"]
    readonly_fields = ["article", "reason", "note", "reporter", "created_at", "resolved_at", "resolved_by", "resolution"]

    @admin.display(boolean=True, description=_("open"))
    def is_open(self, obj):
        return obj.is_open


# --- Copyright takedowns -----------------------------------------------------------
# Cases are decided on /copyright/cases/<reference>/ (reasons go to people by email); the admin
# lists and searches them, shows their whole record, and offers the moves that need no reason.
# The log and the messages are read-only, originals and attachments are downloads.


class TakedownCaseArticleInline(ReadOnlyInline):
    model = TakedownCaseArticle
    fields = ["article", "url", "disabled", "added_at"]


class TakedownEventInline(ReadOnlyInline):
    model = TakedownEvent
    fields = ["created_at", "kind", "actor", "from_status", "to_status", "reason"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class TakedownMessageInline(ReadOnlyInline):
    model = TakedownMessage
    fields = ["created_at", "direction", "from_address", "to_addresses", "subject", "downloads"]
    readonly_fields = ["downloads"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("raw", "text")

    @admin.display(description=_("original and attachments"))
    def downloads(self, obj):
        return _message_downloads(obj)


def _message_downloads(message):
    if message.direction != TakedownMessage.Direction.IN:
        return "—"
    original = format_html('<a href="{}">{}</a>', reverse("admin:submissions_takedownmessage_original",
                                                            args=[message.pk]), _("original (.eml)"))
    attached = format_html_join(
        ", ", '<a href="{}">{}</a>',
        ((reverse("admin:submissions_takedownmessage_attachment", args=[message.pk, index]),
          item.get("filename") or _("unnamed")) for index, item in enumerate(message.attachments)),
    )
    return format_html("{} {}", original, attached)


@admin.register(TakedownCase)
class TakedownCaseAdmin(NoAddOrDeleteMixin, admin.ModelAdmin):
    list_display = ["reference", "status", "source", "complainant_email", "received_at", "age", "court_action"]
    list_filter = ["status", "source", "language", "court_action"]
    search_fields = ["=reference", "complainant_email", "complainant_name", "complainant_organisation"]
    date_hierarchy = "received_at"
    inlines = [TakedownCaseArticleInline, TakedownMessageInline, TakedownEventInline]
    actions = ["start_review", "restore_articles", "close_cases"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    @admin.display(description=_("age"), ordering="received_at")
    def age(self, obj):
        return timesince(obj.received_at, timezone.now())

    def _run(self, request, queryset, action, done):
        moved = 0
        for case in queryset:
            try:
                action(case)
            except takedowns.TakedownError as error:
                self.message_user(request, f"{case.reference}: {error.message}", admin_messages.WARNING)
            else:
                moved += 1
        if moved:
            self.message_user(request, done % {"count": moved}, admin_messages.SUCCESS)

    @admin.action(description=_("Start review of the selected cases"), permissions=["change"])
    def start_review(self, request, queryset):
        self._run(request, queryset, lambda case: takedowns.start_review(case, by=request.user),
                  _("%(count)d case(s) under review."))

    @admin.action(description=_("Restore the articles of the selected cases"), permissions=["change"])
    def restore_articles(self, request, queryset):
        self._run(request, queryset, lambda case: takedowns.restore(
            case, by=request.user, build_uri=request.build_absolute_uri), _("%(count)d case(s) restored."))

    @admin.action(description=_("Close the selected cases (articles stay disabled)"), permissions=["change"])
    def close_cases(self, request, queryset):
        self._run(request, queryset, lambda case: takedowns.close(case, by=request.user),
                  _("%(count)d case(s) closed."))


@admin.register(TakedownEvent)
class TakedownEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """The takedown log: viewable, never added to, changed or deleted here, not even by superusers."""

    list_display = ["created_at", "case", "kind", "actor", "from_status", "to_status", "reason"]
    list_filter = ["kind", "to_status"]
    list_select_related = ["case", "actor"]
    search_fields = ["=case__reference", "reason", "actor__username"]
    date_hierarchy = "created_at"


class _DownloadMixin:
    def _download(self, request, data, filename, content_type="application/octet-stream"):
        response = HttpResponse(bytes(data), content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response


@admin.register(TakedownMessage)
class TakedownMessageAdmin(ReadOnlyMixin, _DownloadMixin, admin.ModelAdmin):
    list_display = ["created_at", "case", "direction", "from_address", "subject", "auto_submitted", "size"]
    list_filter = ["direction", "auto_submitted", "synthetic_message_id"]
    list_select_related = ["case"]
    search_fields = ["=message_id", "=case__reference", "from_address", "subject"]
    exclude = ["raw"]
    readonly_fields = ["downloads"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("raw")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "raw"] + ["downloads"]

    @admin.display(description=_("original and attachments"))
    def downloads(self, obj):
        return _message_downloads(obj)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/original/", view(self.original), name="submissions_takedownmessage_original"),
            path("<int:pk>/attachments/<int:index>/", view(self.attachment), name="submissions_takedownmessage_attachment"),
            *super().get_urls(),
        ]

    def _get(self, request, pk, defer=()):
        if not self.has_view_permission(request):
            raise Http404
        return get_object_or_404(TakedownMessage.objects.defer(*defer), pk=pk, direction=TakedownMessage.Direction.IN)

    def original(self, request, pk):
        message = self._get(request, pk)
        return self._download(request, message.raw, f"{message.case.reference}-{message.pk}.eml", "message/rfc822")

    def attachment(self, request, pk, index):
        found = mail_intake.attachment(self._get(request, pk, defer=("raw", "text")), index)
        if found is None:
            raise Http404
        return self._download(request, found.data, found.filename or f"attachment-{index + 1}.bin")


@admin.register(CounterNotice)
class CounterNoticeAdmin(NoAddOrDeleteMixin, admin.ModelAdmin):
    list_display = ["case", "name", "filed_by", "recorded_by", "filed_at"]
    list_select_related = ["case", "filed_by", "recorded_by"]
    search_fields = ["=case__reference", "name", "email"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(QuarantinedMail)
class QuarantinedMailAdmin(NoAddOrDeleteMixin, _DownloadMixin, admin.ModelAdmin):
    """Mail the intake set aside: read the reason, download the bytes, try again once the cause is fixed."""

    list_display = ["received_at", "reason_summary", "source_id", "size", "resolved_at", "download"]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter)]
    search_fields = ["reason", "source_id", "=sha256"]
    exclude = ["raw"]
    actions = ["retry"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("raw")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "raw"] + ["download"]

    @admin.display(description=_("reason"))
    def reason_summary(self, obj):
        return obj.reason if len(obj.reason) <= 120 else obj.reason[:119] + "…"

    @admin.display(description=_("original"))
    def download(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:submissions_quarantinedmail_raw", args=[obj.pk]),
                           _("download"))

    def get_urls(self):
        return [
            path("<int:pk>/raw/", self.admin_site.admin_view(self.raw), name="submissions_quarantinedmail_raw"),
            *super().get_urls(),
        ]

    def raw(self, request, pk):
        if not self.has_view_permission(request):
            raise Http404
        item = get_object_or_404(QuarantinedMail, pk=pk)
        return self._download(request, item.raw, f"quarantined-{item.pk}.eml", "application/octet-stream")

    @admin.action(description=_("Try the intake again on the selected mail"), permissions=["change"])
    def retry(self, request, queryset):
        for item in queryset.filter(resolved_at__isnull=True):
            raw = bytes(QuarantinedMail.objects.values_list("raw", flat=True).get(pk=item.pk))
            result = inbound.ingest_message(raw, source_id=item.source_id)
            if result.outcome in (inbound.Outcome.QUARANTINED, inbound.Outcome.RETRY):
                self.message_user(request, f"#{item.pk}: {result.reason}", admin_messages.WARNING)
                continue
            where = f" {result.reference}" if result.reference else ""
            QuarantinedMail.objects.filter(pk=item.pk).update(
                resolved_at=timezone.now(), resolution=f"{result.outcome}{where} (retried by {request.user})")
            self.message_user(request, f"#{item.pk}: {result.outcome}{where}", admin_messages.SUCCESS)
