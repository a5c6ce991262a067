"""Where generated cover files live and how pages refer to them.

Files are named after a fingerprint of what was drawn, so a changed title or
category gives new file names and old URLs can be cached forever.
"""

import hashlib
import io

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

from articles import covers, images

EXTENSIONS = {"webp": "webp", "jpeg": "jpg"}
UPLOAD_MIN_SIZE = (800, 420)  # smaller images would look blurred at the 1200×630 social-card size
UPLOAD_VERSION = "1"  # bump when cropping or encoding of uploaded covers changes


def cover_inputs(article):
    category = article.category
    category_name = category.name_ko if article.language == "ko" and category.name_ko else category.name
    return {
        "title": article.title,
        "category": category_name,
        "color": category.color,
        "language": article.language,
        # Variation 0 keeps the seed covers were drawn with before variations existed.
        "seed": f"{article.pk}.{article.cover_variation}" if article.cover_variation else str(article.pk),
    }


def path(article_id, cover_hash, size, fmt):
    return f"covers/{article_id}/{cover_hash}-{size}.{EXTENSIONS[fmt]}"


def _write(name, data):
    if default_storage.exists(name):
        default_storage.delete(name)
    default_storage.save(name, ContentFile(data))


def has_files(article):
    """True when the files of the article's recorded cover exist (current or not)."""
    return bool(article.cover_hash) and default_storage.exists(path(article.pk, article.cover_hash, "og", "jpeg"))


def is_current(article):
    """True when the article's cover files exist and, for generated art, match its current content."""
    if not has_files(article):
        return False
    return article.cover_source == article.CoverSource.UPLOADED or article.cover_hash == covers.fingerprint(
        **cover_inputs(article)
    )


def generate(article, *, force=False):
    """Draw and store the article's cover unless files for its current content exist. Returns the hash.

    An uploaded replacement is never drawn over: its hash is returned unchanged.
    """
    if article.cover_source == article.CoverSource.UPLOADED:
        return article.cover_hash
    inputs = cover_inputs(article)
    cover_hash = covers.fingerprint(**inputs)
    if not force and cover_hash == article.cover_hash and default_storage.exists(path(article.pk, cover_hash, "og", "jpeg")):
        return cover_hash
    for (size, fmt), data in covers.render(**inputs).items():
        _write(path(article.pk, cover_hash, size, fmt), data)
    # Only if no editor uploaded a replacement meanwhile.
    type(article).objects.filter(pk=article.pk, cover_source=article.CoverSource.GENERATED).update(cover_hash=cover_hash)
    article.cover_hash = cover_hash
    return cover_hash


def clean_upload(upload):
    """A replacement cover checked like any uploaded image, and large enough to fill the social card.

    Raises images.InvalidImage with a message for the editor.
    """
    image = images.clean_upload(upload)
    min_width, min_height = UPLOAD_MIN_SIZE
    if image.width < min_width or image.height < min_height:
        raise images.InvalidImage(
            _("The image is %(width)d×%(height)d pixels; a cover needs at least %(min_width)d×%(min_height)d.")
            % {"width": image.width, "height": image.height, "min_width": min_width, "min_height": min_height}
        )
    return image


def render_upload(image):
    """Every (size, format) of a cleaned upload, centre-cropped like generated covers, metadata-free."""
    with Image.open(io.BytesIO(image.content)) as source:
        source.load()
        if source.mode in ("RGBA", "LA", "P"):
            flat = Image.new("RGB", source.size, (255, 255, 255))
            flat.paste(source.convert("RGBA"), mask=source.convert("RGBA").getchannel("A"))
            source = flat
        else:
            source = source.convert("RGB")
        rendered = {}
        for size_name, size in covers.SIZES.items():
            fitted = ImageOps.fit(source, size, Image.Resampling.LANCZOS)
            for fmt in covers.FORMATS:
                out = io.BytesIO()
                if fmt == "jpeg":
                    fitted.save(out, "JPEG", **covers.JPEG_OPTIONS)
                else:
                    fitted.save(out, "WEBP", **covers.WEBP_OPTIONS)
                rendered[(size_name, fmt)] = out.getvalue()
    return rendered


def upload_hash(image):
    return hashlib.sha256(f"upload-{UPLOAD_VERSION}:".encode() + image.content).hexdigest()[:16]


def store_upload(article, image):
    """Store a cleaned upload (images.CleanImage) as the article's cover in every size and format.

    Writes the files and sets cover_hash, cover_source=UPLOADED and cover_original on the row.
    Returns the new hash.
    """
    cover_hash = upload_hash(image)
    original = f"covers/{article.pk}/{cover_hash}-original.{image.extension}"
    _write(original, image.content)
    for (size, fmt), data in render_upload(image).items():
        _write(path(article.pk, cover_hash, size, fmt), data)
    uploaded = article.CoverSource.UPLOADED
    type(article).objects.filter(pk=article.pk).update(cover_hash=cover_hash, cover_source=uploaded, cover_original=original)
    article.cover_hash, article.cover_source, article.cover_original = cover_hash, uploaded, original
    return cover_hash


def delete_stale(article_id, keep):
    """Delete the article's cover files that do not belong to a hash in `keep`. Returns how many."""
    folder = f"covers/{article_id}"
    try:
        _, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return 0
    keep = {h for h in keep if h}
    stale = [name for name in files if name.split("-", 1)[0] not in keep]
    for name in stale:
        default_storage.delete(f"{folder}/{name}")
    return len(stale)


def url(article, size="card", fmt="jpeg"):
    if not article.cover_hash:
        return ""
    return default_storage.url(path(article.pk, article.cover_hash, size, fmt))


def urls(article):
    """{(size, format): address} of every file of the article's cover, from one storage call: cover files
    are public and differ only in their names' endings (a card names six of them, and a storage's url()
    costs more than the rest of the card's cover)."""
    if not article.cover_hash:
        return {}
    ending = f"og.{EXTENSIONS['jpeg']}"
    first = default_storage.url(path(article.pk, article.cover_hash, "og", "jpeg"))
    if not first.endswith(ending):  # a storage that adds to the address (a signature) gets asked for each
        return {(size, fmt): url(article, size, fmt) for size in covers.SIZES for fmt in EXTENSIONS}
    stem = first[: -len(ending)]
    return {(size, fmt): f"{stem}{size}.{extension}" for size in covers.SIZES for fmt, extension in EXTENSIONS.items()}


def srcset(article, fmt="jpeg"):
    if not article.cover_hash:
        return ""
    return ", ".join(f"{url(article, size, fmt)} {covers.SIZES[size][0]}w" for size in ("thumb", "card", "og"))
