"""Concurrency and data safety: simultaneous writers never duplicate, lose an update or crash.

PostgreSQL: the workflows lock the row they change (select_for_update), so two editors publishing
the same article at once give one publication and a clear "already published" to the other.
SQLite (the default set-up): every transaction starts with BEGIN IMMEDIATE and waits up to the busy
timeout for the write lock, so concurrent writers queue instead of failing with "database is locked",
and a read-modify-write inside a transaction cannot lose an update.
(Parallel claims of one submission: tests/submissions/test_claim_concurrency.py; the mail intake run
twice at once: tests/submissions/takedowns/test_takedown_inbound.py.)
"""

import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection, connections, transaction
from django.test import Client
from django.utils import timezone

from articles import publishing
from articles.models import Article, ArticleEvent, Category, NewsletterSubscriber
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks")
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="about SQLite's locking")


def run_at_once(work, count):
    """Run work(i) in `count` threads released together; return {i: result or repr(exception)}."""
    barrier = threading.Barrier(count)
    outcomes = {}

    def run(index):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = work(index)
        except Exception as error:  # noqa: BLE001 - the assertions report it
            outcomes[index] = repr(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a writer never finished"
    return outcomes


# --- PostgreSQL: parallel publishing ------------------------------------------------------------------

@on_postgresql
@pytest.mark.parametrize("attempt", range(3))
def test_parallel_publish_of_one_article_publishes_it_once(attempt):
    draft = factories.article(status=Article.Status.DRAFT)
    editors = [factories.editor(password=None) for _ in range(4)]

    def publish(index):
        try:
            publishing.publish(Article(pk=draft.pk), by=editors[index], reason="go")
        except publishing.IllegalTransition:
            return "already published"
        return "published"

    outcomes = run_at_once(publish, len(editors))

    assert sorted(outcomes.values()) == ["already published"] * 3 + ["published"], outcomes
    draft.refresh_from_db()
    assert draft.status == Article.Status.PUBLISHED and draft.published_at is not None
    assert ArticleEvent.objects.filter(article=draft, to_status=Article.Status.PUBLISHED).count() == 1


@on_postgresql
def test_two_editors_pressing_publish_in_the_admin_at_once_get_no_error():
    draft = factories.article(status=Article.Status.DRAFT)
    clients = []
    for _ in range(2):
        client = Client()
        client.force_login(factories.editor(password=None))
        clients.append(client)

    def press(index):
        response = clients[index].post("/admin/articles/article/", {
            "action": "publish_now", "_selected_action": str(draft.pk), "index": "0",
        })
        return response.status_code

    outcomes = run_at_once(press, 2)

    assert list(outcomes.values()) == [302, 302], outcomes
    assert ArticleEvent.objects.filter(article=draft, to_status=Article.Status.PUBLISHED).count() == 1


@on_postgresql
def test_scheduled_publishing_run_twice_at_once_publishes_each_article_once():
    due = [factories.article(status=Article.Status.DRAFT) for _ in range(6)]
    for article in due:
        publishing.schedule(article, at=timezone.now() + timedelta(seconds=1))
    time.sleep(1.1)

    outcomes = run_at_once(lambda index: publishing.publish_due(), 2)

    assert sum(outcomes.values()) == 6, outcomes
    for article in due:
        assert ArticleEvent.objects.filter(article=article, to_status=Article.Status.PUBLISHED).count() == 1


# --- Any database: concurrent requests never answer 500 ----------------------------------------------------

def test_the_same_address_subscribing_from_many_tabs_at_once_is_one_subscriber(settings):
    settings.RATELIMIT_ENABLED = False

    outcomes = run_at_once(lambda index: Client().post("/newsletter/", {"email": "Same@Example.com"}).status_code, 6)

    assert list(outcomes.values()) == [200] * 6, outcomes
    assert NewsletterSubscriber.objects.filter(email="same@example.com").count() == 1


def test_many_readers_signing_up_at_once_all_succeed(settings):
    settings.RATELIMIT_ENABLED = False

    outcomes = run_at_once(
        lambda index: Client().post("/newsletter/", {"email": f"reader{index}@example.com"}).status_code, 8)

    assert list(outcomes.values()) == [200] * 8, outcomes
    assert NewsletterSubscriber.objects.count() == 8


# --- SQLite: writers wait for each other -------------------------------------------------------------------

@on_sqlite
def test_sqlite_is_set_up_for_concurrent_writers():
    database = settings.DATABASES["default"]
    options = database["OPTIONS"]

    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5
    assert "journal_mode=WAL" in options["init_command"]
    assert database["TEST"]["NAME"] != ":memory:" and not database["TEST"]["NAME"].startswith("file:memory")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0].lower() == "wal"


@on_sqlite
def test_a_second_writer_waits_for_the_first_instead_of_failing():
    category = factories.category(name="Counter", position=0)
    first_committed = threading.Event()
    timeline = {}

    def first(_):
        with transaction.atomic():
            Category.objects.filter(pk=category.pk).update(position=1)
            time.sleep(0.6)  # hold the write lock
            timeline["first commits"] = time.monotonic()
        first_committed.set()
        return "done"

    def second(_):
        time.sleep(0.15)  # start while the first holds the lock
        with transaction.atomic():
            timeline["second writes"] = time.monotonic()
            current = Category.objects.get(pk=category.pk).position
            Category.objects.filter(pk=category.pk).update(position=current + 1)
        return "done"

    outcomes = run_at_once(lambda index: (first, second)[index](index), 2)

    assert outcomes == {0: "done", 1: "done"}
    assert timeline["second writes"] >= timeline["first commits"]  # it waited, and saw the first one's write
    category.refresh_from_db()
    assert category.position == 2


@on_sqlite
def test_concurrent_read_modify_write_loses_no_update():
    category = factories.category(name="Tally", position=0)

    def increment(_):
        with transaction.atomic():
            current = Category.objects.get(pk=category.pk).position
            time.sleep(0.01)
            Category.objects.filter(pk=category.pk).update(position=current + 1)
        return "ok"

    outcomes = run_at_once(increment, 8)

    assert list(outcomes.values()) == ["ok"] * 8, outcomes
    category.refresh_from_db()
    assert category.position == 8


@on_sqlite
def test_parallel_publish_on_sqlite_also_publishes_once():
    draft = factories.article(status=Article.Status.DRAFT)

    def publish(_):
        try:
            publishing.publish(Article(pk=draft.pk), reason="go")
        except publishing.IllegalTransition:
            return "already published"
        return "published"

    outcomes = run_at_once(publish, 4)

    assert sorted(outcomes.values()) == ["already published"] * 3 + ["published"], outcomes
    assert ArticleEvent.objects.filter(article=draft, to_status=Article.Status.PUBLISHED).count() == 1
