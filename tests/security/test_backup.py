"""Backups restore: the procedures of docs/BACKUP.md, run for real.

Portable (any database, and between them): `dumpdata` of everything that matters, then a fresh
database is migrated, emptied and given the dump with `loaddata`. SQLite: the online backup API
copies a consistent file while the site runs. PostgreSQL: `pg_dump -Fc` and `pg_restore` into a new
database. Each time, the restored database must hold the same articles, submissions, revisions,
moderation log, takedown cases and events, people and groups, field for field; and a person can
still log in.
"""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import global_settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from articles.models import Article
from submissions.models import Status
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
DUMP_ARGS = ["--natural-foreign", "--exclude", "contenttypes", "--exclude", "auth.permission",
             "--exclude", "sessions"]
COMPARED = {
    "auth.User": ("username", "email", "password", "is_staff", "is_active"),
    "auth.Group": ("name",),
    "articles.Category": ("slug", "name"),
    "articles.Tag": ("slug", "name"),
    "articles.Article": ("slug", "status", "title", "body", "body_html", "published_at", "author_id"),
    "articles.ArticleEvent": ("article_id", "from_status", "to_status", "reason", "created_at"),
    "articles.Disclaimer": ("kind", "text_en"),
    "articles.Page": ("slug", "language", "title"),
    "articles.NewsletterSubscriber": ("email", "status"),
    "submissions.Submission": ("status", "title", "contributor_id", "article_id", "decided_at"),
    "submissions.Revision": ("submission_id", "number", "title", "body", "body_html"),
    "submissions.ModerationEvent": ("submission_id", "from_status", "to_status", "actor_id", "reason", "created_at"),
    "submissions.Flag": ("article_id", "reason", "note"),
    "takedowns.TakedownCase": ("reference", "status", "complainant_email", "work_description"),
    "takedowns.TakedownCaseArticle": ("case_id", "article_id", "disabled"),
    "takedowns.TakedownEvent": ("case_id", "kind", "from_status", "to_status", "reason"),
    "takedowns.TakedownMessage": ("case_id", "message_id", "subject"),
}


def _plain(value):
    if isinstance(value, datetime):  # JSON dumps keep times to the millisecond (Django's serializer)
        return value.astimezone(UTC).isoformat(timespec="milliseconds")
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


def fingerprint():
    """{model: [[pk, field, …], …]} of everything compared, as JSON-ready lists."""
    result = {}
    for label, fields in COMPARED.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        rows = model.objects.order_by("pk").values_list("pk", *fields)
        result[label] = json.loads(json.dumps([[_plain(value) for value in row] for row in rows]))
    group = apps.get_model("auth.Group")
    result["group permissions"] = sorted(
        [name, codename] for name, codename in group.objects.values_list("name", "permissions__codename") if codename
    )
    return result


def manage(*args, database_url, check=True):
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    if check:
        assert result.returncode == 0, result.stderr[-3000:]
    return result


def remote_fingerprint(database_url):
    code = "import json; from tests.security.test_backup import fingerprint; print(json.dumps(fingerprint()))"
    return json.loads(manage("shell", "--no-imports", "-c", code, database_url=database_url).stdout.splitlines()[-1])


def remote_login_works(database_url, username, password):
    code = (f"from django.contrib.auth import authenticate; "
            f"print('ok' if authenticate(username={username!r}, password={password!r}) else 'refused')")
    return manage("shell", "--no-imports", "-c", code, database_url=database_url).stdout.strip().endswith("ok")


@pytest.fixture
def newsroom_data():
    """A little of everything: published, disabled and withdrawn stories, decided and appealed submissions,
    a reader's flag, a subscriber, and (once takedowns exist) an upheld takedown case with its timeline.
    The writer's password is hashed as production hashes it: the restored copy is checked by another process."""
    with override_settings(PASSWORD_HASHERS=global_settings.PASSWORD_HASHERS):
        writer = factories.user(username="writer", email="writer@example.com")
    moderator = factories.moderator(username="mod", password=None)
    section = factories.category(name="Local", name_ko="지역")
    story = factories.article(title="Harbour bridge reopens", category=section, author=writer, tags=["harbour", "다리"])
    factories.article(title="망원동 도서관", language="ko", category=section, status=Article.Status.DISABLED)
    factories.article(title="Withdrawn story", category=section, status=Article.Status.WITHDRAWN)
    factories.submission(status=Status.APPROVED, contributor=writer, by=moderator, category=section)
    factories.submission(status=Status.APPEALED, contributor=writer, by=moderator, category=section)
    factories.submission(status=Status.DRAFT, contributor=writer, category=section)
    factories.flag(article=story, note="The date is wrong.")
    from articles.models import NewsletterSubscriber

    NewsletterSubscriber.objects.create(email="reader@example.com", status=NewsletterSubscriber.Status.CONFIRMED)
    if hasattr(factories, "takedown_case"):
        disputed = factories.article(title="Disputed photo story", category=section, author=writer)
        factories.takedown_case(status="upheld", articles=[disputed])
    return {"username": "writer", "password": factories.PASSWORD}


