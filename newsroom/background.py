"""Background work that is never lost or doubled: leases, retries and the workers' heartbeat.

`manage.py worker` (newsroom/management/commands/worker.py) is django-tasks-db's worker plus these rules:

- Leases. A worker records itself in `TaskWorker` and heartbeats every TASK_LEASE_SECONDS / 4 from a thread
  of its own, so a long task keeps its lease. A RUNNING task whose worker has not heartbeated for
  TASK_LEASE_SECONDS (killed, out of memory, its machine gone) is handed back: READY again, or FAILED once
  it has used its attempts. Every worker looks for such tasks when it starts and at each heartbeat.
- Retries. A task that raises is run again after TASK_RETRY_BACKOFF_SECONDS × 2^(attempt − 1), until it has
  had TASK_RETRY_MAX_ATTEMPTS attempts; then it stays FAILED, its error in the admin. Attempts are the task
  row's worker ids (django-tasks-db appends one per claim), so a run cut short by a killed worker counts too.

So every task runs at least once and may run again: each one must be safe to repeat. Covers are drawn from
the article as it is; an email claims its outbox record before sending (newsroom/mail.py).
"""

import logging
import os
import socket
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from newsroom.models import TaskWorker

logger = logging.getLogger(__name__)

# A stopped worker's row stays this long so the admin shows what stopped and when; then it is deleted.
FORGET_WORKERS_AFTER = timedelta(days=1)


class LeaseExpired(Exception):
    """Recorded on a task whose worker stopped heartbeating while running it."""


def lease() -> timedelta:
    return timedelta(seconds=settings.TASK_LEASE_SECONDS)


def retry_delay(attempt: int) -> timedelta | None:
    """How long to wait before the attempt after `attempt` (1 = the first run); None when none is left."""
    if attempt >= settings.TASK_RETRY_MAX_ATTEMPTS:
        return None
    return timedelta(seconds=settings.TASK_RETRY_BACKOFF_SECONDS * 2 ** (max(attempt, 1) - 1))


def retried_by_worker(task) -> bool:
    """Whether a failure of `task` comes back: only the database backend's tasks are worked by `worker`."""
    return isinstance(task.get_backend(), DatabaseBackend)


def will_retry(context) -> bool:
    """Inside a task (takes_context=True): whether this attempt, if it fails, is followed by another."""
    return retried_by_worker(context.task_result.task) and retry_delay(context.attempt) is not None


def enqueue_with_transaction(task, *args, **kwargs) -> None:
    """Enqueue `task` so that it exists if, and only if, the caller's transaction commits.

    The database backend keeps its queue in our database: the task row is written in the caller's transaction,
    so a crash between the commit and an enqueue cannot lose it. Other backends run the task at once
    (the immediate backend of development and tests), so they get it after the commit.
    """
    if retried_by_worker(task):
        task.enqueue(*args, **kwargs)
    else:
        transaction.on_commit(lambda: task.enqueue(*args, **kwargs))


def worker_state(worker_id: str) -> str:
    """"alive" (heartbeating), "stopped" (its heartbeat ran out) or "unknown" (no `worker`: db_worker, immediate)."""
    seen_at = TaskWorker.objects.filter(worker_id=worker_id).values_list("seen_at", flat=True).first()
    if seen_at is None:
        return "unknown"
    return "alive" if seen_at >= timezone.now() - lease() else "stopped"


def heartbeat(worker_id: str, queues: str) -> None:
    now = timezone.now()
    if not TaskWorker.objects.filter(worker_id=worker_id).update(seen_at=now):
        TaskWorker.objects.create(worker_id=worker_id, queues=queues[:200], hostname=socket.gethostname()[:255],
                                  pid=os.getpid(), started_at=now, seen_at=now)


def sign_off(worker_id: str) -> None:
    """A worker that stops cleanly has finished its task: nothing of its needs handing back."""
    TaskWorker.objects.filter(worker_id=worker_id).delete()


def recover_abandoned() -> int:
    """Hand back the RUNNING tasks whose worker stopped heartbeating; returns how many."""
    now = timezone.now()
    cutoff = now - lease()
    live = set(TaskWorker.objects.filter(seen_at__gte=cutoff).values_list("worker_id", flat=True))
    recovered = 0
    # started_at too: a task claimed by a worker with no heartbeat row (db_worker) gets a whole lease to finish.
    for row in DBTaskResult.objects.running().filter(started_at__lt=cutoff).only("id", "started_at", "worker_ids"):
        holder = row.worker_ids[-1] if row.worker_ids else ""
        if holder in live:
            continue
        attempts = len(row.worker_ids)
        note = (f"{LeaseExpired.__module__}.{LeaseExpired.__qualname__}: worker {holder} stopped heartbeating "
                f"during attempt {attempts} (started {row.started_at.isoformat()})\n")
        still_abandoned = DBTaskResult.objects.filter(pk=row.pk, status=TaskResultStatus.RUNNING,
                                                      started_at=row.started_at)
        fields = {"exception_class_path": f"{LeaseExpired.__module__}.{LeaseExpired.__qualname__}", "traceback": note}
        if retry_delay(attempts) is None:
            handed = still_abandoned.update(status=TaskResultStatus.FAILED, finished_at=now, **fields)
        else:
            handed = still_abandoned.update(status=TaskResultStatus.READY, run_after=now, **fields)
        if handed:
            logger.warning("Task id=%s handed back: %s", row.pk, note.strip())
        recovered += handed
    TaskWorker.objects.filter(seen_at__lt=now - FORGET_WORKERS_AFTER).delete()
    return recovered


def retry_later(db_task_result: DBTaskResult) -> bool:
    """After a failed attempt: put the task back with its backoff, or leave it FAILED. True when retried."""
    attempt = len(db_task_result.worker_ids)
    delay = retry_delay(attempt)
    if delay is None:
        logger.error("Task id=%s failed for good after %d attempts", db_task_result.pk, attempt)
        return False
    # The error of this attempt stays on the row (exception, traceback) for the admin while it waits.
    retried = DBTaskResult.objects.filter(pk=db_task_result.pk, status=TaskResultStatus.FAILED).update(
        status=TaskResultStatus.READY, run_after=timezone.now() + delay, finished_at=None)
    if retried:
        logger.warning("Task id=%s failed (attempt %d of %d); retrying in %s", db_task_result.pk, attempt,
                       settings.TASK_RETRY_MAX_ATTEMPTS, delay)
    return bool(retried)
