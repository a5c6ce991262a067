"""The contributor's photo: kept across a form error or a preview, shown on their own page."""

import os
import re
from datetime import timedelta

import pytest
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from articles import images
from submissions import photos, tokens
from submissions.models import Submission
from tests import factories
from tests.submissions.test_views import story

pytestmark = pytest.mark.django_db


@pytest.fixture
def writer(db):
    return factories.user(username="writer", email="writer@example.com")


def kept_token(html):
    return re.search(r'name="kept_image" value="([^"]+)"', html).group(1)


def test_the_photo_survives_a_form_error(client, writer, category):
    client.force_login(writer)

    response = client.post("/submit/", {**story(category, title=""), "image": factories.image_upload()})

    html = response.content.decode()
    assert response.status_code == 400 and "Your photo is kept." in html and "Remove this photo" in html
    assert not Submission.objects.exists()
    response = client.post("/submit/", story(category, kept_image=kept_token(html)))
    assert response.status_code == 302
    submission = Submission.objects.get()
    assert submission.image and submission.revisions.get().image.name == submission.image.name
    assert default_storage.exists(submission.image.name)


def test_the_kept_photo_can_be_removed_or_replaced(client, writer, category):
    client.force_login(writer)
    html = client.post("/submit/", {**story(category, title=""), "image": factories.image_upload()}).content.decode()
    token = kept_token(html)

    html = client.post("/submit/", {**story(category, title="", kept_image=token),
                                    "image": factories.image_upload(width=700, height=500)}).content.decode()
    assert kept_token(html) != token  # the new file replaced it
    client.post("/submit/", story(category, kept_image=kept_token(html), remove_image="on"))
    assert not Submission.objects.get().image


def test_a_preview_keeps_the_photo(client, writer, category):
    client.force_login(writer)

    html = client.post("/submit/", {**story(category, action="preview"), "image": factories.image_upload()}).content.decode()

    assert "Your photo is kept." in html
    client.post("/submit/", story(category, kept_image=kept_token(html)))
    assert Submission.objects.get().image


@pytest.mark.parametrize("token", [
    signing.dumps({"name": "covers/1/abc-original.jpg", "width": 10, "height": 10}),  # not our salt
    signing.dumps({"name": "covers/1/abc-original.jpg", "width": 10, "height": 10}, salt=photos.SALT),
    signing.dumps({"name": f"{photos.KEPT_DIR}/../../covers/1/abc.jpg", "width": 10, "height": 10}, salt=photos.SALT),
    "garbage",
])
def test_only_photos_this_form_kept_can_be_referenced(client, writer, category, token):
    default_storage.save("covers/1/abc-original.jpg", ContentFile(factories.image_upload().read()))
    client.force_login(writer)

    response = client.post("/submit/", story(category, kept_image=token))

    assert response.status_code == 400 and "no longer kept" in response.content.decode()
    assert not Submission.objects.exists()


def test_stale_kept_photos_are_deleted(settings):
    old = photos.keep(images.clean_upload(factories.image_upload()))
    new = photos.keep(images.clean_upload(factories.image_upload()))
    later = timezone.now() + photos.MAX_AGE + timedelta(minutes=1)
    os.utime(settings.MEDIA_ROOT / new.name, (later.timestamp(), later.timestamp()))  # kept a day after `old`

    assert photos.delete_stale(now=later) == 1
    assert not default_storage.exists(old.name) and default_storage.exists(new.name)
    with pytest.raises(photos.NotKept):
        photos.load(old.token)


def test_the_contributor_sees_their_photo_on_their_submission_page(client, writer):
    photo = images.clean_upload(factories.image_upload())
    mine = factories.submission(contributor=writer, image=photo)
    guest = factories.submission(guest_email="hana@example.com", image=photo)

    client.force_login(writer)
    html = client.get(f"/my/submissions/{mine.pk}/").content.decode()
    assert "Your photo" in html and f'src="{mine.image.url}"' in html
    client.logout()
    html = client.get(f"/my/submissions/access/{tokens.access_token(guest)}/", follow=True).content.decode()
    assert "Your photo" in html and f'src="{guest.image.url}"' in html
