from django.db import models
from django.utils.translation import gettext_lazy as _


class ContentVersion(models.Model):
    """The public pages' content version (see newsroom/public_cache.py): one row.

    It lives in the database, not in the cache, because the default cache is local memory, one per
    process: a change made in one gunicorn worker, in `db_worker` (scheduled publishing) or in a
    management command must make every process's cached pages stale at once, whatever the cache.
    """

    value = models.BigIntegerField()

    class Meta:
        verbose_name = "content version"


class RateCounter(models.Model):
    """One rate-limit window's count (newsroom/ratelimit.py), when REDIS_URL is unset or Redis is down.

    In the database rather than the page cache, so that no flood of cached pages can evict it and
    every process counts on the same row. The key names the window, so a row is never reused: rows
    whose window has ended are only deleted, now and then.
    """

    key = models.CharField(max_length=200, primary_key=True)
    count = models.IntegerField()
    expires = models.BigIntegerField(db_index=True)  # Unix time at which the window ends

    class Meta:
        verbose_name = "rate counter"
class SchedulerLease(models.Model):
    """Who runs the clock: the one `manage.py scheduler` allowed to enqueue periodic jobs (newsroom/scheduler.py).

    Without Redis this row is the lock: its holder renews `expires_at` every few seconds, on the database's own
    clock, and a standby scheduler takes the row over once that time has passed (the holder died or hung).
    """

    name = models.CharField(max_length=50, unique=True)
    holder = models.CharField(max_length=200, blank=True)
    acquired_at = models.DateTimeField(null=True)
    expires_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("scheduled job")
        verbose_name_plural = _("scheduled jobs")

    def __str__(self):
        return self.holder or self.name
