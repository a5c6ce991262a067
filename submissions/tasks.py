"""Background work of moderation, enqueued by the scheduler (newsroom/jobs.py) or run by hand as commands."""

from django.tasks import task

from submissions import moderation, photos


@task
def expire_claims() -> int:
    """Return submissions whose moderator claim has lapsed to the queue (`expire_claims`)."""
    return moderation.expire_claims()


@task
def delete_stale_photos() -> int:
    """Delete photos kept for a form that was never sent again (older than photos.MAX_AGE)."""
    return photos.delete_stale()
