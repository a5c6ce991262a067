"""Submissions are read-only here: status changes go through the moderation pages, and the log is append-only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from submissions.models import Flag, ModerationEvent, Revision, Submission


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
