"""Nothing lost, nothing sent twice: an email is an outbox record written with the change it reports.

A real SMTP server (aiosmtpd, on 127.0.0.1) receives what Django's SMTP backend sends, configured
through MAILERS as in production, with the django-tasks-db backend and `manage.py worker` run in this
process (`--batch`). When the mail server is down the change (a subscription, a moderation decision) is
committed anyway and the email waits for its retry; retries used up, it is shown failed in the admin,
where "send again" delivers it once. tests/newsroom/test_background_work.py does the same against
worker processes that are killed and stopped.
"""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles.models import Article, NewsletterSubscriber
from newsroom import mail
from newsroom.models import OutboundEmail, TaskWorker
from submissions.models import Status, Submission
from tests import factories
from tests.smtp_server import SmtpServer, free_port

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def port():
    return free_port()


@pytest.fixture
def smtp(port):
    server = SmtpServer(port)
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def production_mail(settings, port):
    """SMTP through MAILERS and the database task queue: production's set-up, pointed at the test's port."""
    settings.MAILERS = {"default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "127.0.0.1", "port": port, "username": "", "password": "", "use_tls": False, "timeout": 5},
    }}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": ["default", "mail", "covers"]}}
    settings.TASK_RETRY_MAX_ATTEMPTS = 3
    settings.TASK_RETRY_BACKOFF_SECONDS = 60
    settings.RATELIMIT_ENABLED = False


def run_worker():
    call_command("worker", "--queue-name", "mail", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def backoff_passes():
    """Bring the retries' time forward, as if their backoff had passed."""
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now() - timedelta(seconds=1))


def test_a_newsletter_confirmation_is_delivered_over_smtp_by_the_worker(smtp):
    inbox = smtp.start()

    response = Client().post("/newsletter/", {"email": "reader@example.com"})

    assert response.status_code == 200
    assert inbox.messages == []  # nothing is sent inside the request: it is queued
    email = OutboundEmail.objects.get()
    assert email.status == OutboundEmail.Status.PENDING and email.recipients == ["reader@example.com"]
    assert [(task.status, task.queue_name) for task in DBTaskResult.objects.all()] == [("READY", "mail")]
    run_worker()
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT and email.attempts == 1 and email.sent_at
    recipients, message = inbox.messages[0]
    assert recipients == ["reader@example.com"]
    assert message["Message-ID"] == email.message_id
    assert "confirm" in message["Subject"].lower()
    assert message["List-Unsubscribe"].startswith("<http")
    link = re.search(r"http://testserver(/newsletter/confirm/\S+/)", inbox.text()).group(1)
    assert Client().get(link).status_code == 200
    assert NewsletterSubscriber.objects.get().status == NewsletterSubscriber.Status.CONFIRMED


def test_a_rolled_back_change_sends_nothing(smtp):
    inbox = smtp.start()

    with pytest.raises(RuntimeError), transaction.atomic():
        mail.queue(to=["reader@example.com"], subject="Never", text="Never sent.")
        raise RuntimeError("the change fails after its email was written")
    run_worker()

    assert not OutboundEmail.objects.exists() and not DBTaskResult.objects.exists()
    assert inbox.messages == []


def test_a_second_delivery_of_the_same_email_sends_nothing(smtp):
    inbox = smtp.start()
    email = mail.queue(to=["reader@example.com"], subject="Once", text="Only once.")
    mail.deliver.enqueue(email.pk)  # a duplicate task for the same record

    run_worker()

    assert len(inbox.messages) == 1
    assert sorted(task.return_value for task in DBTaskResult.objects.all()) == ["not claimed", "sent"]


def test_with_the_mail_server_down_the_subscription_is_kept_and_the_email_sent_when_it_is_back(smtp):
    response = Client().post("/newsletter/", {"email": "reader@example.com"})

    assert response.status_code == 200  # the reader is not shown an error: the email is queued
    run_worker()  # nothing listens on the port: the send fails, and waits for its retry
    assert NewsletterSubscriber.objects.get().status == NewsletterSubscriber.Status.PENDING  # committed
    email = OutboundEmail.objects.get()
    assert email.status == OutboundEmail.Status.PENDING and email.attempts == 1
    assert "ConnectionRefusedError" in email.last_error
    task = DBTaskResult.objects.get()
    assert task.status == "READY" and task.run_after > timezone.now() and "ConnectionRefusedError" in task.traceback

    inbox = smtp.start()  # the mail server is back
    backoff_passes()
    run_worker()

    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT and email.attempts == 2 and email.last_error == ""
    assert [recipients for recipients, _ in inbox.messages] == [["reader@example.com"]]
    assert "/newsletter/confirm/" in inbox.text()


