"""The cache tags of what readers see, and of what each change touches (see newsroom/public_cache.py).

A page names the tags of what it shows (`public_cache.tag`); a change invalidates the tags of what it
touched, in the site's own caches and in the shared HTTP cache alike. The names:

- `article-<id>`: one story as it is shown (its row, its tags, its translation link). Every page that
  shows a story, as a page or a card, carries its tag, so a 410 or a 451 reaches all of them at once.
- `section-<id>`, `tag-<id>`, `author-<user id>`: the section's, tag's or author's own data and the
  stories it lists. A story that enters or leaves one (published, withdrawn, disabled, restored,
  moved) invalidates it, and so the listing and the stories that could list it as related.
- `front`, `search`, `feed`, `sitemap`: those lists; every change of a story invalidates them.
- `sections` (the menu on every page), `disclaimers`, `page-<slug>` (a legal page, both languages).
"""

from newsroom.public_cache import NOT_FOUND_TAG

FRONT = "front"
SEARCH = "search"
FEED = "feed"
SITEMAP = "sitemap"
SECTIONS = "sections"
DISCLAIMERS = "disclaimers"
# Every change of a story may change these lists (and a cached "not found" may be its new address).
ARTICLE_LISTS = (FRONT, SEARCH, FEED, SITEMAP, NOT_FOUND_TAG)
# Changing one of these moves a story into or out of listings (a section's, a tag's, an author's).
LISTING_FIELDS = {"status", "published_at", "category", "category_id", "author", "author_id", "language"}


def article(pk):
    return f"article-{pk}"


def section(pk):
    return f"section-{pk}"


def tag(pk):
    return f"tag-{pk}"


def author(user_id):
    return f"author-{user_id}"


def page(slug):
    return f"page-{slug}"


def cards(articles):
    """A listing's cards: each story, and its author (whose name the card shows; sections are in the menu)."""
    tags = set()
    for item in articles:
        tags.update((article(item.pk), author(item.author_id)))
    return tags


def story(item):
    """What an article page's row shows: the story, its section's name, its author's profile, its translation."""
    tags = {article(item.pk), SECTIONS, author(item.author_id)}
    if item.translation_id:
        tags.add(article(item.translation_id))
    return tags


def article_changed(item, *, moved=False, before=None, tag_ids=()):
    """What a save of `item` touches. `moved`: it may have entered or left listings (a new story, a status
    or date change, another section, author or language); `before`: the (section id, author id) it was
    loaded with; `tag_ids`: its tags."""
    tags = {article(item.pk), *ARTICLE_LISTS}
    if moved:
        for category_id, author_id in {(item.category_id, item.author_id), *([before] if before else [])}:
            tags.update((section(category_id), author(author_id)))
        tags.update(tag(pk) for pk in tag_ids)
    if item.translation_id:
        tags.add(article(item.translation_id))  # its page links to this story while this one is public
    return tags
