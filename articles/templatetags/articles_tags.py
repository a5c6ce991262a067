from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from articles import cover_files
from articles.models import Page

register = template.Library()


@register.simple_tag
def disclaimer(item):
    """A disclaimer's stored, sanitized HTML in the reader's language, with its links filled in."""
    language = get_language()
    html = item.html_for(language)
    for placeholder, value in {
        "{copyright_email}": settings.COPYRIGHT_EMAIL,
        "{report_url}": reverse("submissions:copyright_report"),
        "{guidelines_url}": reverse("articles:page", kwargs={"slug": Page.Slug.GUIDELINES}),
    }.items():
        html = html.replace(placeholder, escape(value))
    return mark_safe(html)


@register.inclusion_tag("includes/cover.html")
def cover(article, sizes="(min-width: 992px) 800px, 100vw", eager=False, size="card"):
    return {
        "article": article,
        "webp_srcset": cover_files.srcset(article, "webp"),
        "jpeg_srcset": cover_files.srcset(article, "jpeg"),
        "src": cover_files.url(article, size, "jpeg"),
        "sizes": sizes,
        "eager": eager,
        "width": 1200 if size == "og" else 800 if size == "card" else 400,
    }


@register.simple_tag(takes_context=True)
def page_url(context, number):
    """The current URL with ?page= replaced, other parameters (e.g. q) kept. Inside a cached fragment,
    which sees no request, the address's parameters are the fragment's keyed `params`."""
    query = (context["params"] if "params" in context else context["request"].GET).copy()
    query["page"] = number
    return "?" + query.urlencode()


@register.simple_tag
def cover_url(article, size="og"):
    return cover_files.url(article, size, "jpeg")


@register.filter
def initials(name):
    return format_html("{}", "".join(part[0] for part in str(name).split()[:2]).upper() or "?")


@register.filter
def headline(title):
    """A headline that never breaks next to "·": Chromium breaks Korean text there even under
    word-break: keep-all (site.css), so a word joiner (U+2060, invisible) holds it to its neighbours."""
    return str(title).replace("·", "\u2060·\u2060")
