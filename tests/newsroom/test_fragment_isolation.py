"""A cached fragment renders only from what its tag names: no view's own context reaches what other readers get.

Found by a new user: after any edit, one visit to /accounts/login/ (whose view passes its own `site_name`,
the host) made the masthead of every page show "testserver" instead of the site's name, for everyone.
"""

import re

import pytest
from django.core.cache import cache
from django.template import Context, Template

from articles.models import Article
from tests import factories

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


@pytest.fixture(autouse=True)
def fragments_on(settings):
    settings.PUBLIC_CACHE_SECONDS = 0  # every page is rendered, from cached fragments
    settings.FRAGMENT_CACHE_SECONDS = 600
    settings.SITE_NAME = "Newsroom"


@pytest.fixture
def site(db):
    section = factories.category(name="Local")
    story = factories.article(title="Harbour bridge reopens", category=section)
    factories.article(title="다리 다시 열려", language="ko", category=section)
    withdrawn = factories.article(title="Withdrawn story", category=section, status=Article.Status.WITHDRAWN)
    disabled = factories.article(title="Disputed story", category=section, status=Article.Status.DISABLED)
    return {"section": section, "story": story, "withdrawn": withdrawn, "disabled": disabled}


def reader_pages(site):
    return ["/", "/ko/", site["story"].get_absolute_url(), site["section"].get_absolute_url(), "/search/?q=bridge"]


def views_with_context_of_their_own(site):
    """(who, url): pages whose views pass context of their own, or that are staff or error pages."""
    return [
        (None, "/accounts/login/"), (None, "/accounts/password/reset/"), (None, "/accounts/signup/"),
        (None, "/ko/accounts/login/"), (None, "/submit/"), (None, "/newsletter/"), (None, "/cookies/"),
        (None, "/no-such-page/"), (None, site["withdrawn"].get_absolute_url()),
        (None, site["disabled"].get_absolute_url()), (None, "/copyright/report/"),
        ("contributor", "/my/submissions/"), ("contributor", "/accounts/email/"), ("moderator", "/moderation/"), ("copyright", "/copyright/cases/"),
    ]


def page(client, url):
    response = client.get(url, follow=True)
    return TOKEN.sub("csrf", response.content.decode())


def test_no_view_leaks_context_into_the_pages_of_other_readers(client, site):
    readers, visits = reader_pages(site), views_with_context_of_their_own(site)  # addresses in English
    reference = {}
    for url in readers:
        cache.clear()
        reference[url] = page(client, url)  # rendered with nothing cached
    assert ">Newsroom</a>" in reference["/"]
    staff = {"contributor": factories.user(), "moderator": factories.moderator(),
             "copyright": factories.copyright_staff()}

    for who, url in visits:
        from django.test import Client

        visitor = Client()
        if who:
            visitor.force_login(staff[who])
        cache.clear()
        visitor.get(url)  # its fragments are cached first, with whatever its view put in the context
        for reader_url in readers:
            assert page(client, reader_url) == reference[reader_url], f"{url} changed {reader_url}"


def test_the_masthead_shows_the_site_name_after_someone_opened_the_login_page(client, site):
    client.get("/accounts/login/")

    home = client.get("/").content.decode()

    assert '<a class="brand" href="/">Newsroom</a>' in home
    assert "testserver</a>" not in home


def test_a_fragment_sees_only_what_its_tag_names(rf):
    template = Template('{% load fragments %}{% fragment "t" 1 shown=shown with extra=extra %}'
                       '[{{ shown }}|{{ extra }}|{{ leaked }}|{{ site_name }}]{% endfragment %}')
    context = Context({"request": None, "shown": "a", "extra": "b", "leaked": "view", "site_name": "host:8101"})

    assert template.render(context) == "[a|b||Newsroom]"
    context["leaked"], context["site_name"] = "other", "other"
    assert template.render(context) == "[a|b||Newsroom]"  # served from the cache, keyed by its parts
