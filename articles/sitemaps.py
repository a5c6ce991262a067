from django.contrib.sitemaps import Sitemap
from django.urls import reverse
from django.utils import translation

from articles import cache_tags
from articles.models import Article, Category, Page
from newsroom import public_cache


class PublicArticleRows:
    """The public articles, newest first, as the sitemap's paginator pages through them: a page's ids
    are read from the index alone (a deep page never reads the rows it skips), then its rows by id."""

    def __init__(self):
        self.ids = Article.objects.published().order_by("-published_at", "-id").values_list("pk", flat=True)

    def count(self):
        return self.ids.count()

    def __len__(self):
        return self.count()

    def __getitem__(self, page):
        ids = list(self.ids[page])
        rows = Article.objects.filter(pk__in=ids).values_list("pk", "slug", "language", "updated_at", named=True)
        by_id = {row.pk: row for row in rows}
        return [by_id[pk] for pk in ids if pk in by_id]


class ArticleSitemap(Sitemap):
    changefreq = "weekly"
    # 1,000 addresses a file (Google News' own limit) keep each file's render under 0.1 s;
    # the index at /sitemap.xml lists every file.
    limit = 1000

    def items(self):
        public_cache.tag(cache_tags.SITEMAP)
        return PublicArticleRows()

    def location(self, item):
        # Each article is listed once, under its own language's prefix.
        with translation.override(item.language):
            return reverse("articles:detail", kwargs={"slug": item.slug})

    def lastmod(self, item):
        return item.updated_at

    def get_latest_lastmod(self):
        # The index gives no date for this section: finding the latest edit means reading every
        # public article (Django's default even loads them all). Each address keeps its own date.
        return None


class CategorySitemap(Sitemap):
    changefreq = "daily"
    i18n = True
    alternates = True
    x_default = True

    def items(self):
        public_cache.tag(cache_tags.SITEMAP)  # a section's save invalidates it too
        return Category.objects.all()


class PageSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        public_cache.tag(cache_tags.SITEMAP)  # a page's save invalidates it too
        return Page.objects.all()

    def lastmod(self, item):
        return item.updated_at


class HomeSitemap(Sitemap):
    changefreq = "hourly"
    priority = 1.0
    i18n = True
    alternates = True
    x_default = True

    def items(self):
        return ["articles:home"]

    def location(self, item):
        return reverse(item)


SITEMAPS = {"home": HomeSitemap, "articles": ArticleSitemap, "categories": CategorySitemap, "pages": PageSitemap}
