"""The site's periodic jobs: what runs, and when. The one list; `manage.py scheduler` keeps the time.

Each job is a `django.tasks` task that calls the same function as its management command, so a rule lives in one
place (the workflow module) whether cron, an operator or the scheduler runs it. The scheduler only enqueues
(django-crontask); the worker runs the task, and its result (status, times, error) is what the admin shows.
Like the root URLconf, this module names the apps' tasks; the rules stay in the apps.
"""

from dataclasses import dataclass

from apscheduler.triggers.cron import CronTrigger
from crontask import cron
from django.conf import settings
from django.core.management import call_command
from django.tasks import Task, task, task_backends
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_tasks_db.backend import DatabaseBackend

from articles import tasks as articles_tasks
from newsroom import inbound
from newsroom import tasks as newsroom_tasks
from submissions import tasks as submissions_tasks
from submissions.takedowns import tasks as takedowns_tasks


@dataclass(frozen=True)
class Job:
    task: Task
    crontab: str  # minute hour day month day-of-week, in TIME_ZONE
    description: Promise
    period: Promise  # the crontab in words
    trigger: CronTrigger


JOBS: list[Job] = []


def schedule(task: Task, crontab: str, *, description, period) -> None:
    trigger = CronTrigger.from_crontab(crontab, timezone=timezone.get_default_timezone())
    cron(trigger, sentry_monitor_config=None)(task)
    JOBS.append(Job(task, crontab, description, period, trigger))


@task
def prune_task_results() -> None:
    """Delete finished task results older than TASK_RESULTS_KEEP_DAYS (django-tasks-db's own command)."""
    if isinstance(task_backends["default"], DatabaseBackend):  # the immediate backend keeps no results
        call_command("prune_db_task_results", queue_name="*", min_age_days=settings.TASK_RESULTS_KEEP_DAYS,
                     verbosity=0)


schedule(articles_tasks.publish_scheduled, "* * * * *",
         description=_("Publish scheduled stories"), period=_("every minute"))
schedule(submissions_tasks.expire_claims, "* * * * *",
         description=_("Return lapsed moderation claims to the queue"), period=_("every minute"))
schedule(takedowns_tasks.restore_after_counter_notice, "*/5 * * * *",
         description=_("Restore stories whose counter-notice period is over"), period=_("every 5 minutes"))
if inbound.mailbox_configured():
    schedule(newsroom_tasks.read_mailbox, "* * * * *",
             description=_("Read the incoming mailbox"), period=_("every minute"))
schedule(submissions_tasks.delete_stale_photos, "17 * * * *",
         description=_("Delete photos kept for forms never sent"), period=_("hourly"))
schedule(prune_task_results, "43 3 * * *",
         description=_("Delete old task results"), period=_("daily"))
schedule(articles_tasks.send_newsletters, settings.NEWSLETTER_SCHEDULE,
         description=_("Send the weekly newsletter"), period=_("weekly"))
schedule(articles_tasks.send_scheduled_newsletters, "*/5 * * * *",
         description=_("Send newsletter editions scheduled by hand, and finish stalled sendings"),
         period=_("every 5 minutes"))
