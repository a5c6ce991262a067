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
