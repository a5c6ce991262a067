"""Images whose metadata carries markup, sent the ways images reach the site: a contributor's photo and an
editor's cover. What is stored (and later served) holds the pixels and nothing else."""

import pytest
from django.core.files.storage import default_storage

from articles import cover_files, publishing
from submissions.models import Submission
from tests import factories
from tests.articles.test_images import hostile_image
from tests.submissions.test_views import story

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", ["jpeg comment", "gif comment"])
def test_a_contributors_photo_is_stored_without_the_markup_in_its_comment(client, category, kind):
    client.force_login(factories.user())

    response = client.post("/submit/", {**story(category), "image": hostile_image(kind)})

    assert response.status_code == 302
    submission = Submission.objects.get()
    with default_storage.open(submission.image.name) as stored:
        assert b"<script" not in stored.read().lower()
    assert (submission.image_width, submission.image_height) == (640, 480)


def test_an_editors_cover_is_stored_without_the_markup_in_its_comment(settings, category, author):
    article = factories.article(category=category, author=author)

    publishing.replace_cover(article, image=cover_files.clean_upload(hostile_image("jpeg comment", size=(1200, 630))))

    folder = settings.MEDIA_ROOT / "covers" / str(article.pk)
    files = list(folder.iterdir())
    assert files and not [f.name for f in files if b"<script" in f.read_bytes().lower()]
