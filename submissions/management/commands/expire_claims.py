from django.core.management.base import BaseCommand

from submissions import moderation


class Command(BaseCommand):
    help = "Return submissions whose moderator claim has lapsed to the queue (safe to run every minute)."

    def handle(self, *args, **options):
        expired = moderation.expire_claims()
        self.stdout.write(f"{expired} claim(s) expired.")
