from urllib.parse import urljoin

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

from articles import cover_files, covers
from articles.models import Page

register = template.Library()

# The sizes a cover's srcset offers, smallest first (as cover_files.srcset()).
SRCSET_SIZES = ("thumb", "card", "og")


@register.simple_tag
def disclaimer(item):
    """A disclaimer's stored, sanitized HTML in the reader's language, with its links filled in."""
    language = get_language()
    html = item.html_for(language)
    for placeholder, value in {
        "{copyright_email}": settings.COPYRIGHT_EMAIL,
        "{report_url}": reverse("takedowns:report"),
        "{guidelines_url}": reverse("articles:page", kwargs={"slug": Page.Slug.GUIDELINES}),
    }.items():
        html = html.replace(placeholder, escape(value))
    return mark_safe(html)


@register.simple_tag
def cover(article, sizes="(min-width: 992px) 800px, 100vw", eager=False, size="card"):
    """The cover as a <picture>: WebP and JPEG in every size. Built here rather than in an included template:
    it is the most frequent element of the reader pages (every card has one), and a template cost three times more."""
    if not article.cover_hash:
        return format_html('<div class="cover-placeholder" role="img" aria-label="{}"></div>',
                           gettext("Illustration is being generated"))
    urls = cover_files.urls(article)
    srcset = {fmt: ", ".join(f"{urls[name, fmt]} {covers.SIZES[name][0]}w" for name in SRCSET_SIZES) for fmt in covers.FORMATS}
    width = 1200 if size == "og" else 800 if size == "card" else 400
    if article.cover_source == article.CoverSource.UPLOADED:
        alt = gettext("Cover image for “%(title)s”") % {"title": article.title}
    else:
        alt = gettext("Computer-generated illustration for “%(title)s”") % {"title": article.title}
    return format_html(
        '<picture>\n  <source type="image/webp" srcset="{}" sizes="{}">\n  <img class="cover-img" src="{}" srcset="{}"'
        ' sizes="{}" width="{}" height="{}" alt="{}"{} decoding="async">\n</picture>',
        srcset["webp"], sizes, urls[size, "jpeg"], srcset["jpeg"], sizes, width, round(width * 630 / 1200), alt,
        "" if eager else mark_safe(' loading="lazy"'),
    )


@register.simple_tag(takes_context=True)
def page_url(context, number):
    """The current URL with ?page= replaced, other parameters (e.g. q) kept. Inside a cached fragment,
    which sees no request, the address's parameters are the fragment's keyed `params`."""
    query = (context["params"] if "params" in context else context["request"].GET).copy()
    query["page"] = number
    return "?" + query.urlencode()


@register.simple_tag(takes_context=True)
def cover_url(context, article, size="og"):
    """The cover's absolute address (Open Graph): on object storage it is absolute already."""
    url = cover_files.url(article, size, "jpeg")
    return urljoin(f"{context['site_address']}/", url) if url else ""


@register.filter
def initials(name):
    return format_html("{}", "".join(part[0] for part in str(name).split()[:2]).upper() or "?")


@register.filter
def headline(title):
    """A headline that never breaks next to "·": Chromium breaks Korean text there even under
    word-break: keep-all (site.css), so a word joiner (U+2060, invisible) holds it to its neighbours."""
    return str(title).replace("·", "\u2060·\u2060")


@register.filter
def card_key(article):
    """Everything a listing card shows (all loaded by Article.objects.for_cards()): the card fragment's
    key, so a card is never stale and needs no cache tag of its own (newsroom/public_cache.py)."""
    category = article.category
    return (
        article.pk, article.slug, article.title, article.summary, article.language, article.published_at,
        article.reading_minutes, article.cover_hash, article.cover_source,
        category.slug, category.name, category.name_ko, article.author_name,
    )
