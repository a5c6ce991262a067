"""Send the due newsletter edition of a language now (what the scheduler runs each week):

    manage.py send_newsletter --language en [--dry-run]

Due, in order: an edition being sent (its remaining deliveries are picked up after a crash), a
scheduled edition whose time has come, else this week's edition composed from the stories since the
last one. Nothing when this week's edition has already gone out, or when there is no new story.
The messages themselves are sent by `db_worker` (queue `mail`), throttled to NEWSLETTER_SEND_RATE.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from articles import newsletter_editions
from articles.models import Language, NewsletterSubscriber


class Command(BaseCommand):
    help = "Send the due newsletter edition of a language (nothing when it has already gone out)."

    def add_arguments(self, parser):
        parser.add_argument("--language", required=True, choices=Language.values)
        parser.add_argument("--dry-run", action="store_true", help="Say what would be sent; change nothing.")

    def handle(self, *args, language, dry_run, verbosity=1, **options):
        if dry_run:
            plan = newsletter_editions.due(language)
            self.stdout.write(f"{plan.action}: {plan.reason}.")
            if plan.action in ("send", "compose"):
                self._describe(plan, language)
            return
        try:
            plan, edition = newsletter_editions.send_due_edition(language)
        except newsletter_editions.EditionError as error:
            raise CommandError(str(error)) from error
        if verbosity:
            self.stdout.write(f"{plan.action}: {plan.reason}.")
            if edition is not None and plan.action != "nothing":
                self.stdout.write(f"Edition {edition.pk}: {edition.recipients_count} recipients queued.")

    def _describe(self, plan, language):
        if plan.edition is not None:
            stories = newsletter_editions.stories(plan.edition)
        else:
            since, until = newsletter_editions.period_for(language, now=timezone.now())
            stories = newsletter_editions.choose_stories(language, since=since, until=until)
        recipients = NewsletterSubscriber.objects.filter(
            language=language, status=NewsletterSubscriber.Status.CONFIRMED
        ).count()
        self.stdout.write(f"{len(stories)} stories to {recipients} confirmed subscribers:")
        for article in stories:
            self.stdout.write(f"  {'* ' if article.featured else '  '}{article.title}")
