"""Background work of takedowns, enqueued by the scheduler (newsroom/jobs.py) or run by hand as a command."""

from django.tasks import task

from submissions.takedowns import workflow


@task
def restore_after_counter_notice() -> int:
    """Restore the cases whose counter-notice waiting period is over (idempotent)."""
    return workflow.restore_due()
