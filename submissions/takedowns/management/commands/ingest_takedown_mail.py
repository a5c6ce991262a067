"""`ingest_takedown_mail`: the older name of `ingest_mail` (newsroom), with the same options and exit codes.

Kept so that mail servers piping the copyright address into it, and cron lines, keep working; the
inbound mechanism routes each message by its recipient whichever name started it.
"""

from newsroom.management.commands.ingest_mail import Command as IngestMail


class Command(IngestMail):
    help = "An alias of ingest_mail: " + IngestMail.help
    name = "ingest_takedown_mail"
