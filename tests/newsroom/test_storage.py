"""Media on object storage: covers and uploads in an S3 bucket, shared by every process.

A real S3-compatible server (moto in server mode) runs on 127.0.0.1 for the session. The site is
configured for it only through the MEDIA_S3_* environment variables (settings.media_storage()), as an
operator would: the worker that draws a cover and the web server that links it are separate processes
with no disk in common, and readers fetch the cover from the bucket.
"""

import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import pytest
from django.db import connection
from django.utils import timezone

from articles import cover_files, images, publishing
from articles.models import Article
from newsroom import settings as project_settings
from newsroom.storage import MediaStorage
from submissions import photos
from submissions.models import Submission
from tests import factories
from tests.newsroom.test_cache_across_processes import ROOT, free_port, gunicorn
from tests.submissions.test_views import story


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory):
    port = free_port()
    log = open(tmp_path_factory.mktemp("moto") / "moto.log", "w")
    server = subprocess.Popen([str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                              stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.fixture
def s3_env(s3_endpoint):
    """The environment of a site whose media live in a fresh bucket."""
    env = {
        "MEDIA_S3_BUCKET": f"newsroom-media-{uuid.uuid4().hex[:12]}",
        "MEDIA_S3_ENDPOINT_URL": s3_endpoint,
        "MEDIA_S3_REGION": "us-east-1",
        "MEDIA_S3_ACCESS_KEY_ID": "newsroom-test",
        "MEDIA_S3_SECRET_ACCESS_KEY": "newsroom-test-secret",
    }
    s3_client(env).create_bucket(Bucket=env["MEDIA_S3_BUCKET"])
    return env


@pytest.fixture
def s3_media(settings, s3_env):
    """This process uses the bucket too, configured from the same environment."""
    storage, _ = project_settings.media_storage(s3_env)
    settings.STORAGES = {**settings.STORAGES, "default": storage}
    return s3_env


def s3_client(env):
    return boto3.client("s3", endpoint_url=env["MEDIA_S3_ENDPOINT_URL"], region_name=env["MEDIA_S3_REGION"],
                        aws_access_key_id=env["MEDIA_S3_ACCESS_KEY_ID"],
                        aws_secret_access_key=env["MEDIA_S3_SECRET_ACCESS_KEY"])


def keys(env, prefix=""):
    listing = s3_client(env).list_objects_v2(Bucket=env["MEDIA_S3_BUCKET"], Prefix=prefix)
    return sorted(entry["Key"] for entry in listing.get("Contents", []))


def fetch(url):
    """(status, headers, body) of an anonymous GET, as a reader's browser makes it."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def database_url():
    """The test database, for processes started by the test."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def site_env(s3_env, tmp_path):
    env = {**os.environ, **s3_env, "DEBUG": "1", "DATABASE_URL": database_url(), "ALLOWED_HOSTS": "127.0.0.1",
           "MEDIA_ROOT": str(tmp_path / "local-media"), "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
           "LOG_LEVEL": "WARNING"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


@pytest.mark.django_db(transaction=True)
def test_the_worker_writes_the_cover_to_the_bucket_and_the_web_server_links_it(settings, s3_media, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mail", "covers"]}}
    article = factories.article(title="Harbour ferry returns after the storm", slug="harbour-ferry")
    assert not keys(s3_media)  # queued, not drawn: the worker draws it
    env = site_env(s3_media, tmp_path)

    worker = subprocess.run([sys.executable, "manage.py", "worker", "--queue-name", "covers", "--batch",
                             "--no-startup-delay", "--no-reload"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

    assert worker.returncode == 0, worker.stderr[-3000:]
    cover_hash = Article.objects.get(pk=article.pk).cover_hash
    assert keys(s3_media, f"covers/{article.pk}/") == sorted(
        f"covers/{article.pk}/{cover_hash}-{size}.{ext}" for size in ("og", "card", "thumb") for ext in ("jpg", "webp")
    )
    with gunicorn(env, tmp_path / "gunicorn.log") as site:
        status, headers, body = fetch(f"{site}/articles/harbour-ferry/")
    assert status == 200
    html = body.decode()
    src = re.search(r'<img class="cover-img" src="([^"]+)"', html).group(1)
    webp = re.search(r'<source type="image/webp" srcset="(\S+) ', html).group(1)
    bucket = f"{s3_media['MEDIA_S3_ENDPOINT_URL']}/{s3_media['MEDIA_S3_BUCKET']}/"
    assert src == f"{bucket}covers/{article.pk}/{cover_hash}-og.jpg"  # unsigned: the same for every reader
    assert f'<meta property="og:image" content="{src}">' in html
    img_src = re.search(r"img-src ([^;]+)", headers["Content-Security-Policy"]).group(1).split()
    assert s3_media["MEDIA_S3_ENDPOINT_URL"] in img_src
    for url, content_type in ((src, "image/jpeg"), (webp, "image/webp")):
        status, headers, image = fetch(url)
        assert (status, headers["Content-Type"]) == (200, content_type)
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert image[:4] in (b"\xff\xd8\xff\xe0", b"RIFF")
    assert not (tmp_path / "local-media").exists()  # nothing went to a local disk



@pytest.mark.django_db
def test_a_redrawn_cover_replaces_the_old_objects_in_the_bucket(s3_media, article, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        publishing.regenerate_cover(article, by=None)  # the task runs at once here (the immediate backend)
    first = Article.objects.get(pk=article.pk).cover_hash
    with django_capture_on_commit_callbacks(execute=True):
        publishing.regenerate_cover(article, by=None)

    second = Article.objects.get(pk=article.pk).cover_hash
    assert second != first
    assert {key.rsplit("/", 1)[1].split("-")[0] for key in keys(s3_media, f"covers/{article.pk}/")} == {second}


@pytest.mark.django_db
def test_a_contributors_photo_sent_with_the_form_lands_in_the_bucket_private(client, s3_media, category):
    writer = factories.user(username="writer", email="writer@example.com")
    client.force_login(writer)

    response = client.post("/submit/", {**story(category), "image": factories.image_upload()})

    assert response.status_code == 302
    submission = Submission.objects.get()
    assert submission.image.name in keys(s3_media, "submissions/")
    bucket = f"{s3_media['MEDIA_S3_ENDPOINT_URL']}/{s3_media['MEDIA_S3_BUCKET']}/"
    assert fetch(bucket + submission.image.name)[0] == 403  # not world-readable, even by its address
    page = client.get(f"/my/submissions/{submission.pk}/").content.decode()
    signed = re.search(r'<figure class="submitted-image"><img src="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert "X-Amz-Signature=" in signed and "X-Amz-Expires=3600" in signed
    status, headers, _ = fetch(signed)
    assert (status, headers["Content-Type"]) == (200, "image/jpeg")


@pytest.mark.django_db
def test_the_editor_makes_the_contributors_photo_from_the_bucket_the_cover(s3_media, article):
    photo = images.clean_upload(factories.image_upload(width=1200, height=700))
    submission = factories.submission(image=photo)
    Article.objects.filter(pk=article.pk).update(contributor_photo=submission.image.name)
    article.refresh_from_db()

    with article.contributor_photo.open("rb") as file:
        publishing.replace_cover(article, image=cover_files.clean_upload(file), by=None)

    assert f"covers/{article.pk}/{article.cover_hash}-og.jpg" in keys(s3_media, "covers/")
    assert fetch(cover_files.url(article, "og", "jpeg"))[0] == 200


@pytest.mark.django_db
def test_stale_kept_photos_are_deleted_from_the_bucket(s3_media):
    kept = photos.keep(images.clean_upload(factories.image_upload()))
    assert kept.name in keys(s3_media, f"{photos.KEPT_DIR}/")
    assert fetch(kept.url)[0] == 200  # the form shows it back to the contributor, signed

    assert photos.delete_stale() == 0  # still fresh
    assert photos.delete_stale(now=timezone.now() + photos.MAX_AGE + timedelta(minutes=1)) == 1
    assert keys(s3_media, f"{photos.KEPT_DIR}/") == []


@pytest.mark.parametrize("region, origin", [
    ("", "https://news-media.s3.amazonaws.com"),
    ("us-east-1", "https://news-media.s3.amazonaws.com"),
    ("ap-northeast-2", "https://news-media.s3.ap-northeast-2.amazonaws.com"),
])
def test_on_aws_covers_are_plain_and_photos_signed_from_the_origin_the_csp_allows(region, origin):
    storage, origins = project_settings.media_storage({
        "MEDIA_S3_BUCKET": "news-media", "MEDIA_S3_REGION": region,
        "MEDIA_S3_ACCESS_KEY_ID": "AKIAEXAMPLE", "MEDIA_S3_SECRET_ACCESS_KEY": "secret",
    })
    media = MediaStorage(**storage["OPTIONS"])

    assert origins == [origin]
    assert media.url("covers/7/abc-og.jpg") == f"{origin}/covers/7/abc-og.jpg"
    photo = media.url("submissions/2026/12/f00d.jpg")
    assert photo.startswith(f"{origin}/submissions/2026/12/f00d.jpg?") and "X-Amz-Signature=" in photo


def test_with_a_cdn_covers_come_from_its_domain_and_photos_still_signed_from_the_bucket():
    storage, origins = project_settings.media_storage({
        "MEDIA_S3_BUCKET": "news-media", "MEDIA_S3_ENDPOINT_URL": "https://objects.example.net",
        "MEDIA_S3_CUSTOM_DOMAIN": "media.example.org", "MEDIA_S3_ACCESS_KEY_ID": "k", "MEDIA_S3_SECRET_ACCESS_KEY": "s",
        "MEDIA_S3_SIGNED_URL_SECONDS": "600",
    })
    media = MediaStorage(**storage["OPTIONS"])

    assert origins == ["https://objects.example.net", "https://media.example.org"]
    assert media.url("covers/7/abc-og.jpg") == "https://media.example.org/covers/7/abc-og.jpg"
    assert media.url("avatars/3/me.png") == "https://media.example.org/avatars/3/me.png"
    photo = urlsplit(media.url("submissions/kept/f00d.jpg"))
    assert (photo.netloc, photo.path) == ("objects.example.net", "/news-media/submissions/kept/f00d.jpg")
    assert "X-Amz-Expires=600" in photo.query


def test_without_a_bucket_media_stay_on_the_file_system(settings):
    assert project_settings.media_storage({}) == (None, [])
    assert settings.STORAGES["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
