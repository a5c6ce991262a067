import csv

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import get_user_model
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from articles import cover_files, images, newsletter, newsletter_editions, publishing, text
from articles.models import (
    Article, ArticleEvent, AuthorProfile, Category, Disclaimer, Edition, EditionStory, Language, NewsletterSubscriber,
    Page, SubscriberEvent, Tag,
)
from newsroom import privacy

Status = Article.Status

# The change form's buttons, one per editor step of the workflow (publishing.EDITOR_STEPS): which
# ones an article offers, and which ones its form accepts, come from publishing.can(); the admin keeps
# only their labels. The edits are saved first, then the step runs. Disabling and restoring are the
# takedown workflow's: no button or action here reaches them.
STEP_BUTTONS = {
    "publish": _("Save and publish now"),
    "schedule": _("Save and schedule"),
    "unschedule": _("Cancel the schedule"),
    "withdraw": _("Withdraw (the address then answers 410 Gone)"),
}
REDRAW_BUTTON = "_regenerate_cover"  # not a status step: any article's generated cover can be redrawn
SHAREABLE = {Status.DRAFT, Status.SCHEDULED}
USE_CONTRIBUTOR_PHOTO = "_use_contributor_photo"  # a button of its own, shown with the contributor's photo


def button_name(step):
    return f"_{step}"


@admin.action(description=_("Delete the selected accounts (erase personal data, keep published stories)"),
              permissions=["delete"])
def delete_accounts(modeladmin, request, queryset):
    """Privacy rights (newsroom/privacy.py) for accounts that cannot delete themselves on the site: staff."""
    deleted = 0
    for user in queryset:
        if user.pk == request.user.pk:
            modeladmin.message_user(request, _("You cannot delete your own account here."), messages.ERROR)
        elif not privacy.is_former(user):
            privacy.delete_account(user, by=request.user)
            deleted += 1
    if deleted:
        modeladmin.message_user(request, ngettext("%(count)d account deleted.", "%(count)d accounts deleted.",
                                                  deleted) % {"count": deleted}, messages.SUCCESS)


