from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.widgets import AutocompleteSelect
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from articles import cover_files, images, publishing
from articles.models import (
    Article, ArticleEvent, AuthorProfile, Category, Disclaimer, NewsletterSubscriber, Page, Tag,
)

Status = Article.Status

# The change form's workflow buttons: the edits are saved first, then the transition runs.
WORKFLOW_BUTTONS = {
    "_publish": (_("Save and publish now"), {Status.DRAFT, Status.SCHEDULED}),
    "_schedule": (_("Save and schedule"), {Status.DRAFT}),
    "_unschedule": (_("Cancel the schedule"), {Status.SCHEDULED}),
    "_withdraw": (_("Withdraw (the address then answers 410 Gone)"), {Status.PUBLISHED}),
    "_regenerate_cover": (_("Redraw the generated cover"), set(Status)),
}
SHAREABLE = {Status.DRAFT, Status.SCHEDULED}


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "name_ko", "slug", "color", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"name", "name_ko", "color"} & set(form.changed_data):
            publishing.category_changed(obj)


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
    """The article's status timeline: read-only, visible to whoever may see the article."""

    model = ArticleEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "actor", "from_status", "to_status", "reason"]
    readonly_fields = fields
    verbose_name_plural = _("timeline")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("articles.view_article") or request.user.has_perm("articles.change_article")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TranslationSelect(AutocompleteSelect):
    """The translation's search box: it names the edited story's language, and ArticleAdmin.get_search_results
    then offers stories in the other language only."""

    translating = ""

    def get_url(self):
        return f"{super().get_url()}?{urlencode({'translating': self.translating})}"


