"""The clock, against real processes: the Procfile's web, worker and scheduler on this test's database.

A story scheduled ahead goes live by itself, dated its scheduled time; with two schedulers each job is enqueued
once per period, and when the active one is killed the standby takes over (the lease in the database, or
crontask's lock in a real redis-server).
"""

import collections
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles import publishing
from articles.models import Article
from newsroom.models import SchedulerLease
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
EVERY_MINUTE = ["articles.tasks.publish_scheduled", "submissions.tasks.expire_claims"]

pytestmark = pytest.mark.django_db(transaction=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def procfile():
    """{process name: command}, as honcho and the systemd units read the Procfile."""
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(":", 1) for line in lines if line.strip() and not line.startswith("#"))


def database_url():
    """This test's own database (SQLite file or PostgreSQL), for the processes to share with the test."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def env(tmp_path):
    environment = {
        **os.environ, "DEBUG": "1", "DATABASE_URL": database_url(), "MEDIA_ROOT": str(tmp_path / "media"),
        "ALLOWED_HOSTS": "127.0.0.1", "TASKS_BACKEND": "django_tasks_db.DatabaseBackend", "LOG_LEVEL": "WARNING",
        # A standby takes over within seconds, not the production default's quarter-minute.
        "SCHEDULER_LEASE_SECONDS": "6",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    return environment


@contextlib.contextmanager
def running(command, env, log):
    """A Procfile command in its own process group, stopped (and its children with it) however the test ends."""
    process = subprocess.Popen(f"exec {command}", shell=True, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def status(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def wait_for(condition, *, seconds, every=0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(every)
    return condition()


def holder_pid():
    holder = SchedulerLease.objects.filter(expires_at__gt=timezone.now()).exclude(holder="").values_list(
        "holder", flat=True).first()
    return int(holder.split(":")[1]) if holder else None


def enqueued_per_minute():
    """{(task, minute): how many times the scheduler enqueued it in that minute}."""
    return collections.Counter(
        (path, enqueued.replace(second=0, microsecond=0))
        for path, enqueued in DBTaskResult.objects.values_list("task_path", "enqueued_at")
    )


def sleep_past_next_minute(seconds_after=4):
    now = timezone.now()
    boundary = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    time.sleep((boundary - now).total_seconds() + seconds_after)
    return boundary


def test_a_story_scheduled_70_seconds_ahead_goes_live_by_itself_dated_its_scheduled_time(env, tmp_path):
    editor = factories.editor()
    article = factories.article(title="Harbour festival opens", slug="harbour-festival",
                                status=Article.Status.DRAFT)
    at = (timezone.now() + timedelta(seconds=70)).replace(microsecond=0)
    if at.second < 5:
        # The publishing job fires at each minute's start and the worker then takes a moment: a story due in the
        # first seconds of a minute is published as the next one starts, about 60 s plus that moment later.
        at = at.replace(second=5)
    publishing.schedule(article, at=at, by=editor)

    port = free_port()
    honcho = f"{Path(sys.executable).parent / 'honcho'} start --no-colour --port {port}"
    with open(tmp_path / "procfile.log", "w") as log, running(honcho, env, log):
        url = f"http://127.0.0.1:{port}/articles/harbour-festival/"
        assert wait_for(lambda: status(url), seconds=30) == 404, (tmp_path / "procfile.log").read_text()[-3000:]

        went_live = wait_for(lambda: status(url) == 200, seconds=(at - timezone.now()).total_seconds() + 60)

        assert went_live, (tmp_path / "procfile.log").read_text()[-3000:]
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert article.published_at == at


def test_two_schedulers_enqueue_each_job_once_per_period_and_the_standby_takes_over(env, tmp_path):
    command = procfile()["scheduler"].strip()
    with (open(tmp_path / "first.log", "w") as first_log, open(tmp_path / "second.log", "w") as second_log,
          running(command, env, first_log) as first):
        assert wait_for(lambda: holder_pid() == first.pid, seconds=30), (tmp_path / "first.log").read_text()
        with running(command, env, second_log) as second:
            time.sleep(3)
            assert holder_pid() == first.pid  # the second one stands by

            minute = sleep_past_next_minute()
            counts = enqueued_per_minute()
            assert [counts[task, minute] for task in EVERY_MINUTE] == [1, 1]

            os.kill(first.pid, signal.SIGKILL)
            assert wait_for(lambda: holder_pid() == second.pid, seconds=20), (tmp_path / "second.log").read_text()

            minute = sleep_past_next_minute()
            counts = enqueued_per_minute()
            assert [counts[task, minute] for task in EVERY_MINUTE] == [1, 1]
            assert max(counts.values()) == 1, counts  # no job twice in any minute, */5 and hourly ones included

            # Stopped as systemd and honcho stop it: it lets go of the lease at once.
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=20) == 0
            assert holder_pid() is None


def test_with_redis_the_schedulers_share_crontasks_lock(env, tmp_path):
    import redis

    port = free_port()
    with open(tmp_path / "redis.log", "w") as redis_log, running(
            f"redis-server --port {port} --bind 127.0.0.1 --save '' --appendonly no", env, redis_log):
        client = redis.Redis(port=port)
        assert _redis_answers(client)
        env = {**env, "REDIS_URL": f"redis://127.0.0.1:{port}/0"}

        def holder_pid():
            holder = client.get("crontask-lock")
            return int(holder.decode().split(":")[1]) if holder else None

        command = procfile()["scheduler"].strip()
        with (open(tmp_path / "first.log", "w") as first_log, open(tmp_path / "second.log", "w") as second_log,
              running(command, env, first_log) as first):
            assert wait_for(lambda: holder_pid() == first.pid, seconds=30), (tmp_path / "first.log").read_text()
            with running(command, env, second_log) as second:
                time.sleep(3)
                assert holder_pid() == first.pid
                assert not SchedulerLease.objects.exclude(holder="").exists()  # Redis holds the lease, not the database

                os.kill(first.pid, signal.SIGKILL)
                assert wait_for(lambda: holder_pid() == second.pid, seconds=20), (tmp_path / "second.log").read_text()

                second.send_signal(signal.SIGTERM)
                assert second.wait(timeout=20) == 0
                assert holder_pid() is None


def _redis_answers(client):
    import redis

    def ping():
        try:
            return client.ping()
        except redis.ConnectionError:
            return False

    return wait_for(ping, seconds=10, every=0.1)
