from django.core.management.base import BaseCommand

from submissions.takedowns import workflow


class Command(BaseCommand):
    help = ("Restore the articles of counter-noticed takedown cases whose waiting period is over and that "
            "went to no court (idempotent; run it daily or more often).")

    def handle(self, *args, **options):
        restored = workflow.restore_due()
        self.stdout.write(f"{restored} case(s) restored.")
