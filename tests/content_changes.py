"""The changes readers must see at once, made the way editors and staff make them (for the cache tests)."""

from articles import publishing
from articles.models import AuthorProfile, Disclaimer, Tag
from tests import factories

NEW_TITLE = "Corrected headline"
NEW_ARTICLE_TITLE = "Breaking development"
NEW_SECTION_NAME = "Waterfront"
NEW_TAG_NAME = "harbour works"
NEW_AUTHOR_NAME = "Wendy W. Writer"
NEW_DISCLAIMER = "Views here belong to the writer alone."


def make(change, *, article, category, author):
    """Apply one kind of change; the caller runs it inside django_capture_on_commit_callbacks(execute=True)."""
    if change == "edit":
        article.title = NEW_TITLE
        article.save()
    elif change == "withdraw":
        publishing.withdraw(article, by=None, reason="author asked")
    elif change == "disable":
        publishing.disable(article, by=None, reason="notice")
    elif change == "restore":
        publishing.restore(article, by=None, reason="counter-notice")
    elif change == "new_article":
        factories.article(title=NEW_ARTICLE_TITLE, category=category, author=author, tags=["port"])
    elif change == "category":
        category.name = NEW_SECTION_NAME
        category.save()
    elif change == "tag":
        tag = Tag.objects.get(slug="port")
        tag.name = NEW_TAG_NAME
        tag.save()
    elif change == "author":
        profile = AuthorProfile.objects.get(user=author)
        profile.display_name = NEW_AUTHOR_NAME
        profile.save()
    elif change == "disclaimer":
        disclaimer = Disclaimer.objects.get(kind="opinion")
        disclaimer.text_en = NEW_DISCLAIMER
        disclaimer.save()
    else:
        raise ValueError(f"unknown change {change!r}")
