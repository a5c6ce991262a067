"""What an operator sees of the clock in the admin, and the lease that keeps one scheduler active."""

import time

import pytest
from django.utils import timezone, translation

from articles import tasks as articles_tasks
from newsroom import jobs
from newsroom.scheduler import DatabaseLease, Keeper
from submissions import tasks as submissions_tasks
from tests import factories

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
PAGE = "/admin/newsroom/schedulerlease/"


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = DATABASE_TASKS


def test_the_admin_lists_every_job_with_its_schedule_last_run_result_and_next_run(admin_client, database_tasks):
    from django_tasks_db.models import DBTaskResult

    articles_tasks.publish_scheduled.enqueue()
    failed = DBTaskResult.objects.get(id=submissions_tasks.expire_claims.enqueue().id)
    failed.claim("worker-1")
    try:
        raise TimeoutError("the database did not answer")
    except TimeoutError as error:
        failed.set_failed(error)

    page = admin_client.get(PAGE).content.decode()

    for job in jobs.JOBS:
        assert str(job.description) in page and job.crontab in page
    assert "Ready" in page  # publishing: enqueued, waiting for the worker
    assert "Failed" in page and "TimeoutError: the database did not answer" in page
    assert "not yet" in page  # the hourly photo clean-up has never run
    next_minute = (timezone.now().replace(second=0, microsecond=0) + timezone.timedelta(minutes=1))
    assert next_minute.strftime("%Y-%m-%d %H:%M") in page
    assert "No scheduler is running" in page


def test_the_admin_names_the_scheduler_that_holds_the_lease(admin_client):
    DatabaseLease("news-1:4242:abcd", 30).acquire()

    page = admin_client.get(PAGE).content.decode()

    assert "The active scheduler is <strong>news-1:4242:abcd</strong>" in page
    assert "No scheduler is running" not in page


def test_every_job_is_described_in_korean():
    english = [str(job.description) for job in jobs.JOBS]
    with translation.override("ko"):
        assert {str(job.period) for job in jobs.JOBS} == {"매분", "5분마다", "매시간", "매일", "매주"}
        korean = [str(job.description) for job in jobs.JOBS]
    assert all(ko != en for ko, en in zip(korean, english))


def test_the_page_is_read_only_and_for_staff_with_permission_only(admin_client, client, django_user_model):
    assert admin_client.get(PAGE + "add/").status_code == 404
    staff = django_user_model.objects.create_user("desk", password="x", is_staff=True)
    factories.totp_authenticator(staff)  # staff need a second factor before the admin checks permissions
    client.force_login(staff)
    assert client.get(PAGE).status_code == 403


def test_one_lease_holder_at_a_time_and_a_standby_takes_over_when_it_expires():
    active, standby = DatabaseLease("a:1:x", 3), DatabaseLease("b:2:y", 3)
    assert active.acquire() and not standby.acquire()
    assert active.renew()

    time.sleep(3.1)  # the active scheduler stopped renewing (it died)

    assert standby.acquire()
    assert not active.renew() and not active.acquire()
    standby.release()
    assert active.acquire()


@pytest.mark.django_db(transaction=True)
def test_a_standby_scheduler_enqueues_nothing(database_tasks):
    from django_tasks_db.models import DBTaskResult

    active, standby = Keeper(DatabaseLease("a:1:x", 30)), Keeper(DatabaseLease("b:2:y", 30))
    active.tick()
    standby.tick()
    assert (active.active, standby.active) == (True, False)

    standby.fire(articles_tasks.publish_scheduled.enqueue)
    assert not DBTaskResult.objects.exists()
    active.fire(articles_tasks.publish_scheduled.enqueue)
    assert DBTaskResult.objects.count() == 1
