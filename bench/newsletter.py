#!/usr/bin/env python
"""Newsletter benchmark: queue an edition for N confirmed subscribers, then send part of it to a local SMTP server.

    .venv/bin/python bench/newsletter.py [--subscribers 100000] [--send 3000] [--database-url postgres://…]

1. Queueing: `newsletter_editions.start()` (one INSERT … SELECT for the deliveries, then the batch tasks
   enqueued by keyset) — wall time, and the process's peak memory (RSS high-water mark) before and after.
2. Sending: `send_batch` run in this process over the first --send deliveries against aiosmtpd on
   127.0.0.1, unthrottled (NEWSLETTER_SEND_RATE=0) — messages per second, and RSS every 500 messages
   (flat means nothing accumulates per message).
The database is a fresh SQLite file under bench/work/ unless --database-url is given: an empty scratch
database (never real data: its subscribers and editions are deleted first).
"""

import argparse
import os
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work"


def rss_mb():
    """Current resident memory, from /proc (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--send", type=int, default=3000)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    WORK.mkdir(parents=True, exist_ok=True)
    database_url = args.database_url or f"sqlite:///{WORK / 'newsletter.sqlite3'}"
    if not args.database_url:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{WORK / 'newsletter.sqlite3'}{suffix}").unlink(missing_ok=True)
    port = free_port()
    os.environ.update({
        "DEBUG": "1", "DATABASE_URL": database_url, "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port), "SITE_URL": "https://news.example", "NEWSLETTER_SEND_RATE": "0",
        "NEWSLETTER_BOUNCE_EMAIL": "bounces@news.example", "DJANGO_SETTINGS_MODULE": "newsroom.settings",
    })
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, check=True)

    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from aiosmtpd.controller import Controller
    from django.db import connection

    from articles import newsletter_editions
    from articles.models import Delivery, Edition, NewsletterSubscriber
    from tests import factories

    NewsletterSubscriber.objects.all().delete()
    Edition.objects.all().delete()
    table = NewsletterSubscriber._meta.db_table
    with connection.cursor() as cursor:  # seeding only: the fastest way in, not what is measured
        step = 10_000
        for start in range(0, args.subscribers, step):
            rows = [(f"reader{n}@example.com", "en", "confirmed") for n in range(start, min(start + step, args.subscribers))]
            cursor.executemany(
                f"INSERT INTO {table} (email, language, status, created_at, suppression_reason) "
                "VALUES (%s, %s, %s, CURRENT_TIMESTAMP, '')", rows)
    factories.article(title="Harbour bridge reopens", featured=True)
    factories.article(title="Market report")

    edition = newsletter_editions.compose(language="en")
    before_rss, before_peak = rss_mb(), peak_mb()
    began = time.perf_counter()
    edition = newsletter_editions.start(edition)
    queued_seconds = time.perf_counter() - began
    print(f"database: {connection.vendor}; subscribers: {args.subscribers:,}")
    print(f"queue an edition: {queued_seconds:.2f} s for {edition.recipients_count:,} deliveries; "
          f"RSS {before_rss:.0f} MB before, peak {peak_mb():.0f} MB after (peak before: {before_peak:.0f} MB)")

    class Sink:
        count = 0

        async def handle_DATA(self, server, session, envelope):
            Sink.count += 1
            return "250 OK"

    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        ids = list(Delivery.objects.filter(edition=edition).order_by("id").values_list("id", flat=True)[: args.send])
        size, samples = 500, []
        began = time.perf_counter()
        for index in range(0, len(ids), size):
            chunk = ids[index:index + size]
            newsletter_editions.send_batch.call(edition_id=edition.pk, first_id=chunk[0], last_id=chunk[-1])
            samples.append(f"{rss_mb():.0f}")
        seconds = time.perf_counter() - began
    finally:
        controller.stop()
    print(f"send: {Sink.count:,} messages in {seconds:.1f} s = {Sink.count / seconds:.0f} messages/s "
          f"(unthrottled, one process); RSS every {size} messages (MB): {' '.join(samples)}")


if __name__ == "__main__":
    main()
