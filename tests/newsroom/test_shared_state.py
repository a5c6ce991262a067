"""Limits, the cache and the health check with several real processes, as in production (issue 18).

gunicorn runs with deploy/gunicorn.conf.py and two workers; the site's database is of the kind the
test run uses (SQLite, or PostgreSQL with DATABASE_URL).
"""

import http.cookiejar
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.processes import free_port, gunicorn, manage, site_database, site_env, start_redis, stop

WRONG = "certainly-not-the-password"


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """One migrated site database for the module, with an article and the accounts the tests guess at."""
    folder = tmp_path_factory.mktemp("site")
    with site_database(folder) as url:
        env = site_env(url, folder)
        manage(env, "migrate", "--no-input", "-v0")
        manage(env, "shell", "--no-imports", "-c",
               "from tests import factories; factories.article(title='Ferry timetable changes', slug='ferry'); "
               "[factories.user(username=name) for name in ('alice', 'bob', 'carol')]")
        yield url


class Browser:
    """A cookie jar and the login form's CSRF token, as a browser would hold them."""

    def __init__(self, site):
        self.site = site
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        page = self.opener.open(f"{site}/accounts/login/", timeout=30).read().decode()
        self.token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    def log_in(self, username, password):
        """'checked' (the password was compared and refused), 'throttled' (429, not compared), or 'in'."""
        data = urllib.parse.urlencode({"login": username, "password": password,
                                       "csrfmiddlewaretoken": self.token}).encode()
        try:
            with self.opener.open(urllib.request.Request(f"{self.site}/accounts/login/", data), timeout=60) as answer:
                body = answer.read().decode()
                return "checked" if "password you specified are not correct" in body else "in"
        except urllib.error.HTTPError as error:
            assert error.code == 429, error.code
            return "throttled"


def get(url, timeout=30):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_sixteen_wrong_passwords_check_at_most_five_across_two_workers(database, tmp_path):
    with gunicorn(site_env(database, tmp_path), tmp_path / "gunicorn.log") as site:
        browser = Browser(site)

        one_by_one = [browser.log_in("alice", WRONG) for _ in range(16)]
        with ThreadPoolExecutor(16) as pool:
            together = list(pool.map(lambda _: browser.log_in("bob", WRONG), range(16)))

    assert one_by_one.count("checked") == 5 and one_by_one.count("throttled") == 11
    assert 1 <= together.count("checked") <= 5, together
    assert together.count("checked") + together.count("throttled") == 16


def test_a_form_limit_holds_across_two_servers(database, tmp_path):
    """16 newsletter sign-ups for one address, spread over two gunicorn servers of two workers each:
    the limit of 3 per address holds, and the address receives 3 emails."""
    outbox = tmp_path / "outbox"
    env = site_env(database, tmp_path, EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
                   EMAIL_FILE_PATH=str(outbox))
    with gunicorn(env, tmp_path / "one.log") as one, gunicorn(env, tmp_path / "two.log") as two:
        def sign_up(n):
            data = urllib.parse.urlencode({"email": "reader@example.com"}).encode()
            try:
                with urllib.request.urlopen(f"{(one, two)[n % 2]}/newsletter/", data, timeout=60) as answer:
                    return answer.status
            except urllib.error.HTTPError as error:
                return error.code

        with ThreadPoolExecutor(16) as pool:
            statuses = list(pool.map(sign_up, range(16)))

    assert statuses.count(200) == 3 and statuses.count(429) == 13, statuses
    sent = "".join(path.read_text() for path in outbox.iterdir())
    assert sent.count("To: reader@example.com") == 3


def test_pages_survive_redis_going_away_and_the_health_check_says_so(database, tmp_path):
    redis_port = free_port()
    redis = start_redis(redis_port, tmp_path)
    log = tmp_path / "gunicorn.log"
    env = site_env(database, tmp_path, REDIS_URL=f"redis://127.0.0.1:{redis_port}/0", REDIS_RETRY_SECONDS="1",
                   PUBLIC_CACHE_SECONDS="600", FRAGMENT_CACHE_SECONDS="600")
    try:
        with gunicorn(env, log) as site:
            assert get(f"{site}/healthz") == (200, b'{"database": "ok", "cache": "ok"}')
            statuses, stop_load = [], threading.Event()

            def load():
                while not stop_load.is_set():
                    for path in ("/", "/articles/ferry/"):
                        statuses.append(get(f"{site}{path}")[0])

            workers = [threading.Thread(target=load) for _ in range(4)]
            for worker in workers:
                worker.start()
            try:
                time.sleep(0.5)
                stop(redis)
                time.sleep(1.5)
                during = len(statuses)

                status, body = get(f"{site}/healthz")
                assert status == 503 and b'"cache": "failed"' in body and b'"database": "ok"' in body
                # The log-in limit still holds: counted in the database meanwhile.
                browser = Browser(site)
                assert [browser.log_in("carol", WRONG) for _ in range(7)] == ["checked"] * 5 + ["throttled"] * 2

                redis = start_redis(redis_port, tmp_path)
                deadline = time.monotonic() + 30
                while get(f"{site}/healthz")[0] != 200:
                    assert time.monotonic() < deadline, "the health check never saw Redis come back"
                    time.sleep(0.2)
                time.sleep(1.5)  # past REDIS_RETRY_SECONDS: every worker uses Redis again
            finally:
                stop_load.set()
                for worker in workers:
                    worker.join()
            hits = [get(f"{site}/articles/ferry/") for _ in range(4)]
    finally:
        stop(redis)

    assert set(statuses) == {200} and len(statuses) > during > 0
    assert all(status == 200 for status, _ in hits)
    text = log.read_text()
    # Logged once per worker for the whole outage (two workers), not once per request.
    assert 1 <= text.count("is unavailable") <= 2, text[-3000:]
    assert "answers again" in text


def test_the_health_check_answers_503_when_the_database_never_answers(tmp_path):
    """A database server that accepts connections and then says nothing."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    held, closing = [], threading.Event()

    def accept():
        while not closing.is_set():
            try:
                held.append(silent.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    env = site_env(f"postgres://newsroom@127.0.0.1:{silent.getsockname()[1]}/newsroom", tmp_path,
                   DATABASE_CONNECT_TIMEOUT="2", PUBLIC_CACHE_SECONDS="0", FRAGMENT_CACHE_SECONDS="0")
    try:
        with gunicorn(env, tmp_path / "gunicorn.log") as site:
            status, body = get(f"{site}/healthz", timeout=20)  # well within gunicorn's own timeout (40 s)
    finally:
        closing.set()
        silent.close()
        for connection in held:
            connection.close()

    assert status == 503
    assert body in (b'{"database": "timeout", "cache": "ok"}', b'{"database": "failed", "cache": "ok"}')
