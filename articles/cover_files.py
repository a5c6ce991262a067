"""Where generated cover files live and how pages refer to them.

Files are named after a fingerprint of what was drawn, so a changed title or
category gives new file names and old URLs can be cached forever.
"""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from articles import covers

EXTENSIONS = {"webp": "webp", "jpeg": "jpg"}


def cover_inputs(article):
    category = article.category
    category_name = category.name_ko if article.language == "ko" and category.name_ko else category.name
    return {
        "title": article.title,
        "category": category_name,
        "color": category.color,
        "language": article.language,
        "seed": str(article.pk),
    }


def path(article_id, cover_hash, size, fmt):
    return f"covers/{article_id}/{cover_hash}-{size}.{EXTENSIONS[fmt]}"


def generate(article, *, force=False):
    """Draw and store the article's cover unless files for its current content exist. Returns the hash."""
    inputs = cover_inputs(article)
    cover_hash = covers.fingerprint(**inputs)
    if not force and cover_hash == article.cover_hash and default_storage.exists(path(article.pk, cover_hash, "og", "jpeg")):
        return cover_hash
    for (size, fmt), data in covers.render(**inputs).items():
        name = path(article.pk, cover_hash, size, fmt)
        if default_storage.exists(name):
            default_storage.delete(name)
        default_storage.save(name, ContentFile(data))
    type(article).objects.filter(pk=article.pk).update(cover_hash=cover_hash)
    article.cover_hash = cover_hash
    return cover_hash


def url(article, size="card", fmt="jpeg"):
    if not article.cover_hash:
        return ""
    return default_storage.url(path(article.pk, article.cover_hash, size, fmt))


def srcset(article, fmt="jpeg"):
    if not article.cover_hash:
        return ""
    return ", ".join(f"{url(article, size, fmt)} {covers.SIZES[size][0]}w" for size in ("thumb", "card", "og"))
