"""A change is seen at once by every process, not only by the one that made it.

The default cache is local memory: each gunicorn worker has its own copy of every cached page.
Here two workers serve a story from their caches, and a third process (as `db_worker` does when it
publishes a scheduled story, or a copyright officer's request in another worker) withdraws it.
"""

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def site_env(tmp_path):
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
           "MEDIA_ROOT": str(tmp_path / "media"), "ALLOWED_HOSTS": "127.0.0.1",
           "PUBLIC_CACHE_SECONDS": "600", "FRAGMENT_CACHE_SECONDS": "600", "LOG_LEVEL": "WARNING"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def manage(env, *args):
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@contextlib.contextmanager
def gunicorn(env, log):
    """The site served by gunicorn with two workers, as in production."""
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "newsroom.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}",
         "--error-logfile", str(log)],
        cwd=ROOT, env=env,
    )
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def fetch_many(url, times=24):
    """(status, X-Cache) of `times` requests, eight at a time so that both workers answer."""
    def fetch(_):
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                return response.status, response.headers.get("X-Cache")
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("X-Cache")

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(fetch, range(times)))


def test_a_story_withdrawn_by_another_process_is_gone_from_every_worker_at_once(site_env, tmp_path):
    manage(site_env, "migrate", "--no-input", "-v0")
    manage(site_env, "shell", "--no-imports", "-c",
           "from tests import factories; factories.article(title='Ferry timetable changes', slug='ferry')")
    with gunicorn(site_env, tmp_path / "gunicorn.log") as site:
        before = fetch_many(f"{site}/articles/ferry/")
        assert {status for status, _ in before} == {200}
        assert (200, "hit") in before

        manage(site_env, "shell", "--no-imports", "-c",
               "from articles import publishing; from articles.models import Article; "
               "publishing.withdraw(Article.objects.get(slug='ferry'), by=None, reason='The author asked.')")

        after = fetch_many(f"{site}/articles/ferry/")
        assert {status for status, _ in after} == {410}, after
        assert "Ferry timetable changes" not in urllib.request.urlopen(f"{site}/", timeout=30).read().decode()
