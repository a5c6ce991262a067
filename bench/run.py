#!/usr/bin/env python
"""Load benchmark: seed N articles, start gunicorn (2 workers) and measure pages with wrk.

    .venv/bin/python bench/run.py --articles 100000 [--database-url postgres://…] [--duration 5] [--rounds 3] [--connections 32]

Each page is measured side by side with /healthz (the framework's floor), in rounds: each
measurement of a page sits between two of /healthz and its ratio is to their mean, because this
VM's speed drifts by up to 20% within a run; the median round is reported with the range.
Three times: with the anonymous page cache (what anonymous readers get), with fragments only
(page cache off: what signed-in readers get) and with nothing cached (the cold path, e.g. the
first reader after a change). Each page's p50 is also given as a ratio to the front page's
(page 1 of the listing). Results are printed as a table and written to bench/results.json.
"""

import argparse
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work"
PYTHON = sys.executable


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(args, page_seconds, fragment_seconds):
    env = {
        **os.environ,
        "DEBUG": "0", "SECRET_KEY": "bench-" + "x" * 50, "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0", "MEDIA_ROOT": str(WORK / "media"), "STATIC_ROOT": str(WORK / "static"),
        "PUBLIC_CACHE_SECONDS": str(page_seconds), "FRAGMENT_CACHE_SECONDS": str(fragment_seconds),
        "LOG_LEVEL": "WARNING",
        "DATABASE_URL": args.database_url or f"sqlite:///{WORK / f'bench-{args.articles}.sqlite3'}",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


def create_postgres_database(url):
    """The benchmark's PostgreSQL database, created if it does not exist yet (like SQLite's file)."""
    import psycopg
    from urllib.parse import urlsplit

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(urlsplit(url)._replace(path="/postgres").geturl(), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def manage(env, *command):
    subprocess.run([PYTHON, "manage.py", *command], cwd=ROOT, env=env, check=True)


def wrk(url, args, duration=None):
    out = subprocess.run(
        ["wrk", "-t2", f"-c{args.connections}", f"-d{duration or args.duration}s", "--latency", url],
        capture_output=True, text=True, check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": latency.get("50"), "p99": latency.get("99"), "errors": int(non_2xx.group(1)) if non_2xx else 0}


def milliseconds(latency):
    """wrk's "850.00us", "14.31ms" or "1.02s" in milliseconds."""
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", latency).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


def serve(env, port):
    server = subprocess.Popen(
        [str(Path(PYTHON).parent / "gunicorn"), "newsroom.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}",
         "--access-logfile", "/dev/null", "--error-logfile", str(WORK / "gunicorn.log")],
        cwd=ROOT, env=env,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start; see bench/work/gunicorn.log")


def measure_mode(port, pages, args):
    """Each page is measured `args.rounds` times, each time between two /healthz runs, and its ratio
    is to their mean: this VM's speed drifts by up to 20% within a run, faster than a page is
    measured. The median round is reported, with the range of the rounds' ratios."""
    def measure(path):
        url = f"http://127.0.0.1:{port}{path}"
        status = urllib.request.urlopen(url, timeout=30).status
        return {"path": path, "status": status, **wrk(url, args)}

    floors = [measure("/healthz")]
    run = {}
    for name, path in pages.items():
        # Unrecorded: both workers compile the templates and fill their own (local memory) caches.
        wrk(f"http://127.0.0.1:{port}{path}", args, duration=1)
        rounds = []
        for _ in range(args.rounds):
            page = measure(path)
            floors.append(measure("/healthz"))
            page["ratio_to_healthz"] = round(page["rps"] / ((floors[-2]["rps"] + floors[-1]["rps"]) / 2), 2)
            rounds.append(page)
        rounds.sort(key=lambda page: page["ratio_to_healthz"])
        run[name] = {**rounds[len(rounds) // 2], "ratio_range": [rounds[0]["ratio_to_healthz"], rounds[-1]["ratio_to_healthz"]],
                     "rounds": rounds}
    rates = sorted(floor["rps"] for floor in floors)
    run = {"/healthz": {**floors[0], "rps": rates[len(rates) // 2], "ratio_to_healthz": 1.0,
                        "ratio_range": [round(rates[0] / rates[len(rates) // 2], 2), round(rates[-1] / rates[len(rates) // 2], 2)],
                        "runs": floors},
           **run}
    page_one = milliseconds(run["front page"]["p50"])  # page 1 of the listing
    for measured in run.values():
        measured["p50_to_page_one"] = round(milliseconds(measured["p50"]) / page_one, 2)
    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=5, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="measurements of each page")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--database-url", help="default: a SQLite file under bench/work/")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: sudo apt-get install wrk (make bench installs it)")
    WORK.mkdir(exist_ok=True)
    env = environment(args, page_seconds=600, fragment_seconds=600)
    if env["DATABASE_URL"].startswith(("postgres://", "postgresql://")):
        create_postgres_database(env["DATABASE_URL"])
    manage(env, "migrate", "--no-input", "-v0")
    manage(env, "collectstatic", "--no-input", "-v0")
    subprocess.run([PYTHON, str(ROOT / "bench" / "seed.py"), str(args.articles)], cwd=ROOT, env=env, check=True)

    # The front page's "Latest" list pages through every article (12 a page).
    deep_page = max(2, min(5000, args.articles // 12 - 1))
    pages = {
        "front page": "/",
        "article": f"/articles/bench-{args.articles // 2}/",
        "listing page 2": "/?page=2",
        f"listing page {deep_page}": f"/?page={deep_page}",
        "search": "/search/?q=harbour+library",
    }
    results = {"machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cores, {platform.python_version()}",
               "articles": args.articles, "database": env["DATABASE_URL"].split(":")[0],
               "connections": args.connections, "duration_s": args.duration, "rounds": args.rounds, "runs": {}}
    modes = (("page cache", 600, 600), ("fragments", 0, 600), ("no cache", 0, 0))
    for label, page_seconds, fragment_seconds in modes:
        port = free_port()
        server = serve(environment(args, page_seconds, fragment_seconds), port)
        try:
            results["runs"][label] = measure_mode(port, pages, args)
        finally:
            server.terminate()
            server.wait()

    print(f"\n{results['machine']} · {args.articles} articles · {results['database']} · "
          f"{args.connections} connections · {args.rounds} rounds of {args.duration}s per page")
    for label, run in results["runs"].items():
        print(f"\n{label:>10} | {'page':<20} {'req/s':>7} {'× healthz':>9} {'(range)':>11} {'p50':>9} {'p99':>9}"
              f" {'p50 × page 1':>12}")
        for name, m in run.items():
            low, high = m["ratio_range"]
            print(f"{'':>10} | {name:<20} {m['rps']:>7.0f} {m['ratio_to_healthz']:>9.2f} {f'({low:.2f}–{high:.2f})':>11}"
                  f" {m['p50']:>9} {m['p99']:>9} {m['p50_to_page_one']:>12.2f}")
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
