"""Copyright takedowns in the admin (the Copyright staff group sees these pages)."""

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

from submissions.admin import NoAddOrDeleteMixin, ReadOnlyInline, ReadOnlyMixin
from submissions.takedowns import workflow
from submissions.takedowns import inbound as takedown_inbound
from submissions.takedowns.models import (
    CounterNotice,
    TakedownCase,
    TakedownCaseArticle,
    TakedownEvent,
    TakedownMessage,
)

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
        return super().get_queryset(request).defer("text")

    @admin.display(description=_("original and attachments"))
    def downloads(self, obj):
        return _message_downloads(obj)


def _message_downloads(message):
    if message.direction != TakedownMessage.Direction.IN:
        return "—"
    original = format_html('<a href="{}">{}</a>', reverse("admin:takedowns_takedownmessage_original",
                                                            args=[message.pk]), _("original (.eml)"))
    attached = format_html_join(
        ", ", '<a href="{}">{}</a>',
        ((reverse("admin:takedowns_takedownmessage_attachment", args=[message.pk, index]),
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
            except workflow.TakedownError as error:
                self.message_user(request, f"{case.reference}: {error.message}", admin_messages.WARNING)
            else:
                moved += 1
        if moved:
            self.message_user(request, done % {"count": moved}, admin_messages.SUCCESS)

    @admin.action(description=_("Start review of the selected cases"), permissions=["change"])
    def start_review(self, request, queryset):
        self._run(request, queryset, lambda case: workflow.start_review(case, by=request.user),
                  _("%(count)d case(s) under review."))

    @admin.action(description=_("Restore the articles of the selected cases"), permissions=["change"])
    def restore_articles(self, request, queryset):
        self._run(request, queryset, lambda case: workflow.restore(
            case, by=request.user, build_uri=request.build_absolute_uri), _("%(count)d case(s) restored."))

    @admin.action(description=_("Close the selected cases (articles stay disabled)"), permissions=["change"])
    def close_cases(self, request, queryset):
        self._run(request, queryset, lambda case: workflow.close(case, by=request.user),
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
    readonly_fields = ["downloads"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields] + ["downloads"]

    @admin.display(description=_("original and attachments"))
    def downloads(self, obj):
        return _message_downloads(obj)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/original/", view(self.original), name="takedowns_takedownmessage_original"),
            path("<int:pk>/attachments/<int:index>/", view(self.attachment), name="takedowns_takedownmessage_attachment"),
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
        found = takedown_inbound.attachment(self._get(request, pk, defer=("text",)), index)
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
