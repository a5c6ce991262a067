"""Publish every scheduled article whose time has come. Safe to run from cron every minute:

    * * * * *  cd /srv/newsroom && .venv/bin/python manage.py publish_scheduled --verbosity 0

Each article is locked while it moves, so overlapping runs never publish anything twice.
"""

from django.core.management.base import BaseCommand

from articles import publishing


class Command(BaseCommand):
    help = "Publish scheduled articles whose publication time has passed."

    def handle(self, *args, verbosity=1, **options):
        count = publishing.publish_due()
        if verbosity:
            self.stdout.write(f"Published {count} scheduled article{'s' if count != 1 else ''}.")
