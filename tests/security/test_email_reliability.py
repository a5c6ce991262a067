"""Nothing lost: an email is a task queued when the change it reports commits, delivered by the worker.

A real SMTP server (aiosmtpd, on 127.0.0.1) receives what Django's SMTP backend sends, configured
through MAILERS as in production, with the django-tasks-db backend and `manage.py db_worker`. When
the mail server is down, the change (a subscription, a moderation decision) is committed anyway,
the send is kept as a failed task, and retrying it (SECURITY.md, "Email") delivers the message.
"""

import email
import re
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.test import Client
from django_tasks_db.models import DBTaskResult

from articles.models import Article, NewsletterSubscriber
from submissions.models import Status, Submission
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

DELIVER = "newsroom.mail.deliver"


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def text(self, index=-1):
        return self.messages[index][1].get_body(preferencelist=("plain",)).get_content()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def port():
    return free_port()


@pytest.fixture
def smtp_server(port):
    """Start a server on `port`; returns a function, so a test can start it when it wants (after an outage)."""
    started = []

    def start():
        inbox = Inbox()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        started.append(controller)
        return inbox

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture(autouse=True)
def production_mail(settings, port):
    """SMTP through MAILERS and the database task queue: production's set-up, pointed at the test's port."""
    settings.MAILERS = {"default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "127.0.0.1", "port": port, "username": "", "password": "", "use_tls": False, "timeout": 5},
    }}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    settings.RATELIMIT_ENABLED = False


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def deliveries():
    return DBTaskResult.objects.filter(task_path=DELIVER).order_by("enqueued_at")


def retry_failed_deliveries():
    """The retry procedure of SECURITY.md: enqueue each failed send again with the same arguments."""
    retried = 0
    for failed in DBTaskResult.objects.failed().filter(task_path=DELIVER):
        failed.task.enqueue(*failed.args_kwargs["args"], **failed.args_kwargs["kwargs"])
        retried += 1
    return retried


def test_a_newsletter_confirmation_is_delivered_over_smtp_by_the_worker(smtp_server):
    inbox = smtp_server()

    response = Client().post("/newsletter/", {"email": "reader@example.com"})

    assert response.status_code == 200
    assert inbox.messages == []  # nothing is sent inside the request: it is queued
    assert [task.status for task in deliveries()] == ["READY"]
    run_worker()
    assert [task.status for task in deliveries()] == ["SUCCESSFUL"]
    recipients, message = inbox.messages[0]
    assert recipients == ["reader@example.com"]
    assert "confirm" in message["Subject"].lower()
    assert message["List-Unsubscribe"].startswith("<http")
    link = re.search(r"http://testserver(/newsletter/confirm/\S+/)", inbox.text()).group(1)
    assert Client().get(link).status_code == 200
    assert NewsletterSubscriber.objects.get().status == NewsletterSubscriber.Status.CONFIRMED


def test_with_the_mail_server_down_the_subscription_is_kept_and_the_send_retried(smtp_server):
    response = Client().post("/newsletter/", {"email": "reader@example.com"})

    assert response.status_code == 200  # the reader is not shown an error: the send is queued
    run_worker()  # nothing listens on the port: the send fails
    subscriber = NewsletterSubscriber.objects.get()
    assert subscriber.status == NewsletterSubscriber.Status.PENDING  # the change it reports was committed
    failed = deliveries().get()
    assert failed.status == "FAILED"
    assert "ConnectionRefusedError" in failed.exception_class_path and failed.traceback
    assert failed.args_kwargs["kwargs"]["to"] == ["reader@example.com"]

    inbox = smtp_server()  # the mail server is back
    assert retry_failed_deliveries() == 1
    run_worker()

    assert [task.status for task in deliveries()] == ["FAILED", "SUCCESSFUL"]  # the failure stays on record
    assert inbox.messages[0][0] == ["reader@example.com"]
    assert "/newsletter/confirm/" in inbox.text()


def test_with_the_mail_server_down_a_moderation_decision_is_kept_and_the_contributor_told_later(smtp_server):
    writer = factories.user(username="writer", email="writer@example.com", password=None)
    moderator = factories.moderator(username="mod", password=None)
    submission = factories.submission(contributor=writer)
    staff = Client()
    staff.force_login(moderator)

    staff.post(f"/moderation/{submission.pk}/", {"action": "claim"})
    response = staff.post(f"/moderation/{submission.pk}/", {"action": "approve", "reason": "Clear and sourced."})
    run_worker()

    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == Status.APPROVED and submission.article is not None
    assert Article.objects.filter(pk=submission.article_id, status=Article.Status.DRAFT).exists()
    failed = deliveries().get()
    assert failed.status == "FAILED" and failed.args_kwargs["kwargs"]["to"] == ["writer@example.com"]

    inbox = smtp_server()
    retry_failed_deliveries()
    run_worker()

    assert inbox.messages[0][0] == ["writer@example.com"]
    assert "approved" in inbox.messages[0][1]["Subject"].lower()
    assert "Clear and sourced." in inbox.text()
    assert Submission.objects.get(pk=submission.pk).status == Status.APPROVED
