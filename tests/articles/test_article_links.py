"""articles.links: which addresses are this site's articles, the same answer for the notice form,
staff and mail intake."""

from email.utils import make_msgid

import pytest

from articles import publishing
from newsroom import inbound
from articles import links as article_links
from submissions.takedowns.mail_parsing import parse
from submissions.takedowns.forms import TakedownReportForm, article_slug
from tests import factories

SEOUL = "서울-지하철-파업"
SEOUL_ENCODED = "%EC%84%9C%EC%9A%B8-%EC%A7%80%ED%95%98%EC%B2%A0-%ED%8C%8C%EC%97%85"


@pytest.fixture(autouse=True)
def site(settings):
    """A demo run on this machine: an IP address with a port, localhost, IPv6 and a public name."""
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "news.example.org"]
    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.TAKEDOWN_SITE_HOSTS = []


# url → (slug, language) of the article it points at, or None.
TABLE = {
    "http://127.0.0.1:8000/articles/harbour/": ("harbour", "en"),
    "http://localhost/articles/harbour/": ("harbour", "en"),
    "http://localhost:8000/ko/articles/harbour/": ("harbour", "ko"),
    "http://[::1]:8000/articles/harbour/": ("harbour", "en"),
    "https://news.example.org/articles/harbour/": ("harbour", "en"),
    "HTTPS://News.Example.org./articles/harbour/?utm_source=feed#photo": ("harbour", "en"),
    f"https://news.example.org/ko/articles/{SEOUL_ENCODED}/": (SEOUL, "ko"),
    f"http://localhost/ko/articles/{SEOUL}/": (SEOUL, "ko"),
    "https://news.example.org/articles/harbour/).": ("harbour", "en"),  # the end of a sentence in running text
    "https://news.example.org/articles/harbour": ("harbour", "en"),  # the site adds the slash
    # Not this site's host.
    "https://elsewhere.example/articles/harbour/": None,
    "https://www.news.example.org/articles/harbour/": None,  # ALLOWED_HOSTS does not allow www
    "http://127.0.0.2/articles/harbour/": None,
    "http://news.example.org.elsewhere.example/articles/harbour/": None,
    "http://news.example.org@elsewhere.example/articles/harbour/": None,
    # This site's host, but not a path the site routes to an article.
    "https://news.example.org/category/harbour/": None,
    "https://news.example.org/articles/harbour/comments/": None,
    "https://news.example.org/en/articles/harbour/": None,  # English has no prefix
    "https://news.example.org/fr/articles/harbour/": None,
    "https://news.example.org/": None,
    # Not a web address.
    "ftp://news.example.org/articles/harbour/": None,
    "http://[::1/articles/harbour/": None,
    "http://localhost:99999/articles/harbour/": None,
}


@pytest.mark.parametrize("url, expected", list(TABLE.items()))
def test_the_parser_table(url, expected):
    link = article_links.parse(url)
    assert (link and (link.slug, link.language)) == (expected or None)


def test_www_counts_when_allowed_hosts_allow_it(settings):
    settings.ALLOWED_HOSTS = [".news.example.org"]
    assert article_links.parse("https://www.news.example.org/articles/harbour/").slug == "harbour"
    assert article_links.parse("https://news.example.org/articles/harbour/").slug == "harbour"


def test_the_site_url_host_counts_and_a_wildcard_does_not(settings):
    settings.ALLOWED_HOSTS = ["*"]
    settings.SITE_URL = "https://news.example.org"
    assert article_links.parse("https://news.example.org/articles/harbour/").slug == "harbour"
    assert article_links.parse("https://elsewhere.example/articles/harbour/") is None


def test_further_hosts_count(settings):
    settings.TAKEDOWN_SITE_HOSTS = ["old-news.example.net"]
    assert article_links.parse("https://old-news.example.net/articles/harbour/").slug == "harbour"


def test_canonical_urls_keep_host_and_port_and_read_in_hangul():
    assert article_links.parse("http://127.0.0.1:8000/articles/harbour/?x=1").url == \
        "http://127.0.0.1:8000/articles/harbour/"
    link = article_links.parse(f"https://News.Example.org/ko/articles/{SEOUL_ENCODED}/")
    assert link.url == f"https://news.example.org/ko/articles/{SEOUL}/"
    assert link.path == f"/ko/articles/{SEOUL_ENCODED}/"


def test_running_text_in_mail_finds_the_same_links():
    text = (f"Copied at http://127.0.0.1:8000/articles/harbour/, again on localhost:8000/articles/harbour/ and "
            f"[::1]:8000/articles/harbour/. 기사 주소: http://localhost/ko/articles/{SEOUL}/에 게재된 사진 "
            "(see https://news.example.org/articles/harbour/). Not ours: https://elsewhere.example/articles/other/")
    mail = parse(f"From: a@example.com\nSubject: notice\n\n{text}\n".encode(), site_hosts=article_links.site_hosts())
    assert mail.article_slugs == ["harbour", SEOUL]
    assert mail.article_urls == [
        "http://127.0.0.1:8000/articles/harbour/", "https://localhost:8000/articles/harbour/",
        "https://[::1]:8000/articles/harbour/", f"http://localhost/ko/articles/{SEOUL}/",
        "https://news.example.org/articles/harbour/",
    ]


# --- The notice form and the mail intake agree -------------------------------------------------------------


@pytest.fixture
def stories(db):
    harbour = factories.article(title="Harbour", slug="harbour")
    seoul = factories.article(title="서울 지하철 파업", slug=SEOUL, language="ko")
    return {"harbour": harbour, SEOUL: seoul}


def _form_article(url):
    form = TakedownReportForm({
        "work_description": "My photograph, https://lumen-photo.example.com/dawn", "infringing_urls": url,
        "complainant_name": "Jane Doe", "complainant_address": "221 Baker Street, London",
        "complainant_email": "jane@lumen-photo.example.com", "complainant_phone": "+44 20 7946 0958",
        "good_faith_statement": "on", "accuracy_statement": "on", "signature": "Jane Doe",
    })
    return form.links[0][0] if form.is_valid() else None


def _mail_article(url, settings):
    settings.COPYRIGHT_EMAIL = "copyright@news.example.org"
    raw = (f"From: jane@lumen-photo.example.com\nTo: copyright@news.example.org\nSubject: notice\n"
           f"Message-ID: {make_msgid()}\n\nThe infringing article: {url}\n").encode()
    case = inbound.ingest_message(raw).case
    return case.articles.get() if case.articles.exists() else None


@pytest.mark.parametrize("url", list(TABLE))
def test_the_form_and_the_mail_intake_give_the_same_answer(url, stories, settings):
    expected = stories[TABLE[url][0]] if TABLE[url] else None
    assert _form_article(url) == expected
    assert _mail_article(url, settings) == expected
    assert article_slug(url) == (TABLE[url] and TABLE[url][0])  # the staff's "link an article" field


def test_an_old_address_still_finds_its_article(stories, settings):
    harbour = stories["harbour"]
    harbour.slug = "harbour-bridge"
    publishing.update_content(harbour)
    for host in ("http://127.0.0.1:8000", "http://localhost"):
        assert _form_article(f"{host}/articles/harbour/") == harbour
        assert _mail_article(f"{host}/ko/articles/harbour/", settings) == harbour
