"""The background work, as operators see it: the scheduled jobs, outbound and inbound emails, task workers, and
tasks with their attempts."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from newsroom import inbound, jobs, mail, scheduler
from newsroom.models import InboundMessage, OutboundEmail, SchedulerLease, TaskWorker


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SchedulerLease)
class ScheduledJobsAdmin(ReadOnlyAdmin):
    """A read-only page: each periodic job's schedule, last run and next run, and which scheduler runs them."""

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [path("", self.admin_site.admin_view(self.changelist_view), name="%s_%s_changelist" % info)]

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": _("Scheduled jobs"),
            "subtitle": None,
            "opts": self.opts,
            "jobs": scheduler.overview(jobs.JOBS),
            "holder": scheduler.current_holder(),
        }
        return TemplateResponse(request, "admin/newsroom/scheduled_jobs.html", context)


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyAdmin):
    list_display = ["subject", "recipient_list", "status", "attempts", "short_error", "created_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["subject", "message_id"]
    date_hierarchy = "created_at"
    fields = ["status", "recipients", "subject", "message_id", "headers", "attempts", "last_error", "claimed_by",
              "claimed_at", "created_at", "sent_at", "text", "html"]
    readonly_fields = fields
    actions = ["send_again"]

    @admin.display(description=_("recipients"))
    def recipient_list(self, email):
        return ", ".join(email.recipients)

    @admin.display(description=_("last error"))
    def short_error(self, email):
        return email.last_error[:120]

    def has_send_again_permission(self, request):
        return request.user.has_perm("newsroom.change_outboundemail")

    @admin.action(description=_("Send the failed emails again"), permissions=["send_again"])
    def send_again(self, request, queryset):
        # Each is moved failed → pending by a conditional UPDATE: a second click, or a second admin, finds
        # it pending already and queues nothing; an email that was sent is never picked.
        count = sum(mail.send_again(email) for email in queryset.filter(status=OutboundEmail.Status.FAILED))
        skipped = queryset.count() - count
        if count:
            self.message_user(request, ngettext("%(count)d email queued to be sent again.",
                                                "%(count)d emails queued to be sent again.", count) % {"count": count},
                              messages.SUCCESS)
        if skipped:
            self.message_user(request, ngettext("%(count)d email was not failed, so it was left as it is.",
                                                "%(count)d emails were not failed, so they were left as they are.",
                                                skipped) % {"count": skipped}, messages.WARNING)


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnlyAdmin):
    """Every message the intake stored: its route, what became of it and why; quarantined ones can be handled again."""

    list_display = ["received_at", "subject", "sender", "route", "status", "short_reason", "handled_as", "attempts"]
    list_filter = ["status", "route"]
    search_fields = ["subject", "sender", "recipient", "=message_id", "=checksum", "handled_as"]
    date_hierarchy = "received_at"
    fields = ["status", "route", "recipient", "sender", "subject", "message_id", "checksum", "size", "reason",
              "handled_as", "attempts", "source_id", "received_at", "handled_at", "download"]
    readonly_fields = fields
    actions = ["handle_again"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("raw")

    @admin.display(description=_("reason"))
    def short_reason(self, message):
        return message.reason if len(message.reason) <= 120 else message.reason[:119] + "…"

    @admin.display(description=_("original"))
    def download(self, message):
        return format_html('<a href="{}">{}</a>', reverse("admin:newsroom_inboundmessage_raw", args=[message.pk]),
                           _("download"))

    def get_urls(self):
        return [path("<int:pk>/raw/", self.admin_site.admin_view(self.raw), name="newsroom_inboundmessage_raw"),
                *super().get_urls()]

    def raw(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        message = get_object_or_404(InboundMessage, pk=pk)
        # A download, never rendered: the mail comes from anyone.
        response = HttpResponse(bytes(message.raw), content_type="application/octet-stream")
        response["Content-Disposition"] = content_disposition_header(True, f"inbound-{message.pk}.eml")
        return response

    def has_handle_again_permission(self, request):
        return request.user.has_perm("newsroom.change_inboundmessage")

    @admin.action(description=_("Handle the quarantined messages again"), permissions=["handle_again"])
    def handle_again(self, request, queryset):
        for message in queryset.filter(status=InboundMessage.Status.QUARANTINED):
            result = inbound.handle_again(message)
            level = messages.WARNING if result.outcome in (inbound.Outcome.QUARANTINED, inbound.Outcome.RETRY) \
                else messages.SUCCESS
            detail = " ".join(filter(None, [str(result.outcome), result.reference, result.reason]))
            self.message_user(request, f"#{message.pk}: {detail}", level)


@admin.register(TaskWorker)
class TaskWorkerAdmin(ReadOnlyAdmin):
    list_display = ["hostname", "pid", "queues", "started_at", "seen_at"]


admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(DBTaskResultAdmin):
    """django-tasks-db's list, plus how many attempts each task had and its last error (newsroom/background.py)."""

    list_display = [*DBTaskResultAdmin.list_display, "attempts", "error"]

    @admin.display(description=_("attempts"))
    def attempts(self, result):
        return len(result.worker_ids)

    @admin.display(description=_("last error"))
    def error(self, result):
        return result.exception_class_path.rpartition(".")[2]
