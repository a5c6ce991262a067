"""What a shared HTTP cache (Varnish, a CDN) is allowed to store, and that every change purges it."""

import http.server
import logging
import threading

import pytest

from articles import publishing
from tests import factories

pytestmark = pytest.mark.django_db


def test_an_anonymous_article_page_may_be_kept_by_a_shared_cache_only(client, article):
    response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert directives == {"public", "max-age=0", "s-maxage=600"}
    assert response["xkey"] == response["Surrogate-Key"]
    assert "newsroom" in response["xkey"].split()


@pytest.mark.parametrize("status", ["withdrawn", "disabled"])
def test_gone_and_blocked_stories_are_public_answers_too(client, status):
    article = factories.article(status=status)

    response = client.get(article.get_absolute_url())

    assert response.status_code in (410, 451)
    assert "s-maxage=600" in response["Cache-Control"] and "newsroom" in response["xkey"]


@pytest.mark.parametrize("prefix", ["", "/ko"])
def test_a_public_page_does_not_vary_on_the_browsers_language(client, article, prefix):
    """Its address decides its language, so a shared cache keeps one copy per address, not one per
    Accept-Language a browser sends."""
    english = client.get(f"{prefix}/", headers={"Accept-Language": "ko-KR,ko;q=0.9"})
    korean = client.get(f"{prefix}/", headers={"Accept-Language": "en-US"})

    assert "accept-language" not in english.get("Vary", "").lower()
    assert english.content == korean.content


def test_the_shared_cache_lifetime_is_a_setting_and_zero_means_none(client, article, settings):
    settings.HTTP_CACHE_SECONDS = 120
    assert "s-maxage=120" in client.get(article.get_absolute_url())["Cache-Control"]

    settings.HTTP_CACHE_SECONDS = 0
    response = client.get(article.get_absolute_url())
    assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]
    assert not response.has_header("xkey")


def test_a_signed_in_readers_page_is_private(client, article):
    client.force_login(factories.user())

    response = client.get(article.get_absolute_url())

    assert "private" in response["Cache-Control"] and "s-maxage" not in response["Cache-Control"]
    assert not response.has_header("xkey") and not response.has_header("Surrogate-Key")


def test_a_form_that_sets_the_csrf_cookie_is_private(client):
    response = client.get("/accounts/login/")

    assert response.status_code == 200 and response.cookies
    assert {"private", "no-cache"} <= {d.strip() for d in response["Cache-Control"].split(",")}


def test_a_post_answer_is_private(client):
    response = client.post("/search/", {"q": "x"})

    assert "private" in response["Cache-Control"]


def test_a_pending_message_makes_the_page_private(client, article):
    client.cookies["messages"] = "anything"

    assert "private" in client.get(article.get_absolute_url())["Cache-Control"]


def test_what_a_view_set_explicitly_is_kept(client):
    directives = {d.strip() for d in client.get("/robots.txt")["Cache-Control"].split(",")}
    assert directives == {"public", "max-age=86400"}


class _Recorder(http.server.BaseHTTPRequestHandler):
    received = []

    def do_PURGE(self):  # noqa: N802 (the method's name)
        self.received.append(self.headers["xkey-purge"])
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def varnish_stand_in(settings):
    """A server that records PURGE requests, at HTTP_CACHE_PURGE_URL."""
    _Recorder.received = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.HTTP_CACHE_PURGE_URL = f"http://127.0.0.1:{server.server_port}/"
    yield _Recorder.received
    server.shutdown()
    server.server_close()


def test_a_change_purges_the_shared_cache_once_after_commit(article, varnish_stand_in, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        publishing.withdraw(article, by=None, reason="wrong")
    assert varnish_stand_in == []  # nothing before the commit

    for callback in callbacks:
        callback()

    # Several saves, one purge: of what the withdrawal touches (the story, the lists that showed it), not everything.
    assert len(varnish_stand_in) == 1
    purged = set(varnish_stand_in[0].split())
    assert {f"article-{article.pk}", f"section-{article.category_id}", f"author-{article.author_id}", "front"} <= purged
    assert "newsroom" not in purged


def test_an_unreachable_cache_is_logged_and_the_change_still_happens(
    article, settings, caplog, django_capture_on_commit_callbacks
):
    settings.HTTP_CACHE_PURGE_URL = "http://127.0.0.1:9/"  # discard: nothing listens

    with caplog.at_level(logging.ERROR, logger="newsroom.http_cache"):
        with django_capture_on_commit_callbacks(execute=True):
            publishing.withdraw(article, by=None, reason="wrong")

    article.refresh_from_db()
    assert article.status == "withdrawn"
    assert f"Could not purge article-{article.pk} " in caplog.text