class UserAdmin(auth_admin.UserAdmin):
    """Django's account admin, plus one opening: editors search accounts by name in the article form's
    author field (the admin's autocomplete answers with usernames only). The account pages stay closed
    to them: viewing those still needs auth.view_user. Administrators delete accounts with the privacy
    action (Django's own delete would take published stories with them: authors are protected)."""

    actions = [delete_accounts]

    def has_view_permission(self, request, obj=None):
        match = getattr(request, "resolver_match", None)
        if (obj is None and match is not None and match.view_name == "admin:autocomplete"
                and request.GET.get("app_label") == "articles" and request.user.has_perm("articles.change_article")):
            return True
        return super().has_view_permission(request, obj)


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), UserAdmin)


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
        # The step asked for (a name from publishing.EDITOR_STEPS), or REDRAW_BUTTON, or None.
        self.workflow_action = next((step for step in publishing.EDITOR_STEPS if button_name(step) in self.data),
                                    REDRAW_BUTTON if REDRAW_BUTTON in self.data else None)
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

    def clean_body(self):
        # The same bounds as contributors' stories: an editor's paste can cost as much to render.
        body = self.cleaned_data["body"]
        if problem := text.markdown_problem(body):
            raise forms.ValidationError(problem, code="too_costly")
        return body

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
        # A new article is saved as a draft first, so its steps are a draft's.
        current = self.instance if self.instance.pk else Article(status=Status.DRAFT)
        status = current.status
        action = self.workflow_action
        if action in STEP_BUTTONS and not publishing.can(action, current):
            raise forms.ValidationError(
                _("This article is %(status)s: “%(step)s” is not possible now."),
                params={"status": current.get_status_display(), "step": STEP_BUTTONS[action]},
                code="illegal_step",
            )
        publish_at = cleaned.get("publish_at")
        needs_time = action == "schedule" or (status == Status.SCHEDULED and "publish_at" in self.changed_data
                                              and action not in ("publish", "unschedule"))
        if needs_time and "publish_at" not in self.errors:
            if not publish_at:
                self.add_error("publish_at", _("Choose when to publish."))
            elif publish_at <= timezone.now():
                self.add_error("publish_at", _("Choose a time in the future, or publish now."))
        if action == "withdraw" and not cleaned.get("workflow_reason", "").strip():
            self.add_error("workflow_reason", _("Say why the article is withdrawn; readers are told it was."))
        edition = cleaned.get("translation")
        if edition and (edition.pk == self.instance.pk or edition.language == cleaned.get("language")):
            self.add_error("translation", _("Choose a story in the other language."))
        if action == REDRAW_BUTTON and cleaned.get("cover_upload"):
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
    # A searchable choice of author: see UserAdmin below for what editors may search.
    autocomplete_fields = ["author", "tags", "translation"]
    readonly_fields = ["status", "published_at", "reading_minutes", "cover_preview", "cover_source",
                       "source_submission", "old_addresses", "contributor_photo_offer"]
    filter_horizontal = ["disclaimers"]
    inlines = [ArticleEventInline]
    actions = ["publish_now", "schedule", "unschedule", "withdraw", "mark_featured", "unmark_featured",
               "regenerate_covers"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "language", "translation", "category", "author", "summary", "body", "tags",
                           "featured"]}),
        (_("Cover"), {"fields": ["cover_preview", "cover_source", "contributor_photo_offer", "cover_upload",
                                 "cover_credit"]}),
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

    @admin.display(description=_("contributor's photo"))
    def contributor_photo_offer(self, obj):
        if obj is None or not obj.contributor_photo:
            return "—"
        return format_html(
            '<a href="{url}"><img src="{url}" width="240" alt="{alt}"></a>'
            '<div><button type="submit" name="{name}" value="1" class="button">{label}</button></div>'
            '<div class="help">{help}</div>',
            url=obj.contributor_photo.url, alt=gettext("The contributor's photo"), name=USE_CONTRIBUTOR_PHOTO,
            label=gettext("Use the contributor's photo as the cover"),
            help=gettext("Sent with the story; the contributor confirmed they hold the rights to it. "
                         "The cover stays generated art unless you choose the photo."),
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
                context["workflow_buttons"] = self._buttons(obj)
        elif add and self.has_add_permission(request):
            # The add form publishes or schedules at once: a new article is a draft until the step runs.
            context["workflow_buttons"] = self._buttons(Article(status=Status.DRAFT))
        return super().render_change_form(request, context, add, change, form_url, obj)

    @staticmethod
    def _buttons(article):
        buttons = [(button_name(step), STEP_BUTTONS[step]) for step in publishing.editor_steps(article)]
        if article.pk:
            redraw = (_("Replace the uploaded cover with generated art")
                      if article.cover_source == Article.CoverSource.UPLOADED else _("Redraw the generated cover"))
            buttons.append((REDRAW_BUTTON, redraw))
        return buttons

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
        if form.workflow_action:
            self._run_step(request, form.instance, form.workflow_action, form.cleaned_data.get("workflow_reason", ""))

    def response_add(self, request, obj, post_url_continue=None):
        if getattr(request, "_article_step_ran", False):
            return HttpResponseRedirect(reverse("admin:articles_article_change", args=[obj.pk]))
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if USE_CONTRIBUTOR_PHOTO in request.POST:  # after the edits are saved, like the workflow buttons
            self._use_contributor_photo(request, obj)
            return HttpResponseRedirect(reverse("admin:articles_article_change", args=[obj.pk]))
        if getattr(request, "_article_step_ran", False):
            return HttpResponseRedirect(reverse("admin:articles_article_change", args=[obj.pk]))
        return super().response_change(request, obj)

    def _run_step(self, request, article, step, reason):
        user = request.user
        request._article_step_ran = True  # the response goes back to the article, to show where it stands
        try:
            if step == "publish":
                publishing.publish(article, by=user, reason=reason)
                done = gettext("Saved and published: readers can see it now.")
            elif step == "schedule":
                publishing.schedule(article, at=article.publish_at, by=user, reason=reason)
                when = timezone.localtime(article.publish_at).strftime("%Y-%m-%d %H:%M %Z")
                done = gettext("Saved and scheduled for %(when)s.") % {"when": when}
            elif step == "unschedule":
                publishing.unschedule(article, by=user, reason=reason)
                done = gettext("The schedule is cancelled; the article is a draft again.")
            elif step == "withdraw":
                publishing.withdraw(article, by=user, reason=reason)
                done = gettext("Withdrawn: its address now answers 410 Gone.")
            else:
                publishing.regenerate_cover(article, by=user)
                done = gettext("Saved; the generated cover is being redrawn.")
        except publishing.IllegalTransition:
            self.message_user(request, self._refusal(article), messages.ERROR)
            return
        self.message_user(request, done, messages.SUCCESS)

    def _use_contributor_photo(self, request, article):
        try:
            with article.contributor_photo.open("rb") as photo:
                image = cover_files.clean_upload(photo)
        except images.InvalidImage as error:
            self.message_user(request, gettext("The contributor's photo cannot be the cover: %(reason)s")
                              % {"reason": error}, messages.ERROR)
            return
        except (OSError, ValueError):
            self.message_user(request, gettext("The contributor's photo could not be read."), messages.ERROR)
            return
        publishing.replace_cover(article, image=image, by=request.user)
        self.message_user(request, gettext("The contributor's photo is now the cover."), messages.SUCCESS)

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

    # --- list actions: one per editor step; each runs the workflow's function, never sets a status ----

    def _each(self, request, queryset, step, success, **kwargs):
        """Run workflow `step` (a name in publishing.EDITOR_STEPS, also its function's name) on each article."""
        assert step in publishing.EDITOR_STEPS, step
        done = 0
        for article in queryset:
            try:
                getattr(publishing, step)(article, by=request.user, **kwargs)
                done += 1
            except publishing.IllegalTransition:
                self.message_user(request, self._refusal(article), messages.WARNING)
        if done:
            self.message_user(request, success(done) % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Publish selected articles now"), permissions=["change"])
    def publish_now(self, request, queryset):
        self._each(request, queryset, "publish", lambda n: ngettext(
            "%(count)d article published.", "%(count)d articles published.", n))

    @admin.action(description=_("Schedule selected drafts…"), permissions=["change"])
    def schedule(self, request, queryset):
        form = ScheduleForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            self._each(request, queryset, "schedule", lambda n: ngettext(
                "%(count)d article scheduled.", "%(count)d articles scheduled.", n),
                at=form.cleaned_data["publish_at"], reason=form.cleaned_data["reason"])
            return None
        return self._confirmation(request, queryset, form, "schedule", _("Schedule articles"),
                                  _("Schedule"), _("These drafts will be published at the time you choose."))

    @admin.action(description=_("Cancel the schedule of selected articles"), permissions=["change"])
    def unschedule(self, request, queryset):
        self._each(request, queryset, "unschedule", lambda n: ngettext(
            "%(count)d article is a draft again.", "%(count)d articles are drafts again.", n))

    @admin.action(description=_("Withdraw selected articles…"), permissions=["change"])
    def withdraw(self, request, queryset):
        form = WithdrawForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            self._each(request, queryset, "withdraw", lambda n: ngettext(
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
        for article in queryset:
            publishing.regenerate_cover(article, by=request.user)
        count = len(queryset)
        self.message_user(request, ngettext(
            "The cover of %(count)d article is being redrawn.", "The covers of %(count)d articles are being redrawn.",
            count) % {"count": count}, messages.SUCCESS)


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


class SubscriberEventInline(admin.TabularInline):
    """How the subscription came to be what it is: read-only, like every workflow log."""

    model = SubscriberEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "from_status", "to_status", "reason"]
    readonly_fields = fields
    verbose_name_plural = _("history")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(NewsletterSubscriber)
class NewsletterSubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "language", "status", "suppression_reason", "created_at", "confirmed_at"]
    list_filter = ["status", "language", "suppression_reason"]
    search_fields = ["email"]
    # The status moves only through articles/newsletter.py (double opt-in, unsubscribe, suppression), which logs it.
    readonly_fields = ["status", "created_at", "confirmed_at", "unsubscribed_at", "suppression_reason",
                       "suppressed_at"]
    inlines = [SubscriberEventInline]
    actions = ["export_csv", "lift_suppression"]

    @admin.action(description=_("Export the selected subscribers as CSV"))
    def export_csv(self, request, queryset):
        """Streamed a thousand rows at a time, so 100,000 subscribers never sit in memory."""
        columns = ["email", "language", "status", "created_at", "confirmed_at", "unsubscribed_at",
                   "suppression_reason", "suppressed_at"]

        writer = csv.writer(_Echo())

        def rows():
            yield writer.writerow(columns)
            for row in queryset.order_by("id").values_list(*columns).iterator(chunk_size=1000):
                yield writer.writerow([_csv_cell(value) for value in row])

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="newsletter-subscribers.csv"'
        return response

    @admin.action(description=_("Lift the suppression (the address works again)"))
    def lift_suppression(self, request, queryset):
        lifted = 0
        for subscriber in queryset.filter(status=NewsletterSubscriber.Status.SUPPRESSED):
            newsletter.lift_suppression(subscriber, by=request.user.get_username())
            lifted += 1
        self.message_user(request, ngettext(
            "%(count)d address may sign up again.", "%(count)d addresses may sign up again.", lifted
        ) % {"count": lifted}, messages.SUCCESS)


class _Echo:
    """csv.writer writes into this and gets the line back, for a streamed response (Django's documented way)."""

    def write(self, value):
        return value


def _csv_cell(value):
    """A leading = + - @ is neutralised, so that a spreadsheet never runs an address as a formula."""
    text = "" if value is None else value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


class EditionStoryInline(admin.TabularInline):
    model = EditionStory
    extra = 1
    fields = ["position", "article"]
    autocomplete_fields = ["article"]
    verbose_name_plural = _("stories, in order")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("article")  # each row is titled with its story

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and (obj is None or obj.status == Edition.Status.DRAFT)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.status == Edition.Status.DRAFT)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.status == Edition.Status.DRAFT)


