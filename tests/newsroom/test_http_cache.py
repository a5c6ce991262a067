"""Through a real Varnish running deploy/varnish/default.vcl: what readers get from the shared cache."""

import http.client
import shutil
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.test import Client

from articles import publishing
from tests import factories

VARNISHD = shutil.which("varnishd") or shutil.which("varnishd", path="/usr/sbin:/usr/local/sbin")
VCL = Path(django_settings.BASE_DIR) / "deploy" / "varnish" / "default.vcl"

pytestmark = [
    pytest.mark.skipif(not VARNISHD, reason="varnishd is not installed (`make system-packages` installs it)"),
    pytest.mark.django_db(transaction=True),
]


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Varnish:
    def __init__(self, port):
        self.port = port

    def get(self, path, cookie=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        headers = {"Host": f"localhost:{self.port}"}
        if cookie:
            headers["Cookie"] = cookie
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            return response, response.read().decode()
        finally:
            connection.close()

    def eventually(self, path, check):
        """The answer for `path` once `check(response, body)` holds; fails after one second."""
        deadline = time.monotonic() + 1
        while True:
            response, body = self.get(path)
            if check(response, body) or time.monotonic() > deadline:
                assert check(response, body), f"{path}: still {response.status} after 1 s"
                return response, body
            time.sleep(0.05)


@pytest.fixture
def varnish(live_server, tmp_path, settings):
    """varnishd with the project's VCL, its backend the live server; purged by the application."""
    # No jail (-j none): as root, varnishd would switch to a user that cannot read pytest's private tmp_path.
    backend_port = urlsplit(live_server.url).port
    vcl = VCL.read_text()
    assert '.port = "8000"' in vcl
    config = tmp_path / "default.vcl"
    config.write_text(vcl.replace('.port = "8000"', f'.port = "{backend_port}"'))
    port = _free_port()
    process = subprocess.Popen(
        [VARNISHD, "-F", "-j", "none", "-a", f"127.0.0.1:{port}", "-n", str(tmp_path / "varnish"), "-f", str(config),
         "-s", "malloc,32m"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    cache = Varnish(port)
    deadline = time.monotonic() + 30
    while True:
        try:
            cache.get("/healthz")
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"varnishd did not start: {process.stderr.read().decode()}")
            time.sleep(0.1)
    settings.HTTP_CACHE_PURGE_URL = f"http://127.0.0.1:{port}/"
    yield cache
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _from_cache(response):
    return len(response.headers["X-Varnish"].split()) == 2


def _session_cookie(user):
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def test_the_second_anonymous_reader_gets_the_page_from_varnish_without_cookie_or_token(varnish):
    story = factories.article(title="Harbour reopens")
    url = story.get_absolute_url()

    first, first_body = varnish.get(url)
    second, second_body = varnish.get(url, cookie="csrftoken=someone-elses")

    assert first.status == 200 and not _from_cache(first)
    assert _from_cache(second) and second_body == first_body and "Harbour reopens" in second_body
    for response, body in ((first, first_body), (second, second_body)):
        assert response.getheader("Set-Cookie") is None and "csrfmiddlewaretoken" not in body
        assert response.getheader("xkey") is None  # the tags are for the cache, not for browsers


def test_publish_edit_withdraw_disable_and_restore_show_through_varnish_within_a_second(varnish):
    draft = factories.article(title="Storm warning", status="draft")
    url = draft.get_absolute_url()
    for _ in range(2):
        assert varnish.get(url)[0].status == 404  # the 404 is stored too

    story = publishing.publish(draft)
    varnish.eventually(url, lambda response, body: response.status == 200 and "Storm warning" in body)
    assert _from_cache(varnish.get(url)[0])

    story.title = "Storm warning lifted"
    publishing.update_content(story)
    varnish.eventually(url, lambda response, body: "Storm warning lifted" in body)

    story = publishing.withdraw(story, by=None, reason="Outdated")
    varnish.eventually(url, lambda response, body: response.status == 410)
    assert _from_cache(varnish.get(url)[0])

    other = factories.article(title="Court order")
    other_url = other.get_absolute_url()
    varnish.get(other_url)
    assert _from_cache(varnish.get(other_url)[0])
    publishing.disable(other, by=None, reason="Court order")
    varnish.eventually(other_url, lambda response, body: response.status == 451)
    assert _from_cache(varnish.get(other_url)[0])

    publishing.restore(other, by=None, reason="The order was lifted")
    varnish.eventually(other_url, lambda response, body: response.status == 200 and "Court order" in body)


def test_signed_in_and_anonymous_readers_never_get_each_others_page(varnish):
    story = factories.article(title="Budget passes")
    reader = factories.user(username="hyejin")
    signed_in = _session_cookie(reader)
    url = story.get_absolute_url()

    # A signed-in reader first: their page is not kept for the anonymous ones.
    mine, mine_body = varnish.get("/", cookie=signed_in)
    assert "hyejin" in mine_body and "private" in mine.getheader("Cache-Control")
    anonymous, anonymous_body = varnish.get("/")
    assert "hyejin" not in anonymous_body and not _from_cache(anonymous)

    # The anonymous page is cached, and never given to the signed-in reader.
    varnish.get(url)
    assert _from_cache(varnish.get(url)[0])
    mine, mine_body = varnish.get(url, cookie=f"csrftoken=abc; {signed_in}")
    assert not _from_cache(mine) and "hyejin" in mine_body and "Budget passes" in mine_body
    again, again_body = varnish.get(url)
    assert _from_cache(again) and "hyejin" not in again_body


def test_a_change_purges_only_the_pages_that_show_the_story(varnish, settings):
    # The site's own caches too: what Varnish fetches again after a purge must be fresh there as well.
    settings.PUBLIC_CACHE_SECONDS = settings.FRAGMENT_CACHE_SECONDS = 600
    harbour, culture, sport = (factories.category(name=name) for name in ("Harbour", "Culture", "Sport"))
    story = factories.article(title="Ferry strike ends", category=harbour, author=factories.user(), tags=["ferries"])
    related = factories.article(title="Ferry fares rise", category=culture, author=factories.user(), tags=["ferries"])
    unrelated = factories.article(title="Gallery reopens", category=sport, author=factories.user(), tags=["art"])
    pages = ["/", harbour.get_absolute_url(), story.get_absolute_url(), related.get_absolute_url(),
             unrelated.get_absolute_url()]
    for url in pages:
        varnish.get(url)
    assert all(_from_cache(varnish.get(url)[0]) for url in pages)

    story.title = "Ferry strike is over"
    publishing.update_content(story)

    for url in ("/", harbour.get_absolute_url(), related.get_absolute_url()):  # front, its section, "You may also like"
        varnish.eventually(url, lambda response, body: "Ferry strike is over" in body)
    unrelated_page, body = varnish.get(unrelated.get_absolute_url())
    assert _from_cache(unrelated_page) and "Gallery reopens" in body

    publishing.disable(story, by=None, reason="Court order")
    varnish.eventually(story.get_absolute_url(), lambda response, body: response.status == 451)
    varnish.eventually(related.get_absolute_url(), lambda response, body: "Ferry strike" not in body)
    assert _from_cache(varnish.get(unrelated.get_absolute_url())[0])
