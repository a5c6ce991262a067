"""Read the copyright mailbox into takedown cases.

    manage.py ingest_takedown_mail                 # IMAP, from the TAKEDOWN_IMAP_* settings
    manage.py ingest_takedown_mail --maildir PATH  # a Maildir (handled mail is marked seen)
    manage.py ingest_takedown_mail --mbox PATH     # an mbox file (left as it is)
    manage.py ingest_takedown_mail -               # one message on standard input (from the mail server)

Idempotent by Message-ID: run it as often as you like. Exit status as mail servers expect
(sysexits.h): 0 done (a message that is not an email is quarantined: done too), 75 (EX_TEMPFAIL)
when the database or the mailbox does not answer: the mail stays where it is, try again later.
"""

import ssl
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import Error as DatabaseError

from submissions import mail_intake
from submissions.mail_sources import ImapSource, MailSourceError, from_maildir, from_mbox, from_stdin

EX_TEMPFAIL = 75


def imap_source() -> ImapSource:
    if not settings.TAKEDOWN_IMAP_HOST:
        raise CommandError("No mailbox: give --maildir PATH, --mbox PATH or - (standard input), "
                           "or set TAKEDOWN_IMAP_HOST and the other TAKEDOWN_IMAP_* settings.")
    context = ssl.create_default_context(cafile=settings.TAKEDOWN_IMAP_CA_FILE or None)
    return ImapSource(
        settings.TAKEDOWN_IMAP_HOST, settings.TAKEDOWN_IMAP_PORT, settings.TAKEDOWN_IMAP_USER,
        settings.TAKEDOWN_IMAP_PASSWORD, settings.TAKEDOWN_IMAP_FOLDER,
        done_folder=settings.TAKEDOWN_IMAP_DONE_FOLDER, quarantine_folder=settings.TAKEDOWN_IMAP_QUARANTINE_FOLDER,
        ssl=settings.TAKEDOWN_IMAP_SSL, starttls=settings.TAKEDOWN_IMAP_STARTTLS, ssl_context=context,
    )


class Command(BaseCommand):
    help = "Turn the copyright mailbox (IMAP, a Maildir, an mbox or one message on stdin) into takedown cases."
    # No system checks: some query the database, and a database that does not answer must give
    # EX_TEMPFAIL (from handle), not a traceback and exit status 1, to the mail server piping into us.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("stdin", nargs="?", choices=["-"], help="read one raw message from standard input")
        parser.add_argument("--maildir", metavar="PATH", help="read a Maildir instead of the IMAP mailbox")
        parser.add_argument("--mbox", metavar="PATH", help="read an mbox file instead of the IMAP mailbox")
        parser.add_argument("--include-seen", action="store_true",
                            help="with --maildir: read messages already marked seen too (they are duplicates)")

    def handle(self, *args, stdin=None, maildir=None, mbox=None, include_seen=False, verbosity=1, **options):
        if sum(bool(x) for x in (stdin, maildir, mbox)) > 1:
            raise CommandError("Give one of -, --maildir or --mbox.")

        def report(message, result):
            if verbosity >= 2:
                where = f" {result.case.reference}" if result.case else ""
                why = f": {result.reason}" if result.reason else ""
                self.stdout.write(f"{message.source_id}: {result.outcome}{where}{why}")

        try:
            if stdin:
                summary = mail_intake.ingest(from_stdin(), on_result=report)
            elif maildir:
                summary = mail_intake.ingest(from_maildir(maildir, skip_seen=not include_seen), on_result=report)
            elif mbox:
                summary = mail_intake.ingest(from_mbox(mbox), on_result=report)
            else:
                with imap_source() as source:
                    summary = mail_intake.ingest(source, on_result=report)
        except (MailSourceError, DatabaseError) as error:
            self.stderr.write(f"ingest_takedown_mail: try again later: {type(error).__name__}: {error}")
            sys.exit(EX_TEMPFAIL)
        if verbosity >= 1:
            self.stdout.write(summary.line())
