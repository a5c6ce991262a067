"""Background work of the project package, enqueued by the scheduler (newsroom/jobs.py)."""

from django.tasks import task

from newsroom import inbound


@task
def read_mailbox() -> str:
    """Read the IMAP mailbox of the settings once (as `ingest_mail` does); returns the summary line."""
    return inbound.read_mailbox().line()