def test_with_the_mail_server_down_a_moderation_decision_is_kept_and_the_contributor_told_later(smtp):
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
    assert OutboundEmail.objects.get().recipients == ["writer@example.com"]

    inbox = smtp.start()
    backoff_passes()
    run_worker()

    assert inbox.messages[0][0] == ["writer@example.com"]
    assert "approved" in inbox.messages[0][1]["Subject"].lower()
    assert "Clear and sourced." in inbox.text()
    assert Submission.objects.get(pk=submission.pk).status == Status.APPROVED


def test_after_its_last_attempt_an_email_is_failed_in_the_admin_and_sent_again_once(smtp, admin_client):
    email = mail.queue(to=["reader@example.com"], subject="Your case", text="We received your notice.")
    for _ in range(3):  # TASK_RETRY_MAX_ATTEMPTS, the mail server down throughout
        run_worker()
        backoff_passes()

    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.FAILED and email.attempts == 3
    assert DBTaskResult.objects.get().status == "FAILED"
    listing = admin_client.get("/admin/newsroom/outboundemail/").content.decode()
    assert "Your case" in listing and "ConnectionRefusedError" in listing
    task = DBTaskResult.objects.get()
    page = admin_client.get(f"/admin/django_tasks_database/dbtaskresult/{task.pk}/change/").content.decode()
    assert "ConnectionRefusedError" in page  # the task's own error, next to its three attempts
    assert "<td class=\"field-attempts\">3</td>" in admin_client.get(
        "/admin/django_tasks_database/dbtaskresult/").content.decode()

    inbox = smtp.start()
    action = {"action": "send_again", "_selected_action": [email.pk]}
    admin_client.post("/admin/newsroom/outboundemail/", action)
    admin_client.post("/admin/newsroom/outboundemail/", action)  # a second click, before any worker ran
    run_worker()
    admin_client.post("/admin/newsroom/outboundemail/", action)  # and one after it was sent
    run_worker()

    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT
    assert [message["Message-ID"] for _, message in inbox.messages] == [email.message_id]


def killed_while_sending(worker_id, *, heartbeat_age):
    """An email claimed by a worker that was killed at once; its heartbeat is `heartbeat_age` old (None: none)."""
    now = timezone.now()
    if heartbeat_age is not None:
        TaskWorker.objects.create(worker_id=worker_id, queues="mail", hostname="web-1", pid=4242,
                                  started_at=now - heartbeat_age, seen_at=now - heartbeat_age)
    email = mail.queue(to=["reader@example.com"], subject="Claimed", text="Claimed, never sent.")
    OutboundEmail.objects.filter(pk=email.pk).update(status=OutboundEmail.Status.SENDING, claimed_by=worker_id,
                                                     claimed_at=now, attempts=1)
    return email


def test_an_email_claimed_by_a_worker_whose_heartbeat_stopped_is_sent_by_the_next_delivery(smtp, settings):
    settings.TASK_LEASE_SECONDS = 60
    inbox = smtp.start()
    email = killed_while_sending("gone", heartbeat_age=timedelta(minutes=5))  # its claim is recent, its worker dead

    run_worker()

    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT and email.attempts == 2
    assert [message["Message-ID"] for _, message in inbox.messages] == [email.message_id]


def test_an_email_being_sent_by_a_live_worker_is_left_to_it(smtp):
    inbox = smtp.start()
    email = killed_while_sending("busy", heartbeat_age=timedelta(seconds=1))

    run_worker()

    assert inbox.messages == []
    assert OutboundEmail.objects.get().status == OutboundEmail.Status.SENDING
    assert DBTaskResult.objects.get().return_value == "not claimed"


def test_an_email_claimed_by_a_process_without_a_heartbeat_is_retried_after_a_lease(smtp, settings):
    settings.TASK_LEASE_SECONDS = 60
    inbox = smtp.start()
    email = killed_while_sending("db-worker", heartbeat_age=None)

    run_worker()  # too early to tell whether that process is still sending it

    assert inbox.messages == []
    assert "ClaimedElsewhere" in DBTaskResult.objects.get().traceback
    OutboundEmail.objects.filter(pk=email.pk).update(claimed_at=timezone.now() - timedelta(seconds=61))
    backoff_passes()
    run_worker()

    assert [message["Message-ID"] for _, message in inbox.messages] == [email.message_id]
