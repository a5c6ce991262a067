"""`manage.py worker`: django-tasks-db's `db_worker` with leases and retries (newsroom/background.py).

Same options as `db_worker` (--queue-name, --batch, --interval, --max-tasks, ...) and the same graceful
stop: on SIGTERM the current task finishes, then the worker exits.
"""

import logging
import os
import threading

from django.conf import settings
from django.core.management.base import CommandError
from django.db import close_old_connections, connection
from django.tasks import TaskResultStatus
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from newsroom import background

logger = logging.getLogger("django_tasks_db")


class Worker(db_worker.Worker):
    def run(self) -> None:
        queues = ",".join(self.queue_names)
        background.heartbeat(self.worker_id, queues)  # before the first claim: a claimed task always has a lease
        background.recover_abandoned()
        stop = threading.Event()
        beating = threading.Thread(target=self._heartbeat, args=(stop, queues), name="heartbeat", daemon=True)
        beating.start()
        try:
            super().run()
        finally:
            stop.set()
            beating.join()
            background.sign_off(self.worker_id)

    def _heartbeat(self, stop: threading.Event, queues: str) -> None:
        """Keep this worker's lease while a task runs, however long, and hand back other workers' lost tasks."""
        try:
            while not stop.wait(settings.TASK_LEASE_SECONDS / 4):
                try:
                    close_old_connections()
                    background.heartbeat(self.worker_id, queues)
                    background.recover_abandoned()
                except Exception:  # the database may be briefly away: try again at the next beat
                    logger.exception("Heartbeat of worker_id=%s failed", self.worker_id)
        finally:
            connection.close()  # this thread's own connection

    def run_task(self, db_task_result: DBTaskResult) -> None:
        super().run_task(db_task_result)
        if db_task_result.status == TaskResultStatus.FAILED:
            background.retry_later(db_task_result)


class Command(db_worker.Command):
    help = "Run a background worker: db_worker with leases (tasks of killed workers come back) and retries."

    def handle(self, *, verbosity, queue_name, interval, batch, backend_name, startup_delay, reload, max_tasks,
               worker_id, exclude_queues, **options):
        # db_worker's handle, building our Worker: the library offers no hook for the class.
        self.configure_logging(verbosity)
        if reload and batch:
            reload = False
        queue_names = queue_name.split(",")
        excluded_queue_names = exclude_queues.split(",") if exclude_queues else []
        if excluded_queue_names and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = Worker(queue_names=queue_names, interval=interval, batch=batch, backend_name=backend_name,
                        startup_delay=startup_delay, max_tasks=max_tasks, worker_id=worker_id,
                        excluded_queue_names=excluded_queue_names)
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
