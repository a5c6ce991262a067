"""Real processes for tests: a site database, `manage.py`, gunicorn with deploy/gunicorn.conf.py, redis-server."""

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def site_database(folder):
    """A database for a site run in other processes, of the kind the test run uses (DATABASE_URL)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{folder / 'site.sqlite3'}"
        return
    import psycopg

    name = f"newsroom_site_{secrets.token_hex(4)}"
    server = urlsplit(url)
    with psycopg.connect(urlunsplit(server._replace(path="/postgres")), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield urlunsplit(server._replace(path=f"/{name}"))
        finally:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def site_env(database_url, folder, **overrides):
    env = {name: value for name, value in os.environ.items() if name not in {"DJANGO_SETTINGS_MODULE", "REDIS_URL"}}
    return {**env, "DEBUG": "1", "DATABASE_URL": database_url, "MEDIA_ROOT": str(folder / "media"),
            "ALLOWED_HOSTS": "127.0.0.1", "LOG_LEVEL": "WARNING", "GUNICORN_ACCESS_LOG": str(folder / "access.log"),
            **overrides}


def manage(env, *args):
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@contextlib.contextmanager
def gunicorn(env, log, workers=2):
    """The site served as in production: gunicorn with deploy/gunicorn.conf.py; yields its base URL."""
    port = free_port()
    with open(log, "ab") as output:
        server = subprocess.Popen(
            [GUNICORN, "-c", "deploy/gunicorn.conf.py", "newsroom.wsgi"], cwd=ROOT, stdout=output, stderr=output,
            env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(workers)},
        )
    try:
        deadline = time.monotonic() + 60
        while True:  # robots.txt needs neither the database nor the cache
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/robots.txt", timeout=5)
                break
            except (urllib.error.URLError, OSError):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start: {Path(log).read_text()[-3000:]}") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def start_redis(port, folder):
    """redis-server on `port`, keeping nothing on disk; returns the process once it answers."""
    process = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                if connection.recv(16).startswith(b"+PONG"):
                    return process
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("redis-server did not start")
        time.sleep(0.05)


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
