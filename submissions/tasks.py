"""Background work of the takedown workflow, for `db_worker` (cron can run the commands instead)."""

from django.tasks import task

from submissions import takedowns


@task
def restore_after_counter_notice() -> int:
    """Restore the cases whose counter-notice waiting period is over (idempotent)."""
    return takedowns.restore_due()


@task
def ingest_takedown_mailbox() -> str:
    """Read the IMAP copyright mailbox once; returns the summary line."""
    from submissions import mail_intake
    from submissions.management.commands.ingest_takedown_mail import imap_source

    with imap_source() as source:
        return mail_intake.ingest(source).line()
