"""Production settings are checked in a fresh process, as a deployment would load them."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_the_deployment_checklist():
    result = manage("check", "--deploy", "--fail-level", "WARNING",
                    DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="news.example.org")

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", DEBUG="0")

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


@pytest.mark.parametrize("value, expected", [("1", "True"), ("0", "False"), ("", "False")])
def test_debug_is_read_from_the_environment(value, expected):
    result = manage("shell", "--no-imports", "-c", "from django.conf import settings; print(settings.DEBUG)",
                    DEBUG=value, SECRET_KEY="x" * 50)

    assert result.stdout.strip() == expected, result.stderr


def test_passwords_are_stored_with_a_slow_hash_outside_the_tests():
    """The test suite swaps in a fast hasher (tests/conftest.py); a real site never does."""
    result = manage("shell", "--no-imports", "-c",
                    "from django.contrib.auth.hashers import make_password; print(make_password('x').split('$')[0])",
                    DEBUG="0", SECRET_KEY="x" * 50, ALLOWED_HOSTS="news.example.org")

    assert result.stdout.strip() == "pbkdf2_sha256", result.stderr


def test_production_takes_the_site_address_from_its_host_and_refuses_one_it_cannot_serve():
    production = {"DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50)}
    derived = manage("shell", "--no-imports", "-c", "from django.conf import settings; print(settings.SITE_URL)",
                     ALLOWED_HOSTS="news.example.org,.example.org", **production)
    elsewhere = manage("migrate", "--plan", ALLOWED_HOSTS="news.example.org", SITE_URL="https://old.example.net",
                       **production)
    unknown = manage("check", ALLOWED_HOSTS=".example.org", **production)

    assert derived.stdout.strip() == "https://news.example.org", derived.stderr
    assert elsewhere.returncode != 0 and "newsroom.E002" in elsewhere.stderr
    assert unknown.returncode != 0 and "newsroom.E001" in unknown.stderr


def test_gunicorn_refuses_to_start_with_settings_a_worker_would_get_wrong(tmp_path):
    result = subprocess.run(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "newsroom.wsgi"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**{k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}},
             "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "news.example.org",
             "SITE_URL": "https://old.example.net", "GUNICORN_BIND": "127.0.0.1:0"},
    )

    assert result.returncode != 0
    assert "newsroom.E002" in result.stdout + result.stderr


@pytest.mark.parametrize("url, expected", [
    ("postgres://u@db.internal/newsroom",
     "{'connect_timeout': 3, 'options': '-c statement_timeout=12000'}"),
    ("sqlite:////tmp/x.sqlite3", "12"),
])
def test_database_timeouts_come_from_the_environment(url, expected):
    show = ("from django.conf import settings; o = settings.DATABASES['default']['OPTIONS']; "
            "print(o['timeout'] if 'timeout' in o else {k: o[k] for k in ('connect_timeout', 'options')})")
    result = manage("shell", "--no-imports", "-c", show, DEBUG="1", DATABASE_URL=url,
                    DATABASE_CONNECT_TIMEOUT="3", DATABASE_STATEMENT_TIMEOUT="12")

    assert result.stdout.strip() == expected, result.stderr
