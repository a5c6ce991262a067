from django.tasks import task

from articles import cover_files, newsletter_editions, publishing
from articles.models import Article, Category


@task(queue_name="covers")
def generate_cover(article_id: int, force: bool = False) -> str:
    """Draw the article's cover if its content changed (or always, with force); then drop stale files."""
    article = Article.objects.select_related("category").filter(pk=article_id).first()
    if article is None:
        return ""
    cover_hash = cover_files.generate(article, force=force)
    # Read the row again: an editor may have uploaded a replacement while we drew.
    current = Article.objects.filter(pk=article_id).values_list("cover_hash", flat=True).first()
    cover_files.delete_stale(article_id, keep={cover_hash, current})
    return cover_hash


@task(queue_name="covers")
def regenerate_category_covers(category_id: int) -> int:
    """A category's name or colour is part of its articles' covers: bring every generated one up to date."""
    category = Category.objects.filter(pk=category_id).first()
    if category is None:
        return 0
    done = 0
    articles = Article.objects.filter(category=category, cover_source=Article.CoverSource.GENERATED).exclude(cover_hash="")
    for article in articles.select_related("category").iterator(chunk_size=200):
        old_hash = article.cover_hash
        if cover_files.generate(article) != old_hash:
            cover_files.delete_stale(article.pk, keep={article.cover_hash})
            done += 1
    return done


@task
def publish_scheduled() -> int:
    """Publish the scheduled articles whose time has come, dated their scheduled time (`publish_scheduled`)."""
    return publishing.publish_due()


@task
def send_newsletters() -> dict:
    """The due newsletter edition of every language (`send_newsletter`): {language: edition id or None}."""
    return {language: edition.pk if edition else None for language, edition in newsletter_editions.send_due().items()}


@task
def send_scheduled_newsletters() -> None:
    """Editions an editor scheduled whose time has come, and sendings a dead worker left unfinished."""
    newsletter_editions.send_scheduled()
