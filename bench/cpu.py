#!/usr/bin/env python
"""CPU time per request, in-process: what a page costs the server whatever else loads the machine.

    .venv/bin/python bench/cpu.py --database-url sqlite:////path/to/bench.sqlite3 [--requests 300] [--profile NAME]

The database must hold the benchmark's articles (bench/run.py or bench/seed.py seed them). Production
settings (DEBUG=0: the cached template loader); each page goes through the whole middleware stack with
Django's test client, and its cost is `time.process_time()` over --requests requests after a warm-up
(the median of five batches). Pages, as bench/run.py measures them:
- /healthz (the floor);
- the article with nothing cached (page cache and fragments off: the cold path after a change);
- the front page for a signed-in reader (page cache bypassed, fragments warm).
--profile NAME prints the cProfile of that page's requests instead (healthz, article, front).
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--articles", type=int, default=100_000, help="as seeded: the article is bench-<N/2>")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile", choices=["healthz", "article", "front"])
    args = parser.parse_args()
    os.environ.update({
        "DEBUG": "0", "SECRET_KEY": "bench-" + "x" * 50, "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "0", "LOG_LEVEL": "WARNING", "DATABASE_URL": args.database_url,
        "STATIC_ROOT": str(ROOT / "bench" / "work" / "static"),  # as bench/run.py: pages name hashed files
    })
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client, override_settings

    import seed

    if not (ROOT / "bench" / "work" / "static" / "staticfiles.json").exists():
        call_command("collectstatic", interactive=False, verbosity=0)
    signed_in = Client()
    name, value = seed.reader_session().split("=", 1)
    signed_in.cookies[name] = value
    signed_in.cookies["csrftoken"] = "b" * 32
    pages = {
        "healthz": (Client(), "/healthz", {}),
        "article": (Client(), f"/articles/bench-{args.articles // 2}/",
                    {"PUBLIC_CACHE_SECONDS": 0, "FRAGMENT_CACHE_SECONDS": 0}),
        "front": (signed_in, "/", {}),
    }
    for label, (client, path, overrides) in pages.items():
        if args.profile and label != args.profile:
            continue
        with override_settings(**overrides):
            for _ in range(20):  # templates compiled, fragments cached, connection open
                assert client.get(path).status_code == 200, path
            if args.profile:
                profile = cProfile.Profile()
                profile.enable()
                for _ in range(args.requests):
                    client.get(path)
                profile.disable()
                pstats.Stats(profile).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(int(os.environ.get("LINES", "60")))
                continue
            batches = []
            for _ in range(5):
                start = time.process_time()
                for _ in range(args.requests // 5):
                    client.get(path)
                batches.append((time.process_time() - start) / (args.requests // 5) * 1000)
        print(f"{label:>8} {path:<28} {statistics.median(batches):6.2f} ms CPU per request "
              f"(batches {min(batches):.2f}–{max(batches):.2f})")


if __name__ == "__main__":
    main()