def _assert_same(restored, original):
    assert restored.keys() == original.keys()
    for label in original:
        assert restored[label] == original[label], label
    assert len(original["articles.Article"]) >= 4 and len(original["submissions.ModerationEvent"]) >= 6


def _fresh_database_url(tmp_path):
    """A new, empty database of the same kind as the test database; a function to drop it afterwards."""
    if connection.vendor == "sqlite":
        return f"sqlite:///{tmp_path / 'restored.sqlite3'}", lambda: None
    settings = connection.settings_dict
    name = f"{settings['NAME']}_restore"[:60]
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')

    def drop():
        connection.close()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return _url(name), drop


def _url(name):
    settings = connection.settings_dict
    credentials = settings["USER"] + (f":{settings['PASSWORD']}" if settings.get("PASSWORD") else "")
    return f"postgres://{credentials}@{settings['HOST'] or 'localhost'}:{settings['PORT'] or 5432}/{name}"


def test_dumpdata_restores_into_a_fresh_database(newsroom_data, tmp_path):
    original = fingerprint()
    dump = tmp_path / "newsroom.json"
    call_command("dumpdata", *DUMP_ARGS, "--output", str(dump), verbosity=0)
    database_url, drop = _fresh_database_url(tmp_path)
    try:
        manage("migrate", "--no-input", "-v", "0", database_url=database_url)
        manage("flush", "--no-input", database_url=database_url)  # data migrations' rows come back from the dump
        manage("loaddata", str(dump), database_url=database_url)

        _assert_same(remote_fingerprint(database_url), original)
        assert remote_login_works(database_url, **newsroom_data)
    finally:
        drop()


def test_a_dump_is_readable_json_without_sessions(newsroom_data, tmp_path):
    dump = tmp_path / "newsroom.json"
    call_command("dumpdata", *DUMP_ARGS, "--output", str(dump), verbosity=0)

    records = json.loads(dump.read_text(encoding="utf-8"))
    models = {record["model"] for record in records}
    assert {"articles.article", "submissions.submission", "submissions.revision", "submissions.moderationevent",
            "auth.user", "auth.group"} <= models
    assert not models & {"sessions.session", "contenttypes.contenttype", "auth.permission"}
    assert any(record["fields"].get("title") == "망원동 도서관" for record in records)  # UTF-8 kept as text


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite file backup")
def test_sqlite_online_backup_copies_a_consistent_database(newsroom_data, tmp_path):
    original = fingerprint()
    copy = tmp_path / "backup.sqlite3"
    source = sqlite3.connect(connection.settings_dict["NAME"])
    target = sqlite3.connect(copy)
    try:
        source.backup(target)  # safe while the site writes (WAL): the copy is one consistent snapshot
    finally:
        target.close()
        source.close()

    assert sqlite3.connect(copy).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    _assert_same(remote_fingerprint(f"sqlite:///{copy}"), original)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump and pg_restore")
@pytest.mark.skipif(not (shutil.which("pg_dump") and shutil.which("pg_restore")), reason="no PostgreSQL client tools")
def test_pg_dump_and_pg_restore_round_trip(newsroom_data, tmp_path):
    original = fingerprint()
    archive = tmp_path / "newsroom.dump"
    settings = connection.settings_dict
    env = {**os.environ, **({"PGPASSWORD": settings["PASSWORD"]} if settings.get("PASSWORD") else {})}
    subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--file", str(archive), _url(settings["NAME"])],
                   check=True, env=env, capture_output=True, timeout=300)
    database_url, drop = _fresh_database_url(tmp_path)
    try:
        subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname", database_url, str(archive)],
                       check=True, env=env, capture_output=True, timeout=300)
        _assert_same(remote_fingerprint(database_url), original)
        assert remote_login_works(database_url, **newsroom_data)
        assert "No migrations to apply" in manage("migrate", "--no-input", database_url=database_url).stdout
    finally:
        drop()
