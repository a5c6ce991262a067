from email.utils import parseaddr

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.functional import SimpleLazyObject, cached_property
from django.utils.html import escape, format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from articles import cache_tags, newsletter, pagination, publishing, search as search_index, tagged
from articles.forms import NewsletterForm, SearchForm
from articles.models import Article, AuthorProfile, Category, Language, Page, SlugRedirect, Tag
from articles.story import Story
from newsroom import public_cache, two_factor
from newsroom.csrf import same_origin_post
from newsroom.context_processors import language_links

FEATURED_COUNT = 4


def _paginate(request, queryset):
    paginator = Paginator(queryset, settings.ARTICLES_PER_PAGE)
    return paginator.get_page(request.GET.get("page"))


def _paginate_language_first(request, queryset, tag):
    return pagination.paginate(
        queryset, language=get_language(), page=request.GET.get("page"), per_page=settings.ARTICLES_PER_PAGE,
        cards=Article.objects.for_cards(), tags=[tag],
    )


def _shows(*tags, cards=()):
    """The page shows what these tags name, and these stories as cards (see articles/cache_tags.py)."""
    public_cache.tag(*tags, *cache_tags.cards(cards))


def _public_cards():
    return Article.objects.published().for_cards()


class FrontPage:
    """What the front page lists. Read from the database only when the template asks, so a front page
    whose listing fragment comes from the cache (every reader's, signed in or not) runs none of it."""

    def __init__(self, request):
        self.request = request

    @cached_property
    def _featured(self):
        return list(_public_cards().filter(featured=True).reader_language_first()[:FEATURED_COUNT])

    @property
    def lead(self):
        return self._featured[0] if self._featured else None

    @property
    def featured(self):
        return self._featured[1:]

    @cached_property
    def page_obj(self):
        latest = _public_cards().exclude(pk__in=[a.pk for a in self._featured])
        page_obj = _paginate_language_first(self.request, latest, cache_tags.FRONT)
        _shows(cache_tags.FRONT, cards=[*self._featured, *page_obj])
        return page_obj


@require_safe
def home(request):
    return render(request, "articles/home.html", {"front": FrontPage(request), "newsletter_form": NewsletterForm()})


def _story_queryset():
    return Article.objects.select_related("category", "author__profile", "translation")


def _story_row(slug):
    article = _story_queryset().filter(slug=slug).first()
    if article is not None:
        public_cache.tag(*cache_tags.story(article))
    return article


def _story_context(request, article):
    """What the article page shows; previews render the very same."""
    context = {"article": article, "story": Story(article), "newsletter_form": NewsletterForm()}
    edition = article.public_translation
    if edition is not None:
        # The header's language switcher opens the translated story rather than this one under /ko/.
        path = request.get_full_path()
        context["language_links"] = SimpleLazyObject(
            lambda: language_links(path, {edition.language: edition.get_canonical_path()})
        )
    return context


@require_safe
def article_detail(request, slug):
    # The row is cached like the story's fragments, until a change of what it shows (cache_tags.story).
    article = public_cache.versioned(request, "article-row", [slug], lambda: _story_row(slug))
    if article is None:
        # A published article keeps its old addresses when its slug changes.
        moved = SlugRedirect.objects.select_related("article").filter(old_slug=slug).first()
        if moved is None:
            raise Http404(_("No such article."))
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirect(moved.article.get_absolute_url() + (f"?{query}" if query else ""))
    if article.status == Article.Status.DISABLED:
        response = render(request, "451.html", {"article": article}, status=451)
        response["Link"] = f'<{request.build_absolute_uri("/")}>; rel="blocked-by"'
        return response
    if article.status == Article.Status.WITHDRAWN:
        return render(request, "410.html", {"article": article}, status=410)
    if not article.is_public:
        raise Http404(_("No such article."))
    return render(request, "articles/article_detail.html", _story_context(request, article))


def can_preview(user):
    return user.is_active and user.is_staff and user.has_perm("articles.change_article")


