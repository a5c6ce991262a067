"""Background work is never lost or doubled, against real processes.

`manage.py worker` runs as a subprocess on the test database (SQLite file or PostgreSQL), with short
leases and backoffs from the environment; a real SMTP server (aiosmtpd) in the test receives the mail.
Emails are counted by Message-ID: the outbox fixes one per email and keeps it on every attempt.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django_tasks_db.models import DBTaskResult

from articles.models import Article
from articles.tasks import generate_cover
from newsroom.models import OutboundEmail
from tests import factories
from tests.smtp_server import SilentServer, SmtpServer, free_port

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
LEASE = 1.5  # seconds: a killed worker's task comes back this long after its last heartbeat


@pytest.fixture
def port():
    return free_port()


@pytest.fixture
def smtp(port):
    server = SmtpServer(port)
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def queued_in_database(settings):
    """The production set-up in this process too: tasks are rows for the workers, not run at once."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": ["default", "mail", "covers"]}}
    settings.RATELIMIT_ENABLED = False


def database_url():
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def workers(port, settings, tmp_path):
    """Start `manage.py worker` processes; every one still running is killed at the end."""
    started = []

    def start(queues, **env):
        environment = {
            **os.environ, "DEBUG": "1", "DATABASE_URL": database_url(), "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(port), "EMAIL_TIMEOUT": "5", "TASK_LEASE_SECONDS": str(LEASE),
            "TASK_RETRY_BACKOFF_SECONDS": "0.2", "TASK_RETRY_MAX_ATTEMPTS": "12", "RATELIMIT_ENABLED": "0",
            **env,
        }
        environment.pop("DJANGO_SETTINGS_MODULE", None)
        log_path = tmp_path / f"worker-{len(started)}.log"
        log = open(log_path, "w")
        process = subprocess.Popen(
            [sys.executable, "manage.py", "worker", "--queue-name", queues, "--interval", "0.05", "--no-reload",
             "--no-startup-delay"], cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
        process.log_path = log_path
        started.append((process, log))
        return process

    yield start
    for process, log in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
        log.close()


def wait_until(condition, what, timeout=60):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.05)


def sign_up(*addresses):
    """Newsletter sign-ups: each commits a subscriber and its confirmation email in one transaction."""
    for address in addresses:
        assert Client().post("/newsletter/", {"email": address}).status_code == 200


def statuses():
    return sorted(OutboundEmail.objects.values_list("status", flat=True))


def test_a_worker_killed_twice_in_the_middle_of_40_emails_loses_none_and_doubles_none(smtp, workers):
    addresses = [f"reader{n}@example.com" for n in range(40)]
    sign_up(*addresses)
    inbox = smtp.start()
    # Killed while talking to the mail server (after RCPT, before the message is handed over): the
    # email is claimed and its task RUNNING, the worker's lease then runs out.
    inbox.pause_at_rcpt(10, 25)

    first = workers("mail")
    inbox.wait_paused()
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    inbox.release()
    assert OutboundEmail.objects.filter(status=OutboundEmail.Status.SENDING).count() == 1
    assert DBTaskResult.objects.running().count() == 1  # stuck, as it would stay with db_worker

    second = workers("mail")
    inbox.wait_paused()
    second.send_signal(signal.SIGKILL)
    second.wait(timeout=30)
    inbox.release()

    third = workers("mail")
    wait_until(lambda: statuses() == ["sent"] * 40, "every email is recorded sent")
    third.send_signal(signal.SIGTERM)
    assert third.wait(timeout=30) == 0

    received = inbox.message_ids()
    assert len(received) == 40 and len(set(received)) == 40  # each arrived exactly once
    assert set(received) == set(OutboundEmail.objects.values_list("message_id", flat=True))
    assert sorted(recipient for recipients, _ in inbox.messages for recipient in recipients) == sorted(addresses)
    assert {task.status for task in DBTaskResult.objects.all()} == {"SUCCESSFUL"}
    # The two interrupted emails were handed back and sent on their second attempt.
    assert sorted(OutboundEmail.objects.values_list("attempts", flat=True))[-3:] == [1, 2, 2]


def test_with_the_mail_server_down_queued_emails_arrive_once_it_is_back_without_a_command(smtp, workers):
    workers("mail")
    sign_up("ana@example.com", "ben@example.com", "chloe@example.com")

    failed_once = OutboundEmail.objects.filter(attempts__gte=1, status="pending").exclude(last_error="")
    wait_until(lambda: failed_once.count() == 3, "every send failed once")
    assert "ConnectionRefusedError" in OutboundEmail.objects.first().last_error
    inbox = smtp.start()  # the mail server is back; nobody runs anything

    wait_until(lambda: statuses() == ["sent"] * 3, "the three emails are sent")
    assert sorted(rcpt for recipients, _ in inbox.messages for rcpt in recipients) == [
        "ana@example.com", "ben@example.com", "chloe@example.com"]
    assert len(set(inbox.message_ids())) == 3


def test_a_mail_server_that_never_answers_holds_back_no_cover(port, workers):
    silent = SilentServer(port)
    try:
        article = factories.article(title="Harbour bridge reopens")  # its cover task waits on the covers queue
        Article.objects.filter(pk=article.pk).update(cover_hash="")
        workers("mail", EMAIL_TIMEOUT="60")
        sign_up("reader@example.com")
        wait_until(lambda: statuses() == ["sending"], "the mailer is stuck with the silent server")

        workers("default,covers")
        generate_cover.enqueue(article.pk)

        wait_until(lambda: Article.objects.get(pk=article.pk).cover_hash, "the cover is drawn")
        assert statuses() == ["sending"]  # the mailer is still waiting for its server
    finally:
        silent.close()


def test_a_mail_server_that_never_answers_times_out_and_the_email_is_retried(port, workers):
    silent = SilentServer(port)
    try:
        workers("mail", EMAIL_TIMEOUT="0.5", TASK_RETRY_BACKOFF_SECONDS="30")
        sign_up("reader@example.com")

        wait_until(lambda: DBTaskResult.objects.filter(status="READY").exclude(traceback="").exists(),
                   "the attempt gives up and waits for its retry")
        email = OutboundEmail.objects.get()
        assert email.status == OutboundEmail.Status.PENDING and email.attempts == 1
        assert "timed out" in email.last_error
        task = DBTaskResult.objects.get()
        assert task.status == "READY" and "timed out" in task.traceback  # waiting for its retry, the error shown
    finally:
        silent.close()


def test_sigterm_lets_the_current_email_finish_and_starts_no_other(smtp, workers):
    sign_up("first@example.com", "second@example.com")
    inbox = smtp.start()
    inbox.pause_at_rcpt(1)

    worker = workers("mail")
    inbox.wait_paused()
    worker.send_signal(signal.SIGTERM)
    wait_until(lambda: "shutting down gracefully" in worker.log_path.read_text(), "the worker heard the signal")
    inbox.release()

    assert worker.wait(timeout=30) == 0
    assert [recipients for recipients, _ in inbox.messages] == [["first@example.com"]]
    assert dict(OutboundEmail.objects.values_list("recipients__0", "status")) == {
        "first@example.com": "sent", "second@example.com": "pending"}
    assert sorted(DBTaskResult.objects.values_list("status", flat=True)) == ["READY", "SUCCESSFUL"]
