"""A contributor's photo, kept between two posts of the story form so that a form error does not lose it.

The photo was already checked and re-encoded (articles.images.clean_upload); it is stored under KEPT_DIR and
the page carries a signed reference to it. The signature has its own salt and a maximum age, and a reference
must name a file under KEPT_DIR: a posted reference can only bring back a file this module stored, recently.

Clean-up: saving the story copies the photo into the submission, and the kept file is left behind. Kept files
are temporary by design: delete_stale() deletes those older than MAX_AGE (a reference to them is refused by
then anyway); it is meant to run from the scheduler, every hour or so.
"""

import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from articles.images import CleanImage

KEPT_DIR = "submissions/kept"
SALT = "submissions.kept-photo"
MAX_AGE = timedelta(hours=24)


class NotKept(ValueError):
    """The reference is forged, expired, or its file is gone."""


@dataclass(frozen=True)
class KeptPhoto:
    token: str
    name: str
    image: CleanImage

    @property
    def url(self):
        return default_storage.url(self.name)


def keep(image: CleanImage) -> KeptPhoto:
    name = default_storage.save(f"{KEPT_DIR}/{uuid.uuid4().hex}.{image.extension}", ContentFile(image.content))
    token = signing.dumps({"name": name, "width": image.width, "height": image.height}, salt=SALT)
    return KeptPhoto(token=token, name=name, image=image)


def load(token: str) -> KeptPhoto:
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
        name, width, height = data["name"], int(data["width"]), int(data["height"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise NotKept(token) from error
    if not name.startswith(f"{KEPT_DIR}/") or ".." in name:
        raise NotKept(token)
    try:
        with default_storage.open(name, "rb") as file:
            content = file.read()
    except OSError as error:
        raise NotKept(token) from error
    return KeptPhoto(token=token, name=name, image=CleanImage(content, width, height, name.rsplit(".", 1)[-1]))


def delete_stale(*, now=None) -> int:
    """Delete kept photos older than MAX_AGE. Returns how many."""
    cutoff = (now or timezone.now()) - MAX_AGE
    try:
        _, files = default_storage.listdir(KEPT_DIR)
    except (FileNotFoundError, NotADirectoryError):
        return 0
    deleted = 0
    for filename in files:
        name = f"{KEPT_DIR}/{filename}"
        if default_storage.get_modified_time(name) < cutoff:
            default_storage.delete(name)
            deleted += 1
    return deleted