def _preview_response(request, article, *, shared):
    context = {**_story_context(request, article), "preview": True, "shared_preview": shared}
    response = render(request, "articles/article_detail.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    # The link itself is the key: never cache the page, never send the address to other sites as a Referer
    # ("same-origin", not "no-referrer": that would make browsers send `Origin: null` and fail CSRF on our forms).
    response["Referrer-Policy"] = "same-origin"
    add_never_cache_headers(response)
    return response


@two_factor.staff_page
@require_safe
def article_preview(request, pk):
    """Any article, in any status, exactly as readers will see it: for staff who may edit articles."""
    if not can_preview(request.user):
        raise Http404(_("No such article."))
    article = get_object_or_404(_story_queryset(), pk=pk)
    return _preview_response(request, article, shared=False)


@require_safe
def article_shared_preview(request, token):
    """A signed, expiring preview link for people without an account; unpublished stories only."""
    try:
        article_id = publishing.article_id_from_preview_token(token)
    except publishing.PreviewLinkExpired:
        return _invalid_preview(request, expired=True)
    except publishing.PreviewLinkInvalid:
        return _invalid_preview(request, expired=False)
    article = get_object_or_404(_story_queryset(), pk=article_id)
    if article.is_public:
        return redirect(article.get_absolute_url())
    if article.status not in (Article.Status.DRAFT, Article.Status.SCHEDULED):
        # Withdrawn and legally disabled stories are not shown to anyone outside the staff.
        raise Http404(_("No such article."))
    return _preview_response(request, article, shared=True)


def _invalid_preview(request, *, expired):
    response = render(request, "articles/preview_invalid.html", {"expired": expired}, status=400)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "same-origin"
    add_never_cache_headers(response)
    return response


@require_safe
def category(request, slug):
    category = get_object_or_404(Category, slug=slug)
    articles = _public_cards().filter(category=category)
    page_obj = _paginate_language_first(request, articles, cache_tags.section(category.pk))
    _shows(cache_tags.section(category.pk), cards=page_obj)
    return render(request, "articles/category_list.html", {"category": category, "page_obj": page_obj})


@require_safe
def tag(request, slug):
    tag = get_object_or_404(Tag.objects.annotate(stories=tagged.story_count()), slug=slug)
    if tagged.is_rare([tag]):  # read from the tag's own rows (articles/tagged.py)
        page_obj = pagination.paginate_known(
            tagged.public_rows([tag.pk]), language=get_language(), page=request.GET.get("page"),
            per_page=settings.ARTICLES_PER_PAGE, cards=Article.objects.for_cards(),
        )
    else:
        page_obj = _paginate_language_first(request, _public_cards().filter(tags=tag), cache_tags.tag(tag.pk))
    _shows(cache_tags.tag(tag.pk), cards=page_obj)
    return render(request, "articles/tag_list.html", {"tag": tag, "page_obj": page_obj})


@require_safe
def author(request, username):
    profile = get_object_or_404(AuthorProfile.objects.select_related("user"), user__username=username)
    articles = _public_cards().filter(author=profile.user).latest()
    page_obj = _paginate(request, articles)
    _shows(cache_tags.author(profile.user_id), cards=page_obj)
    return render(request, "articles/author_list.html", {"profile": profile, "page_obj": page_obj})


@require_safe
def search(request):
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    page_obj = None
    if query:
        page_obj = _paginate(request, search_index.search(Article.objects.for_cards(), query))
        _shows(cache_tags.SEARCH, cards=page_obj)
    return render(request, "articles/search.html", {"form": form, "query": query, "page_obj": page_obj})


@require_safe
def page(request, slug):
    if slug not in Page.Slug.values:
        raise Http404(_("No such page."))
    pages = {p.language: p for p in Page.objects.filter(slug=slug)}
    page = pages.get(get_language()) or pages.get(Language.EN)
    public_cache.tag(cache_tags.page(slug))
    if page is None:
        raise Http404(_("No such page."))
    page.body_html = _fill_addresses(page.body_html)  # shown, not saved
    return render(request, "articles/page_detail.html", {"page": page})


SUBMISSIONS_EMAIL_PLACEHOLDER = "{SUBMISSIONS_EMAIL}"


def _fill_addresses(body_html):
    """A page names the stories-by-email address by placeholder: it is a setting (SUBMISSIONS_EMAIL), not text."""
    if SUBMISSIONS_EMAIL_PLACEHOLDER not in body_html:
        return body_html
    address = parseaddr(settings.SUBMISSIONS_EMAIL)[1]
    shown = (format_html('<a href="mailto:{0}">{0}</a>', address) if address
             else escape(_("(no address yet: this site does not take stories by email)")))
    return body_html.replace(SUBMISSIONS_EMAIL_PLACEHOLDER, shown)


@same_origin_post  # on pages every anonymous reader shares, so without a per-reader token (newsroom/csrf.py)
@require_http_methods(["GET", "HEAD", "POST"])
def newsletter_subscribe(request):
    form = NewsletterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        from newsroom import ratelimit  # per address and per IP (settings.NEWSLETTER_RATE_LIMITS)

        limits = settings.NEWSLETTER_RATE_LIMITS
        try:
            ratelimit.enforce("newsletter", [("email", form.cleaned_data["email"], *limits["email"]),
                                             ("ip", ratelimit.client_ip(request), *limits["ip"])])
        except ratelimit.RateLimited as error:
            form.add_error("email", error.message)
            response = render(request, "articles/newsletter_form.html", {"newsletter_form": form}, status=429)
            response["Retry-After"] = str(error.retry_after)
            return response
        newsletter.subscribe(
            email=form.cleaned_data["email"], language=get_language(), build_uri=request.build_absolute_uri
        )
        return render(request, "articles/newsletter_sent.html", {"email": form.cleaned_data["email"]})
    return render(request, "articles/newsletter_form.html", {"newsletter_form": form}, status=400 if form.errors else 200)


# GET only: opening the link confirms the address, and a HEAD (a link checker) must change nothing.
@require_GET
def newsletter_confirm(request, token):
    try:
        newsletter.confirm(token)
    except newsletter.InvalidToken:
        return render(request, "articles/newsletter_invalid.html", status=400)
    messages.success(request, _("You are subscribed. The next edition will reach your inbox."))
    return render(request, "articles/newsletter_confirmed.html")


@csrf_exempt  # RFC 8058 one-click POSTs come from mail clients; the signed token is the authorisation.
@require_http_methods(["GET", "HEAD", "POST"])
def newsletter_unsubscribe(request, token):
    """GET asks for confirmation (mail scanners follow links); POST unsubscribes."""
    try:
        subscriber = newsletter.subscriber_for_unsubscribe(token)
        if request.method == "POST":
            one_click = request.POST.get("List-Unsubscribe") == "One-Click"
            newsletter.unsubscribe(token, how="one-click (RFC 8058)" if one_click else "unsubscribe page")
            return render(request, "articles/newsletter_unsubscribed.html", {"subscriber": subscriber})
    except newsletter.InvalidToken:
        return render(request, "articles/newsletter_invalid.html", status=400)
    return render(request, "articles/newsletter_unsubscribe.html", {"subscriber": subscriber})
