import re

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Div, Field, Fieldset, Layout, Row
from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator, URLValidator
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from articles import images, text
from articles import links as article_links
from articles.models import Article, Category, Language
from submissions import photos, services
from submissions.models import Flag

SUBMIT, DRAFT, PREVIEW = "submit", "draft", "preview"
TAG_SEPARATORS = re.compile(r"[,，、]")
_url_validator = URLValidator(schemes=["http", "https"])


SEND_REQUIRED = {
    "guest_name": _("Tell us your name."),
    "guest_email": _("Give an email address so that we can confirm it is you."),
    "summary": _("Write a short summary."),
    "body": _("Write your story."),
    "category": _("Choose the section the story belongs in."),
    "accept_guidelines": _("You must accept the Submission Rules and Guidelines to send a story."),
    "confirm_rights": _("Confirm that the work is yours or that you hold the rights to it."),
}


def _site_address(article):
    return settings.SITE_URL.rstrip("/") + article.get_canonical_path() if article else ""


class HoneypotMixin(forms.Form):
    # Bots fill every field; people never see this one (hidden with .hp-field).
    website = forms.CharField(required=False, label=_("Leave this empty"))

    def check_honeypot(self):
        if self.cleaned_data.get("website"):
            self.add_error(None, _("Your message looks automated and was not sent. "
                                   "If you are a person, leave the hidden “Leave this empty” field blank."))


