"""Cover files on storage: generated art and uploaded replacements, in every size and format, cache-safe names."""

import io

import pytest
from PIL import Image

from articles import cover_files, covers, images, publishing, tasks
from articles.models import Article
from tests import factories

pytestmark = pytest.mark.django_db
ALL_FILES = {(size, fmt) for size in covers.SIZES for fmt in covers.FORMATS}


def files_of(settings, article):
    folder = settings.MEDIA_ROOT / "covers" / str(article.pk)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def read(settings, article, size, fmt):
    return (settings.MEDIA_ROOT / cover_files.path(article.pk, article.cover_hash, size, fmt)).read_bytes()


@pytest.mark.parametrize("title, language", [
    ("Harbour bridge reopens after repairs", "en"),
    ("망원동 도서관이 밤 열 시까지 문을 연다", "ko"),
])
def test_generate_stores_every_size_and_format(settings, category, author, title, language):
    article = factories.article(title=title, language=language, category=category, author=author)

    cover_hash = cover_files.generate(article)

    article.refresh_from_db()
    assert article.cover_hash == cover_hash and len(cover_hash) == 16
    for size, fmt in ALL_FILES:
        image = Image.open(io.BytesIO(read(settings, article, size, fmt)))
        assert image.size == covers.SIZES[size]
        assert image.format == {"webp": "WEBP", "jpeg": "JPEG"}[fmt]
        assert b"algorithmicMedia" in image.info.get("xmp", b"")
    assert cover_files.is_current(article)


def test_generation_is_deterministic_and_skips_current_covers(settings, article):
    first_hash = cover_files.generate(article)
    first = {key: read(settings, article, *key) for key in ALL_FILES}

    assert cover_files.generate(article) == first_hash  # nothing to do
    assert cover_files.generate(article, force=True) == first_hash
    assert {key: read(settings, article, *key) for key in ALL_FILES} == first


def test_title_change_gives_new_file_names(settings, article):
    old = cover_files.generate(article)
    article.title = "A different headline"

    assert not cover_files.is_current(article)
    new = cover_files.generate(article)

    assert new != old
    assert cover_files.url(article, "og", "webp").endswith(f"/covers/{article.pk}/{new}-og.webp")
    assert cover_files.delete_stale(article.pk, keep={new}) == 6
    assert all(name.startswith(new) for name in files_of(settings, article))


def test_srcset_lists_the_three_widths(article):
    cover_files.generate(article)
    srcset = cover_files.srcset(article, "webp")
    assert [part.split()[-1] for part in srcset.split(", ")] == ["400w", "800w", "1200w"]


def test_generate_task_redraws_after_a_title_change_and_cleans_up(settings, article, django_capture_on_commit_callbacks):
    cover_files.generate(article)
    old = article.cover_hash
    article.title = "Harbour bridge reopens a week early"

    with django_capture_on_commit_callbacks(execute=True):
        publishing.update_content(article)

    article.refresh_from_db()
    assert article.cover_hash != old
    assert len(files_of(settings, article)) == 6 and all(n.startswith(article.cover_hash) for n in files_of(settings, article))


def test_uploaded_cover_is_stored_in_every_size_and_format_without_metadata(settings, article):
    cleaned = cover_files.clean_upload(factories.image_upload(width=2000, height=900, fmt="JPEG"))

    publishing.replace_cover(article, image=cleaned)

    article.refresh_from_db()
    assert article.cover_source == Article.CoverSource.UPLOADED
    for size, fmt in ALL_FILES:
        image = Image.open(io.BytesIO(read(settings, article, size, fmt)))
        assert image.size == covers.SIZES[size]
        assert "xmp" not in image.info and not image.getexif()  # not marked as generated, nothing private kept
    assert article.cover_original.name == f"covers/{article.pk}/{article.cover_hash}-original.jpg"
    assert cover_files.is_current(article)


def test_uploads_with_transparency_are_flattened(settings, article):
    buffer = io.BytesIO()
    Image.new("RGBA", (1200, 700), (0, 0, 0, 0)).save(buffer, "PNG")
    from django.core.files.uploadedfile import SimpleUploadedFile

    cleaned = cover_files.clean_upload(SimpleUploadedFile("t.png", buffer.getvalue(), content_type="image/png"))
    publishing.replace_cover(article, image=cleaned)

    article.refresh_from_db()
    image = Image.open(io.BytesIO(read(settings, article, "card", "jpeg")))
    assert image.mode == "RGB" and image.getpixel((10, 10))[0] > 240  # white, not black


def test_too_small_uploads_are_refused(db):
    with pytest.raises(images.InvalidImage, match="at least 800×420"):
        cover_files.clean_upload(factories.image_upload(width=640, height=480))


def test_same_upload_same_name_different_upload_new_name(article):
    one = cover_files.upload_hash(cover_files.clean_upload(factories.image_upload(color=(10, 20, 30))))
    again = cover_files.upload_hash(cover_files.clean_upload(factories.image_upload(color=(10, 20, 30))))
    other = cover_files.upload_hash(cover_files.clean_upload(factories.image_upload(color=(200, 20, 30))))
    assert one == again != other


def test_generation_never_draws_over_an_uploaded_cover(settings, article):
    publishing.replace_cover(article, image=cover_files.clean_upload(factories.image_upload()))
    uploaded = article.cover_hash

    tasks.generate_cover.call(article.pk)
    tasks.generate_cover.call(article.pk, force=True)

    article.refresh_from_db()
    assert article.cover_hash == uploaded and article.cover_source == Article.CoverSource.UPLOADED


def test_a_generation_racing_an_upload_does_not_overwrite_it(article):
    stale = Article.objects.select_related("category").get(pk=article.pk)  # loaded before the upload
    publishing.replace_cover(article, image=cover_files.clean_upload(factories.image_upload()))
    uploaded = article.cover_hash

    cover_files.generate(stale)

    article.refresh_from_db()
    assert article.cover_source == Article.CoverSource.UPLOADED and article.cover_hash == uploaded


def test_replacing_an_upload_deletes_the_previous_files_after_commit(settings, article, django_capture_on_commit_callbacks):
    cover_files.generate(article)
    with django_capture_on_commit_callbacks(execute=True):
        publishing.replace_cover(article, image=cover_files.clean_upload(factories.image_upload()))

    names = files_of(settings, article)
    assert len(names) == 7 and all(name.startswith(article.cover_hash) for name in names)


def test_delete_stale_on_a_missing_folder_is_harmless(db):
    assert cover_files.delete_stale(999999, keep={"abc"}) == 0
