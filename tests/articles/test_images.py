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