class SubmissionForm(HoneypotMixin, forms.Form):
    """The story form. `action` decides how strict it is: a draft needs only a title."""

    guest_name = forms.CharField(label=_("Your name"), max_length=100, required=False,
                                 help_text=_("Shown as the byline if your story is published."))
    guest_email = forms.EmailField(label=_("Your email address"), max_length=254, required=False,
                                   help_text=_("We send a link to this address: your story enters the queue once you click it."))
    title = forms.CharField(label=_("Title"))
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("One or two sentences shown under the title and in listings."))
    body = forms.CharField(
        label=_("Story"), required=False, widget=forms.Textarea(attrs={"rows": 16, "class": "body-input"}),
        help_text=_("Markdown: blank line between paragraphs, ## for a subheading, [text](https://…) for a link, "
                    "> for a quote. Use Preview to see it as readers will."),
    )
    category = forms.ModelChoiceField(label=_("Section"), queryset=Category.objects.all(), required=False,
                                      empty_label=_("Choose a section"))
    language = forms.ChoiceField(label=_("Language of the story"), choices=Language.choices)
    tags = forms.CharField(label=_("Tags"), required=False, max_length=600,
                           help_text=_("Comma-separated, e.g. housing, city council."))
    translation_of = forms.URLField(
        label=_("Translation of (optional)"), required=False, max_length=500,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
        help_text=_("If your story translates one published on this site, paste the address of that story. "
                    "It must be in the other language."),
    )
    sources = forms.CharField(
        label=_("Sources"), required=False, widget=forms.Textarea(attrs={"rows": 3, "placeholder": "https://"}),
        help_text=_("Links to the reports, documents or data your story relies on, one per line."),
    )
    no_sources = forms.BooleanField(label=_("This story relies on no outside source (it is first-hand)."), required=False)
    # A photo kept from an earlier post of this form (see submissions/photos.py); before `image`, which uses them.
    kept_image = forms.CharField(required=False, widget=forms.HiddenInput)
    remove_image = forms.BooleanField(label=_("Remove this photo"), required=False)
    image = forms.FileField(
        label=_("Image (optional)"), required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
        help_text=_("A photo you took or hold the rights to. JPEG, PNG, WebP or GIF; location and camera data are removed."),
    )
    accept_guidelines = forms.BooleanField(label=_("I have read and accept the Submission Rules and Guidelines."),
                                           required=False)
    confirm_rights = forms.BooleanField(
        label=_("This is my own work, or I hold the rights to everything in it (text and image)."), required=False,
    )

    def __init__(self, *args, user=None, submission=None, action=SUBMIT, **kwargs):
        self.user = user if getattr(user, "is_authenticated", False) else None
        self.kept_photo = None
        self.submission = submission
        self.action = action if action in (SUBMIT, DRAFT, PREVIEW) else SUBMIT
        if submission is not None and not kwargs.get("initial"):
            kwargs["initial"] = {
                "title": submission.title, "summary": submission.summary, "body": submission.body,
                "category": submission.category_id, "language": submission.language, "tags": submission.tags,
                "sources": submission.sources, "no_sources": submission.no_sources,
                "translation_of": _site_address(submission.translation_of),
            }
        kwargs.setdefault("initial", {}).setdefault("language", get_language() if get_language() in Language.values else "en")
        super().__init__(*args, **kwargs)
        for name, limit in (("title", settings.SUBMISSION_TITLE_MAX_LENGTH),
                            ("summary", settings.SUBMISSION_SUMMARY_MAX_LENGTH),
                            ("body", settings.SUBMISSION_BODY_MAX_LENGTH)):
            field = self.fields[name]
            field.max_length = limit
            field.validators.append(MaxLengthValidator(limit))
            field.widget.attrs["maxlength"] = limit
        self.fields["accept_guidelines"].help_text = format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("articles:page", args=["guidelines"]), _("Read the Submission Rules and Guidelines"),
        )
        if self.user is not None or submission is not None:  # a guest editing is already known
            del self.fields["guest_name"]
            del self.fields["guest_email"]
        # Required to send, not to save a draft; the asterisks show what sending needs.
        for name, message in SEND_REQUIRED.items():
            if name in self.fields:
                self.fields[name].required = self.strict
                self.fields[name].error_messages["required"] = message
        if submission is not None and submission.image:
            self.fields["image"].help_text = _("Leave empty to keep the current image, or choose a new one to replace it.")
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        layout = []
        if "guest_name" in self.fields:
            layout.append(Fieldset(_("About you"), Row(Column("guest_name", css_class="col-md-6"),
                                                     Column("guest_email", css_class="col-md-6"))))
        layout += [
            Fieldset(_("Your story"), "title", "summary", "body"),
            Fieldset(_("Where it belongs"), Row(Column("category", css_class="col-md-6"),
                                               Column("language", css_class="col-md-6")), "tags", "translation_of"),
            Fieldset(_("Sources and image"), "sources", "no_sources",
                     HTML('{% include "submissions/_photo_kept.html" %}'), "image"),
            Div(Field("website", tabindex="-1", autocomplete="off"), css_class="hp-field", aria_hidden="true"),
            Fieldset(_("Before you send"), "accept_guidelines", "confirm_rights", css_class="confirmations"),
        ]
        self.helper.layout = Layout(*layout)
        if not self.is_bound and self.initial.get("kept_image") and not self.initial.get("remove_image"):
            try:  # a preview keeps the photo too
                self.kept_photo = photos.load(self.initial["kept_image"])
            except photos.NotKept:
                pass

    @property
    def strict(self):
        return self.action == SUBMIT

    def clean_title(self):
        return " ".join(self.cleaned_data["title"].split())

    def clean_summary(self):
        return " ".join(self.cleaned_data["summary"].split())

    def clean_body(self):
        body = self.cleaned_data["body"].replace("\r\n", "\n").strip()
        minimum = settings.SUBMISSION_BODY_MIN_LENGTH
        if self.strict and len(body) < minimum:
            raise forms.ValidationError(
                ngettext("The story is too short: write at least %(min)d character (it has %(count)d).",
                         "The story is too short: write at least %(min)d characters (it has %(count)d).", minimum)
                % {"min": minimum, "count": len(body)}
            )
        if problem := text.markdown_problem(body):
            raise forms.ValidationError(problem, code="markdown_too_costly")
        return body

    def clean_tags(self):
        names, seen = [], set()
        for part in TAG_SEPARATORS.split(self.cleaned_data["tags"]):
            name = " ".join(part.split()).lstrip("#").strip()
            if not name or name.casefold() in seen:
                continue
            if len(name) > 60:
                raise forms.ValidationError(_("Each tag must be at most 60 characters long."))
            seen.add(name.casefold())
            names.append(name)
        if len(names) > settings.SUBMISSION_MAX_TAGS:
            raise forms.ValidationError(_("Use at most %(max)d tags.") % {"max": settings.SUBMISSION_MAX_TAGS})
        return names

    def clean_sources(self):
        urls = []
        for line in self.cleaned_data["sources"].splitlines():
            url = line.strip()
            if not url or url in urls:
                continue
            try:
                _url_validator(url)
            except forms.ValidationError:
                raise forms.ValidationError(
                    _("“%(line)s” is not a web address. Put one full link (starting with https://) on each line.")
                    % {"line": url[:100]}
                ) from None
            if len(url) > 500:
                raise forms.ValidationError(_("Source links must be at most 500 characters long."))
            urls.append(url)
        if len(urls) > settings.SUBMISSION_MAX_SOURCES:
            raise forms.ValidationError(_("List at most %(max)d sources.") % {"max": settings.SUBMISSION_MAX_SOURCES})
        return urls

    def clean_translation_of(self):
        """The published story at the address given, or None when the field is empty."""
        url = self.cleaned_data["translation_of"]
        if not url:
            return None
        link = article_links.parse(url)  # the one parser of this site's article addresses
        slug = link and link.slug
        original = slug and Article.objects.published().filter(
            Q(slug=slug) | Q(slug_redirects__old_slug=slug)
        ).first()
        if not original:
            raise forms.ValidationError(
                _("We found no published story at this address. Copy it from your browser’s address bar while the "
                  "story is open."), code="not_a_story",
            )
        return original

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if upload:
            try:
                return images.clean_upload(upload)
            except images.InvalidImage as error:
                raise forms.ValidationError(str(error)) from None
        token = self.cleaned_data.get("kept_image")
        if not token or self.cleaned_data.get("remove_image"):
            return None
        try:
            self.kept_photo = photos.load(token)
        except photos.NotKept:
            raise forms.ValidationError(_("The photo you chose earlier is no longer kept: choose it again.")) from None
        return self.kept_photo.image

    def keep_photo(self, upload=None):
        """Keep the checked photo for the next post of this page, so that the contributor need not choose it again.

        Called when the page comes back (a form error, or a preview: then with the file just chosen, if any).
        """
        if upload is not None:
            try:
                image = images.clean_upload(upload)
            except images.InvalidImage:
                return  # the checks wait for sending; it will be chosen again
        else:
            image = (getattr(self, "cleaned_data", None) or {}).get("image")
        if image is not None and (self.kept_photo is None or self.kept_photo.image is not image):
            self.kept_photo = photos.keep(image)

    def clean_guest_email(self):
        return self.cleaned_data.get("guest_email", "").strip().lower()

    @property
    def contact_email(self):
        if self.user is not None:
            return ""
        return self.cleaned_data.get("guest_email") or (self.submission.guest_email if self.submission else "")

    def clean(self):
        cleaned = super().clean()
        self.check_honeypot()
        original = cleaned.get("translation_of")
        if original and original.language == cleaned.get("language"):
            self.add_error("translation_of", _("The story at this address is in %(language)s, like yours: a translation "
                                                  "is in the other language.")
                           % {"language": Language(original.language).label})
        if self.user is None and self.action == DRAFT:
            self.add_error(None, _("Log in or create an account to save drafts. As a guest you can send your story for review."))
        if not self.strict:
            return cleaned
        if "sources" in cleaned and not cleaned["sources"] and not cleaned.get("no_sources"):
            self.add_error("sources", _("Add at least one source link, or tick “This story relies on no outside source”."))
        if self.errors:
            return cleaned
        exclude_pk = self.submission.pk if self.submission else None
        try:
            services.check_waiting_cap(contributor=self.user, guest_email=self.contact_email,
                                       exclude_pk=exclude_pk)
        except services.Refused as refused:
            self.add_error(None, refused.message)
            return cleaned
        duplicate = services.find_duplicate(title=cleaned.get("title", ""), sources=cleaned.get("sources", []),
                                            exclude_pk=exclude_pk)
        if duplicate:
            self.add_error(None, duplicate)
        return cleaned

    def content(self):
        """The cleaned story fields, as services.save_draft/send/send_as_guest expect them."""
        names = ("title", "summary", "body", "category", "tags", "language", "sources", "no_sources", "image",
                 "translation_of")
        return {name: self.cleaned_data.get(name) for name in names}


