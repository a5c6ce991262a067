#!/usr/bin/env python
"""Load benchmark: seed N articles, start gunicorn (2 workers) and measure pages with wrk.

    .venv/bin/python bench/run.py --articles 100000 [--database-url postgres://…] [--duration 5] [--rounds 3] [--connections 32]
                                 [--modes "no cache,varnish"] [--floor /robots.txt]

Each page is measured side by side with a floor on gunicorn (default /healthz, as the issue's targets
name it; `--floor /robots.txt` is every middleware and a view that reads nothing, what /healthz cost
before it checked the database and the cache for real), in rounds: each
measurement of a page sits between two of the floor and its ratio is to their mean, because this
VM's speed drifts by up to 20% within a run; the median round is reported with the range.
Four modes:
- page cache: production settings, what anonymous readers get; a signed-in reader (a bench writer's
  session cookie) bypasses the page cache and gets fragments, warm after the unrecorded warm-up;
- fragments: page cache off, fragment cache on;
- no cache: both off, the cold path (e.g. the first reader of a page after a change);
- varnish: deploy/varnish/default.vcl in front of gunicorn (page cache on), the front page and the
  article through Varnish while the floor is measured on gunicorn.
Each page's p50 is also given as a ratio to the front page's (page 1 of the listing), and the
issue's targets are checked at the end. Results are printed and written to bench/results.json.
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


def wrk(url, args, duration=None, cookie=None):
    headers = ["-H", f"Cookie: {cookie}"] if cookie else []
    out = subprocess.run(
        ["wrk", "-t2", f"-c{args.connections}", f"-d{duration or args.duration}s", "--latency", *headers, url],
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


def varnish(backend_port):
    """varnishd with the project's VCL, its backend the bench's gunicorn (as tests/newsroom/test_http_cache.py)."""
    varnishd = shutil.which("varnishd") or shutil.which("varnishd", path="/usr/sbin:/usr/local/sbin")
    if not varnishd:
        raise SystemExit("varnishd is missing: sudo apt-get install varnish varnish-modules (make bench installs them)")
    vcl = (ROOT / "deploy" / "varnish" / "default.vcl").read_text()
    config = WORK / "varnish.vcl"
    config.write_text(vcl.replace('.port = "8000"', f'.port = "{backend_port}"'))
    port = free_port()
    # No jail (-j none): as root, varnishd would switch to a user that cannot read the work folder.
    process = subprocess.Popen(
        [varnishd, "-F", "-j", "none", "-a", f"127.0.0.1:{port}", "-n", str(WORK / "varnish"), "-f", str(config),
         "-s", "malloc,64m"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("varnishd did not start")


def measure_mode(floor_url, pages, args):
    """Each page ({name: (url, cookie)}) is measured `args.rounds` times, each time between two of the floor
    runs, and its ratio is to their mean: this VM's speed drifts by up to 20% within a run, faster than a
    page is measured. The median round is reported, with the range of the rounds' ratios."""
    def measure(url, cookie=None):
        request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
        response = urllib.request.urlopen(request, timeout=30)
        return {"url": url, "status": response.status, "x_cache": response.headers.get("X-Cache"),
                "from_varnish": len(response.headers.get("X-Varnish", "").split()) == 2, **wrk(url, args, cookie=cookie)}

    floors = [measure(floor_url)]
    run = {}
    for name, (url, cookie) in pages.items():
        # Unrecorded: both workers compile the templates and fill their own (local memory) caches.
        wrk(url, args, duration=1, cookie=cookie)
        rounds = []
        for _ in range(args.rounds):
            page = measure(url, cookie)
            floors.append(measure(floor_url))
            page["ratio_to_floor"] = round(page["rps"] / ((floors[-2]["rps"] + floors[-1]["rps"]) / 2), 2)
            rounds.append(page)
        rounds.sort(key=lambda page: page["ratio_to_floor"])
        run[name] = {**rounds[len(rounds) // 2], "ratio_range": [rounds[0]["ratio_to_floor"], rounds[-1]["ratio_to_floor"]],
                     "rounds": rounds}
    rates = sorted(floor["rps"] for floor in floors)
    run = {args.floor: {**floors[0], "rps": rates[len(rates) // 2], "ratio_to_floor": 1.0,
                        "ratio_range": [round(rates[0] / rates[len(rates) // 2], 2), round(rates[-1] / rates[len(rates) // 2], 2)],
                        "runs": floors},
           **run}
    page_one = milliseconds(run["front page"]["p50"])  # page 1 of the listing
    for measured in run.values():
        measured["p50_to_page_one"] = round(milliseconds(measured["p50"]) / page_one, 2)
    return run


# Page cache, fragment cache (seconds; 0 is off) of each mode.
MODES = {"page cache": (600, 600), "fragments": (0, 600), "no cache": (0, 0), "varnish": (600, 600)}

# The targets (issue 14): (mode, page, least ratio to the floor).
TARGETS = [
    ("varnish", "front page", 10), ("varnish", "article", 10),
    ("page cache", "front page", 0.8), ("page cache", "article", 0.8),
    ("no cache", "article", 0.1),
    ("page cache", "front page (signed in)", 0.3),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=5, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="measurements of each page")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--database-url", help="default: a SQLite file under bench/work/")
    parser.add_argument("--floor", default="/healthz", help="the path every page is compared with")
    parser.add_argument("--modes", default=",".join(MODES),
                        help=f"comma-separated, of: {', '.join(MODES)}")
    args = parser.parse_args()
    unknown = set(args.modes.split(",")) - set(MODES)
    if unknown:
        parser.error(f"unknown modes: {', '.join(sorted(unknown))}")
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: sudo apt-get install wrk (make bench installs it)")
    WORK.mkdir(exist_ok=True)
    env = environment(args, page_seconds=600, fragment_seconds=600)
    if env["DATABASE_URL"].startswith(("postgres://", "postgresql://")):
        create_postgres_database(env["DATABASE_URL"])
    manage(env, "migrate", "--no-input", "-v0")
    manage(env, "collectstatic", "--no-input", "-v0")
    subprocess.run([PYTHON, str(ROOT / "bench" / "seed.py"), str(args.articles)], cwd=ROOT, env=env, check=True)

    session = subprocess.run([PYTHON, str(ROOT / "bench" / "seed.py"), "--session"], cwd=ROOT, env=env, check=True,
                             capture_output=True, text=True).stdout.strip()
    # A browser that has seen a form page also holds a CSRF cookie: without one, every page with the
    # signed-in reader's logout form would set it again.
    signed_in = f"{session}; csrftoken={'b' * 32}"

    # The front page's "Latest" list pages through every article (12 a page).
    deep_page = max(2, min(5000, args.articles // 12 - 1))
    article = f"/articles/bench-{args.articles // 2}/"
    paths = {
        "front page": "/",
        "article": article,
        "listing page 2": "/?page=2",
        f"listing page {deep_page}": f"/?page={deep_page}",
        "search": "/search/?q=harbour+library",
    }
    results = {"machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cores, {platform.python_version()}",
               "articles": args.articles, "database": env["DATABASE_URL"].split(":")[0],
               "connections": args.connections, "duration_s": args.duration, "rounds": args.rounds,
               "floor": args.floor, "runs": {}}
    for label, (page_seconds, fragment_seconds) in MODES.items():
        if label not in args.modes.split(","):
            continue
        port = free_port()
        server = serve(environment(args, page_seconds, fragment_seconds), port)
        proxy = None
        try:
            gunicorn = f"http://127.0.0.1:{port}"
            if label == "varnish":
                proxy, proxy_port = varnish(port)
                front = f"http://127.0.0.1:{proxy_port}"
                pages = {"front page": (f"{front}/", None), "article": (f"{front}{article}", None)}
            else:
                pages = {name: (f"{gunicorn}{path}", None) for name, path in paths.items()}
                if label != "no cache":
                    pages["front page (signed in)"] = (f"{gunicorn}/", signed_in)
                    pages["article (signed in)"] = (f"{gunicorn}{article}", signed_in)
            results["runs"][label] = measure_mode(f"{gunicorn}{args.floor}", pages, args)
            if label == "varnish" and not all(m.get("from_varnish") for m in list(results["runs"][label].values())[1:]):
                print("warning: a page through Varnish was not served from its cache", file=sys.stderr)
        finally:
            for process in filter(None, (proxy, server)):
                process.terminate()
                process.wait()

    print(f"\n{results['machine']} · {args.articles} articles · {results['database']} · "
          f"{args.connections} connections · {args.rounds} rounds of {args.duration}s per page")
    for label, run in results["runs"].items():
        print(f"\n{label:>10} | {'page':<24} {'req/s':>7} {'× floor':>9} {'(range)':>11} {'p50':>9} {'p99':>9}"
              f" {'p50 × page 1':>12}")
        for name, m in run.items():
            low, high = m["ratio_range"]
            print(f"{'':>10} | {name:<24} {m['rps']:>7.0f} {m['ratio_to_floor']:>9.2f} {f'({low:.2f}–{high:.2f})':>11}"
                  f" {m['p50']:>9} {m['p99']:>9} {m['p50_to_page_one']:>12.2f}")
    print(f"\nTargets (median round, range of rounds; the floor: {args.floor}):")
    for label, name, least in TARGETS:
        if label not in results["runs"]:
            continue
        m = results["runs"][label][name]
        low, high = m["ratio_range"]
        verdict = "met" if m["ratio_to_floor"] >= least else "NOT met"
        print(f"  {label:>10} · {name:<24} ≥ {least:<4} × floor: {m['ratio_to_floor']:.2f} ({low:.2f}–{high:.2f}) {verdict}")
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
