"""Authors' public profiles (AuthorProfile): the only code that changes them on a contributor's behalf.

The profile is public content: saving it invalidates the cached pages that show it (the author page, the
bylines of their stories), so a change is seen at once. The bio is plain text, shown escaped (no markup).
A new photo arrives already checked and re-encoded (articles.images.clean_upload): EXIF, GPS included, is gone.
"""

import uuid

from django.core.files.base import ContentFile
from django.db import transaction

from articles.images import CleanImage
from articles.models import AuthorProfile

# An avatar is shown at 96 px (192 on dense screens): anything larger only costs readers bandwidth.
AVATAR_MAX_SIDE = 512


def profile_of(user):
    """The user's profile, or an unsaved one named after the account (guests' accounts may have none)."""
    try:
        return user.profile
    except AuthorProfile.DoesNotExist:
        return AuthorProfile(user=user, display_name=user.get_full_name() or user.get_username())


@transaction.atomic
def update_profile(user, *, display_name, bio, photo: CleanImage | None = None, remove_photo=False):
    """Save the public profile (creating it when missing). `photo` replaces the avatar; `remove_photo` drops it."""
    profile = AuthorProfile.objects.select_for_update().filter(user=user).first() or AuthorProfile(user=user)
    old_avatar = profile.avatar.name if profile.avatar else ""
    profile.display_name = display_name.strip()
    profile.bio = bio.strip()
    if photo is not None:
        # A new name for each photo: readers' browsers and a CDN may keep the old file under its name.
        profile.avatar.save(f"{uuid.uuid4().hex}.{photo.extension}", ContentFile(photo.content), save=False)
    elif remove_photo:
        profile.avatar = ""
    profile.save()
    if old_avatar and old_avatar != (profile.avatar.name if profile.avatar else ""):
        storage = profile.avatar.storage
        # Only once the new state is committed: a rollback must not leave the profile pointing at nothing.
        transaction.on_commit(lambda: storage.delete(old_avatar))
    user.profile = profile
    return profile
