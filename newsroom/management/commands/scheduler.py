"""Run the clock: enqueue newsroom/jobs.py's periodic jobs on their cron schedules, as the one active scheduler.

Start as many as you like (one per machine is usual): one holds the lease and enqueues, the others stand by and
take over within SCHEDULER_LEASE_SECONDS when it dies. SIGTERM (or SIGINT, SIGHUP) stops it and releases the
lease at once, so a standby takes over without waiting for it to expire.
"""

import signal

from crontask import scheduler
from crontask.management.commands.crontask import kill_softly
from django.core.management.base import BaseCommand

from newsroom import jobs
from newsroom import scheduler as clock


class Command(BaseCommand):
    help = "Enqueue the periodic jobs (scheduled publishing, claim expiry, ...) as the one active scheduler."

    def handle(self, *args, **options):
        keeper = clock.Keeper(clock.lease())
        clock.guard_jobs(scheduler, keeper)
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, kill_softly)
        for job in jobs.JOBS:
            self.stdout.write(f"{job.crontab:<12} {job.task.module_path}")
        self.stdout.write(f"Scheduler {keeper.lease.holder} starting.")
        try:
            clock.start_keeping(scheduler, keeper)
            scheduler.start()
        except KeyboardInterrupt as stop:
            self.stdout.write(str(stop))
            scheduler.shutdown(wait=False)
        finally:
            keeper.lease.release()
            self.stdout.write(f"Scheduler {keeper.lease.holder} stopped; lease released.")