EDITION_BUTTONS = {  # button name → (label, the statuses it is offered in); the edits are saved first
    "_send_test": (_("Save and send a test to me"), {Edition.Status.DRAFT, Edition.Status.SCHEDULED}),
    "_schedule": (_("Save and schedule"), {Edition.Status.DRAFT}),
    "_unschedule": (_("Cancel the schedule"), {Edition.Status.SCHEDULED}),
    "_send_now": (_("Save and send now"), {Edition.Status.DRAFT, Edition.Status.SCHEDULED}),
}
EMAIL_PREVIEW_CSP = {"default-src": [CSP.NONE], "style-src": [CSP.UNSAFE_INLINE], "img-src": [CSP.SELF],
                     "frame-ancestors": [CSP.NONE]}


@admin.register(Edition)
class EditionAdmin(admin.ModelAdmin):
    """Thin: composing and sending are articles/newsletter_editions.py."""

    change_form_template = "admin/articles/edition/change_form.html"
    change_list_template = "admin/articles/edition/change_list.html"
    list_display = ["__str__", "language", "status", "scheduled_for", "started_at", "recipients_count", "sent_count",
                    "failed_count", "bounced_count"]
    list_filter = ["status", "language"]
    fields = ["language", "introduction", "scheduled_for", "status", "period_start", "period_end", "started_at",
              "sent_at", "recipients_count", "sent_count", "failed_count", "bounced_count"]
    readonly_fields = ["status", "period_start", "period_end", "started_at", "sent_at", "recipients_count",
                       "sent_count", "failed_count", "bounced_count"]
    inlines = [EditionStoryInline]

    class Media:
        js = ["js/admin_article.js"]  # asks before "Send now"

    def has_change_permission(self, request, obj=None):
        # What has gone out stays as it went out; a scheduled edition is unscheduled to be edited.
        return super().has_change_permission(request, obj) and (
            obj is None or obj.status in (Edition.Status.DRAFT, Edition.Status.SCHEDULED))

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def get_urls(self):
        return [
            # The email's inline styles are what mail clients read; the preview runs no script and loads nothing.
            path("<int:pk>/preview/", self.admin_site.admin_view(csp_override(EMAIL_PREVIEW_CSP)(self.preview_view)),
                 name="articles_edition_preview"),
            path("compose/<str:language>/", self.admin_site.admin_view(self.compose_view),
                 name="articles_edition_compose"),
            *super().get_urls(),
        ]

    def preview_view(self, request, pk):
        edition = get_object_or_404(Edition, pk=pk)
        if not self.has_view_permission(request, edition):
            raise PermissionDenied
        with translation.override(edition.language):
            link = newsletter.site_uri(reverse("articles:newsletter"))
        return HttpResponse(newsletter_editions.render(edition, unsubscribe_link=link)[2])

    def compose_view(self, request, language):
        if request.method != "POST" or language not in Language.values or not self.has_add_permission(request):
            raise PermissionDenied
        edition = newsletter_editions.compose(language=language, by=request.user)
        count = edition.edition_stories.count()
        self.message_user(request, ngettext(
            "Composed with %(count)d story published since the last edition: edit it, then schedule or send it.",
            "Composed with %(count)d stories published since the last edition: edit them, then schedule or send it.",
            count) % {"count": count}, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:articles_edition_change", args=[edition.pk]))

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), "languages": Language.choices})

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["preview_url"] = reverse("admin:articles_edition_preview", args=[obj.pk])
            context["edition_buttons"] = [(name, label) for name, (label, statuses) in EDITION_BUTTONS.items()
                                          if obj.status in statuses]
        return super().render_change_form(request, context, add, change, form_url, obj)

    def response_change(self, request, obj):
        step = next((name for name in EDITION_BUTTONS if name in request.POST), None)
        if step is None:
            return super().response_change(request, obj)
        try:
            if step == "_send_test":
                if not request.user.email:
                    raise newsletter_editions.EditionError(gettext("Your account has no email address."))
                newsletter_editions.send_test.enqueue(edition_id=obj.pk, to=request.user.email)
                done = gettext("A test is on its way to %(email)s.") % {"email": request.user.email}
            elif step == "_schedule":
                if obj.scheduled_for is None:
                    raise newsletter_editions.EditionError(gettext("Choose when to send it first."))
                newsletter_editions.schedule(obj, when=obj.scheduled_for)
                done = gettext("Scheduled for %(when)s.") % {
                    "when": timezone.localtime(obj.scheduled_for).strftime("%Y-%m-%d %H:%M %Z")}
            elif step == "_unschedule":
                newsletter_editions.unschedule(obj)
                done = gettext("The schedule is cancelled; the edition is a draft again.")
            else:
                edition = newsletter_editions.start(obj)
                done = ngettext("Sending to %(count)d subscriber.", "Sending to %(count)d subscribers.",
                                edition.recipients_count) % {"count": edition.recipients_count}
        except newsletter_editions.EditionError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, done, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:articles_edition_change", args=[obj.pk]))
