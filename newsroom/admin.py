from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from newsroom import jobs, scheduler
from newsroom.models import SchedulerLease


@admin.register(SchedulerLease)
class ScheduledJobsAdmin(admin.ModelAdmin):
    """A read-only page: each periodic job's schedule, last run and next run, and which scheduler runs them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

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