class ArticleAdminForm(forms.ModelForm):
    cover_upload = forms.FileField(
        label=_("Replace the cover with an image"), required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
        help_text=_("JPEG, PNG, WebP or GIF, at least %(width)d×%(height)d pixels. It is cropped to the cover sizes and "
                    "captioned as an image supplied by the author or the editors.")
        % {"width": cover_files.UPLOAD_MIN_SIZE[0], "height": cover_files.UPLOAD_MIN_SIZE[1]},
    )
    workflow_reason = forms.CharField(
        label=_("Reason"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Recorded in the timeline with the next publishing step; required to withdraw."),
    )

    class Meta:
        model = Article
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.workflow_action = next((name for name in WORKFLOW_BUTTONS if name in self.data), None)
        if "translation" in self.fields:
            select = self.fields["translation"].widget
            getattr(select, "widget", select).translating = self.instance.language  # inside the admin's wrapper
        if "publish_at" in self.fields:
            self.fields["publish_at"].help_text = _(
                "Used by “Save and schedule”. To move a scheduled article, change the time and save."
            )

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if not publishing.slug_available(slug, article=self.instance):
            raise forms.ValidationError(
                _("This address belongs to another article, now or formerly; choose another slug."), code="slug_taken"
            )
        return slug

    def clean_cover_upload(self):
        upload = self.cleaned_data.get("cover_upload")
        if not upload:
            return None
        try:
            return cover_files.clean_upload(upload)
        except images.InvalidImage as error:
            raise forms.ValidationError(str(error), code="invalid_image") from error

    def clean(self):
        cleaned = super().clean()
        status = self.instance.status if self.instance.pk else Status.DRAFT
        action = self.workflow_action
        if action and self.instance.pk and status not in WORKFLOW_BUTTONS[action][1]:
            raise forms.ValidationError(
                _("This article is %(status)s: “%(step)s” is not possible now."),
                params={"status": self.instance.get_status_display(), "step": WORKFLOW_BUTTONS[action][0]},
                code="illegal_step",
            )
        publish_at = cleaned.get("publish_at")
        needs_time = action == "_schedule" or (status == Status.SCHEDULED and "publish_at" in self.changed_data
                                               and action not in ("_publish", "_unschedule"))
        if needs_time and "publish_at" not in self.errors:
            if not publish_at:
                self.add_error("publish_at", _("Choose when to publish."))
            elif publish_at <= timezone.now():
                self.add_error("publish_at", _("Choose a time in the future, or publish now."))
        if action == "_withdraw" and not cleaned.get("workflow_reason", "").strip():
            self.add_error("workflow_reason", _("Say why the article is withdrawn; readers are told it was."))
        edition = cleaned.get("translation")
        if edition and (edition.pk == self.instance.pk or edition.language == cleaned.get("language")):
            self.add_error("translation", _("Choose a story in the other language."))
        if action == "_regenerate_cover" and cleaned.get("cover_upload"):
            self.add_error("cover_upload", _("Either upload a cover or redraw the generated one, not both."))
        return cleaned


class ScheduleForm(forms.Form):
    publish_at = forms.DateTimeField(
        label=_("Publish at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        help_text=_("In %(timezone)s.") % {"timezone": settings.TIME_ZONE},
    )
    reason = forms.CharField(label=_("Note for the timeline"), required=False, max_length=1000)

    def clean_publish_at(self):
        publish_at = self.cleaned_data["publish_at"]
        if publish_at <= timezone.now():
            raise forms.ValidationError(_("Choose a time in the future, or publish now."))
        return publish_at


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Recorded in each article's timeline. Withdrawn articles answer 410 Gone and cannot be republished."),
    )


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = ["title", "cover_thumbnail", "status", "language", "category", "author_name", "published_at",
                    "publish_at", "featured", "preview_link"]
    # A date filter rather than date_hierarchy: the hierarchy lists the months that have articles,
    # which reads every article's date on each page view (0.6 s at 100,000 on SQLite).
    list_filter = ["status", ("published_at", admin.DateFieldListFilter), "language", "category", "featured",
                   "cover_source"]
    list_select_related = ["category", "author__profile"]
    search_fields = ["title", "summary", "slug", "author__username", "author__profile__display_name"]
    # "N results (M total)" would count the whole table again on every search.
    show_full_result_count = False
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["tags", "translation"]
    raw_id_fields = ["author"]
    readonly_fields = ["status", "published_at", "reading_minutes", "cover_preview", "cover_source",
                       "source_submission", "old_addresses"]
    filter_horizontal = ["disclaimers"]
    inlines = [ArticleEventInline]
    actions = ["publish_now", "schedule", "unschedule", "withdraw", "mark_featured", "unmark_featured",
               "regenerate_covers"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "language", "translation", "category", "author", "summary", "body", "tags",
                           "featured"]}),
        (_("Cover"), {"fields": ["cover_preview", "cover_source", "cover_upload", "cover_credit"]}),
        (_("Disclaimers"), {
            "fields": ["disclaimers"],
            "description": _("Shown on the article page in the reader's language, in the order of their position."),
        }),
        (_("Publishing"), {"fields": ["status", "published_at", "publish_at", "workflow_reason", "source_submission",
                                      "old_addresses", "reading_minutes"]}),
    ]

    class Media:
        js = ["js/admin_article.js"]
        css = {"all": ["css/admin_articles.css"]}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "translation":
            kwargs["widget"] = TranslationSelect(db_field, self.admin_site)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        translating = request.GET.get("translating") if request.GET.get("field_name") == "translation" else None
        if translating:
            queryset = queryset.exclude(language=translating)
        return super().get_search_results(request, queryset, search_term)

    def view_on_site(self, obj):
        # Readers cannot see unpublished articles: "View on site" opens the preview instead.
        return obj.get_absolute_url() if obj.is_public else self._preview_url(obj)

    # --- columns and read-only fields ---------------------------------------------------------

    @admin.display(description=_("author"), ordering="author__username")
    def author_name(self, obj):
        return obj.author_name

    @admin.display(description=_("cover"))
    def cover_thumbnail(self, obj):
        src = cover_files.url(obj, "thumb", "jpeg")
        return format_html('<img src="{}" width="96" height="54" alt="">', src) if src else "—"

    @admin.display(description=_("preview"))
    def preview_link(self, obj):
        return format_html('<a href="{}">{}</a>', self._preview_url(obj), gettext("Preview"))

    @admin.display(description=_("current cover"))
    def cover_preview(self, obj):
        if obj is None or not obj.cover_hash:
            return gettext("No cover yet: it is drawn after the article is saved.")
        return format_html(
            '<a href="{}"><img src="{}" width="400" height="225" alt="{}"></a>',
            cover_files.url(obj, "og", "jpeg"), cover_files.url(obj, "thumb", "jpeg"), gettext("Current cover"),
        )

    @admin.display(description=_("source submission"))
    def source_submission(self, obj):
        submission = getattr(obj, "submission", None) if obj is not None and obj.pk else None
        if submission is None:
            return "—"
        try:
            url = reverse("admin:submissions_submission_change", args=[submission.pk])
        except NoReverseMatch:
            return "—"
        return format_html('<a href="{}">{}</a> <span class="help">{}</span>', url, submission,
                           gettext("(its moderation timeline is on that page)"))

    @admin.display(description=_("old addresses"))
    def old_addresses(self, obj):
        if obj is None or not obj.pk:
            return "—"
        slugs = list(obj.slug_redirects.values_list("old_slug", flat=True))
        if not slugs:
            return "—"
        return format_html(
            "{} <div class=\"help\">{}</div>", format_html_join(", ", "<code>{}</code>", ((slug,) for slug in slugs)),
            gettext("These former slugs redirect (301) to the current address."),
        )

    # --- the change form ----------------------------------------------------------------------

    def get_changeform_initial_data(self, request):
        return {
            "disclaimers": list(Disclaimer.objects.filter(is_default=True).values_list("pk", flat=True)),
            "author": request.user.pk,
            **super().get_changeform_initial_data(request),
        }

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context["preview_url"] = self._preview_url(obj)
            context["share_url"] = (
                request.build_absolute_uri(self._share_path(obj)) if obj.status in SHAREABLE else ""
            )
            context["share_days"] = max(1, settings.PREVIEW_LINK_MAX_AGE // 86400)
            if self.has_change_permission(request, obj):
                buttons = {name: label for name, (label, allowed) in WORKFLOW_BUTTONS.items() if obj.status in allowed}
                if obj.cover_source == Article.CoverSource.UPLOADED:
                    buttons["_regenerate_cover"] = _("Replace the uploaded cover with generated art")
                context["workflow_buttons"] = list(buttons.items())
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        # Content only: status moves through publishing's transitions (see save_related).
        if change:
            publishing.update_content(obj, by=request.user)
        else:
            publishing.add_draft(obj, by=request.user)
        image = form.cleaned_data.get("cover_upload")
        if image:
            publishing.replace_cover(obj, image=image, by=request.user)
        if "translation" in form.changed_data:
            edition = form.cleaned_data["translation"]
            if edition:
                publishing.link_translation(obj, edition, by=request.user)
            else:
                publishing.unlink_translation(obj, by=request.user)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change and form.workflow_action:
            self._run_step(request, form.instance, form.workflow_action, form.cleaned_data.get("workflow_reason", ""))

    def response_change(self, request, obj):
        if any(name in request.POST for name in WORKFLOW_BUTTONS):
            return HttpResponseRedirect(reverse("admin:articles_article_change", args=[obj.pk]))
        return super().response_change(request, obj)

    def _run_step(self, request, article, step, reason):
        user = request.user
        try:
            if step == "_publish":
                publishing.publish(article, by=user, reason=reason)
                done = gettext("Saved and published: readers can see it now.")
            elif step == "_schedule":
                publishing.schedule(article, at=article.publish_at, by=user, reason=reason)
                when = timezone.localtime(article.publish_at).strftime("%Y-%m-%d %H:%M %Z")
                done = gettext("Saved and scheduled for %(when)s.") % {"when": when}
            elif step == "_unschedule":
                publishing.unschedule(article, by=user, reason=reason)
                done = gettext("The schedule is cancelled; the article is a draft again.")
            elif step == "_withdraw":
                publishing.withdraw(article, by=user, reason=reason)
                done = gettext("Withdrawn: its address now answers 410 Gone.")
            else:
                publishing.regenerate_cover(article, by=user)
                done = gettext("Saved; the generated cover is being redrawn.")
        except publishing.IllegalTransition:
            self.message_user(request, self._refusal(article), messages.ERROR)
            return
        self.message_user(request, done, messages.SUCCESS)

    @staticmethod
    def _refusal(article):
        current = Article.objects.filter(pk=article.pk).first() or article
        return gettext("“%(title)s” is %(status)s now; that step is not possible.") % {
            "title": current.title, "status": current.get_status_display(),
        }

    @staticmethod
    def _preview_url(obj):
        with translation.override(obj.language):
            return reverse("articles:preview", args=[obj.pk])

    @staticmethod
    def _share_path(obj):
        with translation.override(obj.language):
            return reverse("articles:shared_preview", args=[publishing.preview_token(obj)])

    # --- list actions: each calls publishing, never sets a status ------------------------------

    def _each(self, request, queryset, step, success, **kwargs):
        done = 0
        for article in queryset:
            try:
                step(article, by=request.user, **kwargs)
                done += 1
            except publishing.IllegalTransition:
                self.message_user(request, self._refusal(article), messages.WARNING)
        if done:
            self.message_user(request, success(done) % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Publish selected articles now"), permissions=["change"])
    def publish_now(self, request, queryset):
        self._each(request, queryset, publishing.publish, lambda n: ngettext(
            "%(count)d article published.", "%(count)d articles published.", n))

    @admin.action(description=_("Schedule selected drafts…"), permissions=["change"])
    def schedule(self, request, queryset):
        form = ScheduleForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            self._each(request, queryset, publishing.schedule, lambda n: ngettext(
                "%(count)d article scheduled.", "%(count)d articles scheduled.", n),
                at=form.cleaned_data["publish_at"], reason=form.cleaned_data["reason"])
            return None
        return self._confirmation(request, queryset, form, "schedule", _("Schedule articles"),
                                  _("Schedule"), _("These drafts will be published at the time you choose."))

    @admin.action(description=_("Cancel the schedule of selected articles"), permissions=["change"])
    def unschedule(self, request, queryset):
        self._each(request, queryset, publishing.unschedule, lambda n: ngettext(
            "%(count)d article is a draft again.", "%(count)d articles are drafts again.", n))

    @admin.action(description=_("Withdraw selected articles…"), permissions=["change"])
    def withdraw(self, request, queryset):
        form = WithdrawForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            self._each(request, queryset, publishing.withdraw, lambda n: ngettext(
                "%(count)d article withdrawn.", "%(count)d articles withdrawn.", n), reason=form.cleaned_data["reason"])
            return None
        return self._confirmation(
            request, queryset, form, "withdraw", _("Withdraw articles"), _("Withdraw"),
            _("Withdrawn articles disappear from the site and their addresses answer 410 Gone. This cannot be undone."),
        )

    def _confirmation(self, request, queryset, form, action, title, button, explanation):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "subtitle": None,
            "opts": self.opts,
            "queryset": queryset,
            "form": form,
            "action": action,
            "button": button,
            "explanation": explanation,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/articles/article/action_confirmation.html", context)

    @admin.action(description=_("Feature selected articles on the front page"), permissions=["change"])
    def mark_featured(self, request, queryset):
        count = queryset.update(featured=True)
        self.message_user(request, ngettext("%(count)d article featured.", "%(count)d articles featured.", count)
                          % {"count": count})

    @admin.action(description=_("Stop featuring selected articles"), permissions=["change"])
    def unmark_featured(self, request, queryset):
        count = queryset.update(featured=False)
        self.message_user(request, ngettext("%(count)d article no longer featured.",
                                            "%(count)d articles no longer featured.", count) % {"count": count})

    @admin.action(description=_("Redraw the generated covers of selected articles"), permissions=["change"])
    def regenerate_covers(self, request, queryset):
        self._each(request, queryset, publishing.regenerate_cover, lambda n: ngettext(
            "The cover of %(count)d article is being redrawn.", "The covers of %(count)d articles are being redrawn.", n))


@admin.register(Disclaimer)
class DisclaimerAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "is_default", "position"]
    list_editable = ["is_default", "position"]
    list_filter = ["kind", "is_default"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "is_default", "position"]}),
        (_("Text"), {
            "fields": ["text_en", "text_ko"],
            "description": _("Readers see the text in their language (English when there is no Korean text). "
                             "{copyright_email}, {report_url} and {guidelines_url} become links."),
        }),
    ]


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
