from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from articles import publishing
from articles.models import (
    Article, ArticleEvent, AuthorProfile, Category, Disclaimer, NewsletterSubscriber, Page, Tag,
)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "name_ko", "slug", "color", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(AuthorProfile)
class AuthorProfileAdmin(admin.ModelAdmin):
    list_display = ["display_name", "user"]
    search_fields = ["display_name", "user__username", "user__email"]
    list_select_related = ["user"]


class ArticleEventInline(admin.TabularInline):
    model = ArticleEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "actor", "from_status", "to_status", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "language", "category", "author", "published_at", "featured"]
    list_filter = ["status", "language", "category", "featured"]
    list_select_related = ["category", "author"]
    search_fields = ["title", "summary", "slug"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["tags"]
    raw_id_fields = ["author"]
    readonly_fields = ["status", "published_at", "reading_minutes"]
    filter_horizontal = ["disclaimers"]
    inlines = [ArticleEventInline]
    actions = ["publish_now", "mark_featured"]

    @admin.action(description=_("Publish selected articles now"), permissions=["change"])
    def publish_now(self, request, queryset):
        done = 0
        for article in queryset:
            try:
                publishing.publish(article, by=request.user)
                done += 1
            except publishing.IllegalTransition as error:
                self.message_user(request, str(error), messages.WARNING)
        self.message_user(request, ngettext("%d article published.", "%d articles published.", done) % done)

    @admin.action(description=_("Feature selected articles on the front page"), permissions=["change"])
    def mark_featured(self, request, queryset):
        queryset.update(featured=True)


@admin.register(Disclaimer)
class DisclaimerAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "is_default", "position"]
    list_editable = ["is_default", "position"]


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "language", "updated_at"]
    list_filter = ["slug", "language"]


@admin.register(NewsletterSubscriber)
class NewsletterSubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "language", "status", "created_at", "confirmed_at"]
    list_filter = ["status", "language"]
    search_fields = ["email"]
    readonly_fields = ["created_at", "confirmed_at", "unsubscribed_at"]
