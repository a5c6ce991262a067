"""Forms of the copyright takedown pages: the notice, the counter-notice, and staff actions on a case."""

from urllib.parse import urlsplit

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Div, Field, Fieldset, Layout, Row
from django import forms
from django.utils.translation import gettext_lazy as _

from articles import links as article_links
from submissions.forms import HoneypotMixin
from submissions.takedowns import workflow

MAX_URLS = 20


def article_slug(url, hosts=()):
    """The slug of an article URL on this site (or on one of the further `hosts`), else None."""
    link = article_links.parse(url, [*article_links.site_hosts(), *hosts])
    return link.slug if link else None


def _helper(*layout):
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    helper.layout = Layout(*layout)
    return helper


class TakedownReportForm(HoneypotMixin, forms.Form):
    """A copyright notice with every element of a valid one; each missing element gets its own message."""

    work_description = forms.CharField(
        label=_("The copyrighted work"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What is the work (a photo, a text, a video…), who owns it, and where can the original be seen? "
                    "Links help."),
        error_messages={"required": _("Identify the copyrighted work: what it is and where the original can be "
                                      "seen.")},
    )
    infringing_urls = forms.CharField(
        label=_("Article(s) on this site"), max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "https://"}),
        help_text=_("The address of each article that you say infringes, one per line."),
        error_messages={"required": _("Give the address (URL) of each article on this site that you say infringes.")},
    )
    complainant_name = forms.CharField(
        label=_("Your full name"), max_length=200,
        error_messages={"required": _("Give your full name.")},
    )
    complainant_organisation = forms.CharField(
        label=_("Organisation"), max_length=200, required=False,
        help_text=_("If you act for a company, an agency or the owner: who."),
    )
    complainant_address = forms.CharField(
        label=_("Postal address"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give your postal address.")},
    )
    complainant_email = forms.EmailField(
        label=_("Email address"), max_length=254,
        help_text=_("We send the acknowledgement and our decision here."),
        error_messages={"required": _("Give an email address: we send the acknowledgement and our decision there."),
                        "invalid": _("Enter a valid email address.")},
    )
    complainant_phone = forms.CharField(
        label=_("Phone number"), max_length=50,
        error_messages={"required": _("Give a phone number where we can reach you.")},
    )
    good_faith_statement = forms.BooleanField(
        label=_("I have a good-faith belief that the use of the material described above is not authorised by the "
                "copyright owner, its agent, or the law."),
        error_messages={"required": _("A valid notice includes the good-faith statement: tick it if it is true.")},
    )
    accuracy_statement = forms.BooleanField(
        label=_("I state, under penalty of perjury, that the information in this notice is accurate and that I am the "
                "copyright owner or authorised to act on behalf of the owner."),
        error_messages={"required": _("A valid notice includes the statement under penalty of perjury that it is "
                                      "accurate and that you are authorised: tick it if it is true.")},
    )
    signature = forms.CharField(
        label=_("Electronic signature"), max_length=200,
        help_text=_("Type your full name: it signs the notice."),
        error_messages={"required": _("Sign the notice: type your full name as your electronic signature.")},
    )

    def __init__(self, *args, hosts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.hosts = hosts
        self.links = []
        self.helper = _helper(
            Fieldset(_("The work"), "work_description"),
            Fieldset(_("Where it appears on this site"), "infringing_urls"),
            Fieldset(_("About you"), Row(Column("complainant_name", css_class="col-md-6"),
                                         Column("complainant_organisation", css_class="col-md-6")),
                     "complainant_address",
                     Row(Column("complainant_email", css_class="col-md-6"),
                         Column("complainant_phone", css_class="col-md-6"))),
            Div(Field("website", tabindex="-1", autocomplete="off"), css_class="hp-field", aria_hidden="true"),
            Fieldset(_("Statements and signature"), "good_faith_statement", "accuracy_statement", "signature",
                     css_class="confirmations"),
        )

    def clean_infringing_urls(self):
        urls = []
        for line in self.cleaned_data["infringing_urls"].splitlines():
            url = line.strip()
            if not url or url in urls:
                continue
            try:
                parts = urlsplit(url)
                valid = parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in url
            except ValueError:  # e.g. an unclosed IPv6 bracket
                valid = False
            if not valid:
                raise forms.ValidationError(
                    _("“%(line)s” is not a web address. Put one full address (starting with https://) on each line.")
                    % {"line": url[:100]}
                )
            urls.append(url[:500])
        if len(urls) > MAX_URLS:
            raise forms.ValidationError(_("List at most %(max)d addresses in one notice.") % {"max": MAX_URLS})
        slugs = {}
        for url in urls:
            slug = article_slug(url, self.hosts)
            if slug is None:
                raise forms.ValidationError(
                    _("“%(url)s” is not the address of an article on this site. Copy it from your browser’s "
                      "address bar while the article is open.") % {"url": url[:100]}
                )
            slugs[url] = slug
        found = workflow.articles_by_slug(slugs.values())
        unknown = [url for url, slug in slugs.items() if slug not in found]
        if unknown:
            raise forms.ValidationError(
                _("We found no article at “%(url)s”. Check the address.") % {"url": unknown[0][:100]}
            )
        links, seen = [], set()
        for url, slug in slugs.items():
            article = found[slug]
            if article.pk not in seen:
                seen.add(article.pk)
                links.append((article, url))
        self.links = links
        return urls

    def clean_complainant_email(self):
        return self.cleaned_data["complainant_email"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        for name in ("complainant_name", "complainant_organisation", "complainant_phone", "signature"):
            if name in cleaned:
                cleaned[name] = " ".join(cleaned[name].split())
        self.check_honeypot()
        return cleaned


class CounterNoticeForm(forms.Form):
    material = forms.CharField(
        label=_("The material that was disabled, and where it appeared"), max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Identify the material that was disabled and the address where it appeared.")},
    )
    explanation = forms.CharField(
        label=_("Why it was a mistake (optional)"), max_length=5000, required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("For example: you own the work, you have a licence, or the use is a quotation the law allows."),
    )
    mistake_statement = forms.BooleanField(
        label=_("I swear, under penalty of perjury, that I have a good-faith belief that the material was disabled "
                "as a result of a mistake or misidentification of the material."),
        error_messages={"required": _("A counter-notice includes the statement under penalty of perjury: tick it if "
                                      "it is true.")},
    )
    name = forms.CharField(label=_("Your full name"), max_length=200,
                           error_messages={"required": _("Give your full name.")})
    address = forms.CharField(label=_("Postal address"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
                              error_messages={"required": _("Give your postal address.")})
    phone = forms.CharField(label=_("Phone number"), max_length=50,
                            error_messages={"required": _("Give a phone number.")})
    jurisdiction_consent = forms.BooleanField(
        label=_("I consent to the jurisdiction of the courts for my address (or, outside the United States, of any "
                "court where Newsroom may be found), and I will accept service of legal documents from the person who "
                "sent the notice or their agent."),
        error_messages={"required": _("A counter-notice includes your consent to jurisdiction: tick it if you agree.")},
    )
    signature = forms.CharField(label=_("Electronic signature"), max_length=200,
                                help_text=_("Type your full name: it signs the counter-notice."),
                                error_messages={"required": _("Sign the counter-notice: type your full name.")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Fieldset(_("The material"), "material", "explanation"),
            Fieldset(_("About you"), "name", "address", "phone"),
            Fieldset(_("Statements and signature"), "mistake_statement", "jurisdiction_consent", "signature",
                     css_class="confirmations"),
        )

    def clean(self):
        cleaned = super().clean()
        for name in ("name", "phone", "signature"):
            if name in cleaned:
                cleaned[name] = " ".join(cleaned[name].split())
        return cleaned


class CaseActionForm(forms.Form):
    ACTIONS = ("start_review", "request_info", "uphold", "dismiss", "record_counter_notice", "court_action",
               "restore", "close", "reply", "note", "link_article")

    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    message = forms.CharField(required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 4}))
    article_url = forms.CharField(required=False, max_length=500)
    missing = forms.MultipleChoiceField(required=False, choices=list(workflow.ELEMENT_LABELS.items()),
                                        widget=forms.CheckboxSelectMultiple)
