from django.db import models


class ContentVersion(models.Model):
    """The public pages' content version (see newsroom/public_cache.py): one row.

    It lives in the database, not in the cache, because the default cache is local memory, one per
    process: a change made in one gunicorn worker, in `db_worker` (scheduled publishing) or in a
    management command must make every process's cached pages stale at once, whatever the cache.
    """

    value = models.BigIntegerField()

    class Meta:
        verbose_name = "content version"
