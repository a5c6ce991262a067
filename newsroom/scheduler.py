"""The clock: `manage.py scheduler` enqueues the periodic jobs of newsroom/jobs.py, and only one scheduler does.

django-crontask keeps the schedule (APScheduler's cron triggers, firing `task.enqueue`). Every scheduler that is
started runs the same triggers, but a trigger enqueues its task only while this process holds the lease, and a
keeper renews the lease every few seconds or, on a standby, tries to take it over. So when several schedulers
run (one per machine, or a restart that overlaps), exactly one enqueues; when it dies, a standby takes over
once its lease has expired, and it never fires a period the dead one already fired (triggers only fire forward).

The lease is crontask's Redis lock when REDIS_URL is set, otherwise a row in the database
(`newsroom.SchedulerLease`) that works the same on SQLite and PostgreSQL, timed by the database's clock so that
schedulers on machines whose clocks disagree still agree on who holds it.
"""

import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from apscheduler.triggers.interval import IntervalTrigger
from django.conf import settings
from django.db import close_old_connections
from django.db.models import DateTimeField, ExpressionWrapper, Q
from django.db.models.functions import Now
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from newsroom.models import SchedulerLease

logger = logging.getLogger(__name__)

LEASE_NAME = "scheduler"
# A job fires only while the lease has at least this long left: a standby cannot take it over while the holder
# is still enqueuing (a holder whose renewals failed for a whole lease never fires in its last seconds).
FIRE_MARGIN = timedelta(seconds=2)


def identity() -> str:
    """Who holds the lease, as the admin shows it: host, process id and a random part (pids are reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _in(seconds):
    return ExpressionWrapper(Now() + timedelta(seconds=seconds), output_field=DateTimeField())


class DatabaseLease:
    """A lease row: taken when free or expired, renewed by its holder, released on a clean exit."""

    def __init__(self, holder: str, seconds: int):
        self.holder = holder
        self.seconds = seconds

    def _row(self):
        return SchedulerLease.objects.filter(name=LEASE_NAME)

    def acquire(self) -> bool:
        SchedulerLease.objects.bulk_create([SchedulerLease(name=LEASE_NAME)], ignore_conflicts=True)
        free = Q(holder="") | Q(holder=self.holder) | Q(expires_at__isnull=True) | Q(expires_at__lt=Now())
        return bool(self._row().filter(free).update(holder=self.holder, acquired_at=Now(), expires_at=_in(self.seconds)))

    def renew(self) -> bool:
        return bool(self._row().filter(holder=self.holder, expires_at__gte=Now())
                    .update(expires_at=_in(self.seconds)))

    def owned(self) -> bool:
        margin = ExpressionWrapper(Now() + FIRE_MARGIN, output_field=DateTimeField())
        return self._row().filter(holder=self.holder, expires_at__gt=margin).exists()

    def release(self) -> None:
        self._row().filter(holder=self.holder).update(holder="", expires_at=None)


class RedisLease:
    """crontask's own Redis lock (CRONTASK["REDIS_URL"]), its token naming the holder."""

    def __init__(self, holder: str, seconds: int):
        from crontask import utils

        self.holder = holder
        self.seconds = seconds
        self.lock = utils.lock
        self.errors = utils.LockError

    def acquire(self) -> bool:
        return self.lock.acquire(blocking=False, token=self.holder)

    def renew(self) -> bool:
        try:
            self.lock.extend(self.seconds, replace_ttl=True)
        except self.errors:
            return False
        return True

    def owned(self) -> bool:
        return self.lock.owned()

    def release(self) -> None:
        try:
            self.lock.release()
        except self.errors:
            pass


def lease(holder: str | None = None):
    kind = RedisLease if settings.CRONTASK.get("REDIS_URL") else DatabaseLease
    return kind(holder or identity(), settings.SCHEDULER_LEASE_SECONDS)


def current_holder() -> tuple[str, object] | None:
    """(holder, expires at or None) of the scheduler now holding the lease, or None if no scheduler does."""
    if settings.CRONTASK.get("REDIS_URL"):
        from crontask import utils

        holder = utils.redis_client.get(utils.lock.name)
        return (holder.decode(), None) if holder else None
    row = SchedulerLease.objects.filter(name=LEASE_NAME, expires_at__gte=Now()).exclude(holder="").first()
    return (row.holder, row.expires_at) if row else None


class Keeper:
    """Holds the lease for one scheduler process: renews it, or takes it over when it is free."""

    def __init__(self, lease):
        self.lease = lease
        self.active = False

    def tick(self):
        close_old_connections()
        try:
            was_active = self.active
            self.active = self.lease.renew() if was_active else self.lease.acquire()
            if self.active and not was_active:
                logger.warning("Scheduler %s holds the lease: it runs the jobs.", self.lease.holder)
            elif was_active and not self.active:
                logger.warning("Scheduler %s lost the lease: it is on standby.", self.lease.holder)
        except Exception:
            # The database or Redis does not answer: fire nothing until a renewal succeeds again.
            self.active = False
            logger.exception("Scheduler %s could not reach its lease.", self.lease.holder)

    def fire(self, enqueue, *args, **kwargs):
        """A trigger's call: enqueue the task only while this process holds the lease."""
        close_old_connections()
        try:
            if self.active and self.lease.owned():
                return enqueue(*args, **kwargs)
        finally:
            close_old_connections()
        return None


def guard_jobs(scheduler, keeper):
    """Route every crontask trigger through the keeper, so that standbys keep time but enqueue nothing."""
    for job in scheduler.get_jobs():
        job.modify(func=partial(keeper.fire, job.func))


def renew_every() -> float:
    return max(1.0, settings.SCHEDULER_LEASE_SECONDS / 3)


def start_keeping(scheduler, keeper):
    """The keeper runs at once (the first scheduler starts firing immediately), then every few seconds."""
    keeper.tick()
    scheduler.add_job(keeper.tick, IntervalTrigger(seconds=renew_every()), name="newsroom.scheduler.lease",
                      max_instances=1, coalesce=True)


@dataclass(frozen=True)
class JobStatus:
    job: object  # newsroom.jobs.Job
    last: object  # the newest DBTaskResult of its task, or None
    next_run: datetime | None

    @property
    def error(self) -> str:
        """The failure in one line: the exception and its message, as the traceback's last line says."""
        if not self.last or not self.last.exception_class_path:
            return ""
        lines = self.last.traceback.strip().splitlines()
        return lines[-1] if lines else self.last.exception_class_path


def overview(jobs, *, now=None) -> list[JobStatus]:
    """Each job with its last run (from the task results the worker keeps) and its next run by the schedule."""
    now = now or timezone.now()
    return [
        JobStatus(job, DBTaskResult.objects.filter(task_path=job.task.module_path).order_by("-enqueued_at").first(),
                  job.trigger.get_next_fire_time(None, now))
        for job in jobs
    ]
