"""Uploaded images, checked by content and re-encoded: the only way a user's image reaches storage.

Pure Pillow, no database. Re-encoding drops EXIF/GPS and any payload hidden in the file; only the pixels of
the first frame are kept.
"""

import io
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

# MPO is a JPEG carrying more pictures after the first (phones and cameras write it): we keep the first.
ALLOWED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP", "GIF"}


class InvalidImage(ValueError):
    """Raised with a message a person understands."""


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    width: int
    height: int
    extension: str  # "jpg" or "png"


def clean_upload(upload, *, max_bytes=None, max_pixels=None, max_side=None) -> CleanImage:
    max_bytes = max_bytes or settings.IMAGE_UPLOAD_MAX_BYTES
    max_pixels = max_pixels or settings.IMAGE_UPLOAD_MAX_PIXELS
    max_side = max_side or settings.IMAGE_MAX_SIDE
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise InvalidImage(_("The image is too large (%(size)d MB); the limit is %(limit)d MB.")
                           % {"size": size // (1024 * 1024) or 1, "limit": max_bytes // (1024 * 1024)})
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InvalidImage(_("The image is too large; the limit is %(limit)d MB.") % {"limit": max_bytes // (1024 * 1024)})
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ALLOWED_FORMATS:
                raise InvalidImage(_("Upload a JPEG, PNG, WebP or GIF image."))
            if probe.width * probe.height > max_pixels:
                raise InvalidImage(_("The image has too many pixels (%(w)d×%(h)d).") % {"w": probe.width, "h": probe.height})
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            image.thumbnail((max_side, max_side))
            return _encode(image)
    except InvalidImage:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as error:
        raise InvalidImage(_("This file is not an image we can read. Upload a JPEG, PNG, WebP or GIF image.")) from error


def _encode(image):
    has_alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
    image = image.convert("RGBA" if has_alpha else "RGB")
    # Pillow writes some of what it read back into the new file (a JPEG's or a GIF's comment, a PNG's ICC
    # profile), and any of it can carry markup: nothing but the pixels is written.
    image.info.clear()
    out = io.BytesIO()
    if has_alpha:
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    return CleanImage(content=out.getvalue(), width=image.width, height=image.height,
                      extension="png" if has_alpha else "jpg")