class ReviewForm(forms.Form):
    ACTIONS = ("claim", "release", "approve", "request_changes", "reject")

    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    reason = forms.CharField(
        label=_("Reason for the contributor"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required to request changes or reject. The contributor receives it by email."),
    )


class AppealForm(forms.Form):
    reason = forms.CharField(
        label=_("Why should the decision be reconsidered?"), max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("A different moderator will review your story and this statement. You can appeal only once."),
        error_messages={"required": _("Explain why the decision should be reconsidered.")},
    )


class FlagForm(HoneypotMixin, forms.Form):
    reason = forms.ChoiceField(label=_("What is the problem?"), choices=Flag.Reason.choices, widget=forms.RadioSelect,
                               error_messages={"required": _("Choose what is wrong with the story.")})
    note = forms.CharField(label=_("Details (optional)"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 4}),
                           help_text=_("What is wrong, and where? Links help. For copyright, use the copyright form instead."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            "reason", "note",
            Div(Field("website", tabindex="-1", autocomplete="off"), css_class="hp-field", aria_hidden="true"),
        )

    def clean(self):
        cleaned = super().clean()
        self.check_honeypot()
        return cleaned


class ResolveFlagForm(forms.Form):
    resolution = forms.CharField(label=_("How was it resolved?"), required=False, max_length=2000)
