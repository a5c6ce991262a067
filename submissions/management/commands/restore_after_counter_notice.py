from django.core.management.base import BaseCommand

from submissions import takedowns


class Command(BaseCommand):
    help = ("Restore the articles of counter-noticed takedown cases whose waiting period is over and that "
            "went to no court (idempotent; run it daily or more often).")

    def handle(self, *args, **options):
        restored = takedowns.restore_due()
        self.stdout.write(f"{restored} case(s) restored.")
