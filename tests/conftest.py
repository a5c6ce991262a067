import importlib
import os

import pytest
from django.apps import apps
from django.test import override_settings

from tests import factories

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls in
# the same thread are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hasher():
    """Full-strength PBKDF2 costs about a second per user on this machine; the suite creates hundreds.
    Production keeps Django's default hashers (tests/newsroom/test_settings.py says so)."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Every test writes uploads and covers into its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _english_by_default():
    """A request to /ko/ leaves Korean active in the thread; every test starts in English."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture(autouse=True)
def _clear_cache(settings):
    """A clean cache per test. The page and fragment caches are off unless a test turns them on
    (tests/newsroom/test_public_cache.py, test_fragment_cache.py): tests run inside a transaction
    that never commits, so the version bump that keeps cached copies fresh never happens."""
    from django.core.cache import cache

    cache.clear()
    settings.PUBLIC_CACHE_SECONDS = 0
    settings.FRAGMENT_CACHE_SECONDS = 0


_APP_MAIL_HANDLERS = {}


@pytest.fixture(autouse=True)
def _app_mail_handlers():
    """Every test starts with the mail handlers the apps register (newsroom/inbound.py): a test that registers
    its own for a route and then unregisters it must not leave that route without its real handler."""
    from newsroom import inbound

    if not _APP_MAIL_HANDLERS:
        _APP_MAIL_HANDLERS.update(inbound._handlers)  # as AppConfig.ready() left them, before any test ran
    inbound._handlers.clear()
    inbound._handlers.update(_APP_MAIL_HANDLERS)


DATA_MIGRATIONS = [
    "articles.migrations.0003_default_disclaimers_and_pages",
    "articles.migrations.0005_staff_groups",
    "articles.migrations.0007_submitted_disclaimer_without_cover_claim",
]


@pytest.fixture(autouse=True)
def _data_migration_content(request):
    """Transactional tests start from a flushed database: put back what data migrations install
    (disclaimers, legal pages, staff groups), as every real installation has them."""
    marker = request.node.get_closest_marker("django_db")
    if not (marker and marker.kwargs.get("transaction")):
        return
    request.getfixturevalue("transactional_db")
    for module in DATA_MIGRATIONS:
        importlib.import_module(module).install(apps, None)


@pytest.fixture
def admin_user(admin_user):
    """pytest-django's superuser (admin_client), with the authenticator app staff must have (newsroom/two_factor.py)."""
    factories.totp_authenticator(admin_user)
    return admin_user


@pytest.fixture
def category(db):
    return factories.category()


@pytest.fixture
def author(db):
    return factories.user(username="writer", display_name="Wendy Writer")


@pytest.fixture
def article(db, category, author):
    return factories.article(title="Harbour bridge reopens after repairs", category=category, author=author)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic"],
    }


@pytest.fixture(scope="session")
def artifacts_dir():
    path = os.path.join(os.path.dirname(os.path.dirname(__file__)), "test-artifacts")
    os.makedirs(path, exist_ok=True)
    return path
