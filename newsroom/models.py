from django.db import models


class CacheTagVersion(models.Model):
    """The version of one cache tag ("article-12", "front", …): see newsroom/public_cache.py.

    Versions live in the database, not in the cache, because the default cache is local memory, one per
    process: a change made in one gunicorn worker, in `db_worker` (scheduled publishing) or in a
    management command must make every process's cached pages stale at once, whatever the cache.
    A tag without a row has version 0. Versions only ever grow, past every value used before, even
    after a backup of an older database is restored (public_cache.bump()).
    """

    tag = models.CharField(max_length=200, primary_key=True)
    # Indexed: every request reads the greatest version (public_cache.Build.start).
    version = models.BigIntegerField(db_index=True)

    class Meta:
        verbose_name = "cache tag version"
