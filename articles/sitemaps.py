from django.contrib.sitemaps import Sitemap
from django.urls import reverse
from django.utils import translation

from articles.models import Article, Category, Page


class ArticleSitemap(Sitemap):
    changefreq = "weekly"
    limit = 5000

    def items(self):
        return Article.objects.published().only("slug", "language", "updated_at").order_by("-published_at", "-id")

    def location(self, item):
        # Each article is listed once, under its own language's prefix.
        with translation.override(item.language):
            return item.get_absolute_url()

    def lastmod(self, item):
        return item.updated_at


class CategorySitemap(Sitemap):
    changefreq = "daily"
    i18n = True
    alternates = True
    x_default = True

    def items(self):
        return Category.objects.all()


class PageSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
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
