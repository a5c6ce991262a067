"""Read incoming mail into the inbound mechanism (newsroom/inbound.py): every route, one command.

    manage.py ingest_mail                 # IMAP, from the MAIL_IMAP_* settings (or the older TAKEDOWN_IMAP_*)
    manage.py ingest_mail --maildir PATH  # a Maildir (handled mail is marked seen)
    manage.py ingest_mail --mbox PATH     # an mbox file (left as it is)
    manage.py ingest_mail -               # one message on standard input (from the mail server)

Each message is stored once (Message-ID and checksum): run it as often as you like. Each run
first retries the messages whose handler failed earlier. Exit status as mail servers expect
(sysexits.h): 0 done (stored: handled, quarantined, or kept to retry), 75 (EX_TEMPFAIL) when the
database or the mailbox does not answer: the mail stays where it is, try again later.
"""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import Error as DatabaseError

from newsroom import inbound
from newsroom.mail_sources import MailSourceError, from_maildir, from_mbox, from_stdin

EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Read incoming mail (IMAP, a Maildir, an mbox or one message on stdin) and hand it to its route."
    name = "ingest_mail"  # in messages; the alias ingest_takedown_mail names itself
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
        if not (stdin or maildir or mbox or inbound.mailbox_configured()):
            raise CommandError("No mailbox: give --maildir PATH, --mbox PATH or - (standard input), "
                               "or set MAIL_IMAP_HOST (or TAKEDOWN_IMAP_HOST) and the other MAIL_IMAP_* settings.")

        def report(source_id, result):
            if verbosity >= 2:
                where = f" {result.reference}" if result.reference else ""
                why = f": {result.reason}" if result.reason else ""
                self.stdout.write(f"{source_id}: {result.outcome}{where}{why}")

        try:
            if stdin:
                summary = inbound.ingest(from_stdin(), on_result=report)
            elif maildir:
                summary = inbound.ingest(from_maildir(maildir, skip_seen=not include_seen), on_result=report)
            elif mbox:
                summary = inbound.ingest(from_mbox(mbox), on_result=report)
            else:
                with inbound.imap_source() as source:
                    summary = inbound.ingest(source, on_result=report)
        except (MailSourceError, DatabaseError) as error:
            self.stderr.write(f"{self.name}: try again later: {type(error).__name__}: {error}")
            sys.exit(EX_TEMPFAIL)
        if verbosity >= 1:
            self.stdout.write(summary.line())
