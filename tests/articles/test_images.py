import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from articles.images import InvalidImage, clean_upload


def make_image(fmt="JPEG", size=(640, 480), mode="RGB", exif=None):
    buffer = io.BytesIO()
    image = Image.new(mode, size, (200, 40, 40) if mode == "RGB" else (200, 40, 40, 128))
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(buffer, fmt, **kwargs)
    return SimpleUploadedFile(f"photo.{fmt.lower()}", buffer.getvalue())


def test_jpeg_is_re_encoded_without_metadata():
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {2: (37.0, 33.0, 0.0)}  # GPS latitude
    cleaned = clean_upload(make_image(exif=exif.tobytes()))

    with Image.open(io.BytesIO(cleaned.content)) as result:
        assert result.format == "JPEG"
        assert not result.getexif()
    assert b"SpyCam" not in cleaned.content


def test_transparent_png_stays_png():
    cleaned = clean_upload(make_image("PNG", mode="RGBA"))

    assert cleaned.extension == "png"


def test_large_images_are_scaled_down(settings):
    settings.IMAGE_MAX_SIDE = 500

    cleaned = clean_upload(make_image(size=(2000, 1000)))

    assert (cleaned.width, cleaned.height) == (500, 250)


@pytest.mark.parametrize("content", [b"", b"not an image", b"%PDF-1.7 fake", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50,
                                     b"<svg onload=alert(1)></svg>"])
def test_non_images_are_refused_with_a_message(content):
    with pytest.raises(InvalidImage, match="not an image"):
        clean_upload(SimpleUploadedFile("x.jpg", content))


def test_oversized_files_are_refused(settings):
    settings.IMAGE_UPLOAD_MAX_BYTES = 1024

    with pytest.raises(InvalidImage, match="too large"):
        clean_upload(make_image(size=(800, 800)))


def test_decompression_bombs_are_refused(settings):
    settings.IMAGE_UPLOAD_MAX_PIXELS = 1_000_000
    bomb = make_image("PNG", size=(4000, 4000))

    with pytest.raises(InvalidImage, match="too many pixels"):
        clean_upload(bomb)


def test_other_formats_are_refused():
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "BMP")

    with pytest.raises(InvalidImage, match="JPEG, PNG, WebP or GIF"):
        clean_upload(SimpleUploadedFile("x.bmp", buffer.getvalue()))


# --- What an attacker hides in an image's metadata never reaches storage ---------------------------------

SCRIPT = "<script>alert(1)</script>"


def hostile_image(kind, size=(640, 480)):
    """An image carrying SCRIPT where its format keeps text: comments, text chunks, XMP, EXIF, ICC profile."""
    from PIL import PngImagePlugin

    buffer = io.BytesIO()
    picture = Image.new("RGB", size, (30, 120, 200))
    exif = Image.Exif()
    exif[0x010E] = SCRIPT  # ImageDescription
    if kind == "jpeg comment":
        picture.save(buffer, "JPEG", comment=SCRIPT.encode())
    elif kind == "gif comment":
        picture.convert("P").save(buffer, "GIF", comment=SCRIPT.encode())
    elif kind == "animated gif, a comment per frame":
        frames = [picture.convert("P"), Image.new("RGB", size, (200, 30, 30)).convert("P")]
        for frame in frames:
            frame.info["comment"] = SCRIPT.encode()
        frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], comment=SCRIPT.encode())
    elif kind in ("png text", "transparent png text and profile"):
        text = PngImagePlugin.PngInfo()
        text.add_text("Comment", SCRIPT)
        text.add_itxt("Description", SCRIPT)
        if kind == "png text":
            picture.save(buffer, "PNG", pnginfo=text, exif=exif.tobytes())
        else:
            picture.convert("RGBA").save(buffer, "PNG", pnginfo=text, icc_profile=SCRIPT.encode() * 8)
    elif kind == "webp xmp and exif":
        picture.save(buffer, "WEBP", xmp=SCRIPT.encode(), exif=exif.tobytes())
    else:
        raise ValueError(kind)
    return SimpleUploadedFile("photo.img", buffer.getvalue())


HOSTILE = ["jpeg comment", "gif comment", "animated gif, a comment per frame", "png text",
           "transparent png text and profile", "webp xmp and exif"]


@pytest.mark.parametrize("kind", HOSTILE)
def test_text_hidden_in_an_image_is_not_kept(kind):
    upload = hostile_image(kind)
    assert SCRIPT.encode() in upload.read()

    cleaned = clean_upload(upload)

    assert b"<script" not in cleaned.content.lower()
    with Image.open(io.BytesIO(cleaned.content)) as result:
        assert result.size == (640, 480) == (cleaned.width, cleaned.height)
        assert not {"comment", "icc_profile", "xmp", "exif"} & set(result.info)
        assert not getattr(result, "text", {})
        result.load()


def test_a_multi_picture_jpeg_is_accepted_as_its_first_picture():
    """MPO: what many phones and cameras write (a JPEG followed by more pictures)."""
    buffer = io.BytesIO()
    first, second = Image.new("RGB", (800, 600), (20, 160, 60)), Image.new("RGB", (800, 600), (220, 20, 20))
    first.save(buffer, "MPO", save_all=True, append_images=[second])
    with Image.open(io.BytesIO(buffer.getvalue())) as sent:
        assert (sent.format, sent.n_frames) == ("MPO", 2)

    cleaned = clean_upload(SimpleUploadedFile("IMG_0001.JPG", buffer.getvalue(), content_type="image/jpeg"))

    assert (cleaned.extension, cleaned.width, cleaned.height) == ("jpg", 800, 600)
    with Image.open(io.BytesIO(cleaned.content)) as stored:
        assert stored.format == "JPEG" and getattr(stored, "n_frames", 1) == 1
        red, green, blue = stored.getpixel((400, 300))
        assert green > 120 and red < 60  # the first picture's pixels
