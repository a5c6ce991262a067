from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Rss201rev2Feed
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from articles import cache_tags
from articles.models import Article
from newsroom import public_cache

FEED_SIZE = 30


class LatestArticlesFeed(Feed):
    """Latest published articles in the feed URL's language (/feeds/latest/, /ko/feeds/latest/)."""

    feed_type = Rss201rev2Feed
    title = _("Newsroom: latest stories")
    description = _("The latest stories written by the Newsroom community.")

    def link(self):
        return reverse("articles:home")

    def items(self):
        items = list(
            Article.objects.published().filter(language=get_language())
            .select_related("category", "author__profile").latest()[:FEED_SIZE]
        )
        # Each item names its section: the feed changes with the sections too.
        public_cache.tag(cache_tags.FEED, cache_tags.SECTIONS, *cache_tags.cards(items))
        return items

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_author_name(self, item):
        return item.author_name

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [item.category.display_name]
