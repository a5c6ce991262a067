"""Submissions are read-only here: status changes go through the moderation pages, and the log is append-only."""

from django.contrib import admin
from django.contrib import messages as admin_messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from newsroom import inbound
from submissions.models import Flag, ModerationEvent, QuarantinedMail, Revision, Submission


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
    list_filter = ["status", "language", "category", "under_appeal"]
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


class _DownloadMixin:
    def _download(self, request, data, filename, content_type="application/octet-stream"):
        response = HttpResponse(bytes(data), content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response


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
