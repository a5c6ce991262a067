"""axe-core (bundled by axe-playwright-python) finds no serious accessibility problems on reader pages."""

from pprint import pformat

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import DESKTOP, MOBILE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SERIOUS = {"serious", "critical"}


@pytest.mark.parametrize("viewport", [DESKTOP, MOBILE], ids=["desktop", "mobile"])
def test_reader_pages_have_no_serious_violations(page, live_server, reader_site, viewport):
    page.set_viewport_size(viewport)
    paths = ["/", reader_site[0].get_absolute_url(), "/ko/", f"/ko{reader_site[3].get_absolute_url()}",
             "/search/?q=harbour", "/newsletter/", "/pages/privacy/", "/accounts/signup/", "/cookies/"]
    problems = {}
    for path in paths:
        page.goto(live_server.url + path)
        results = Axe().run(page)
        serious = [v for v in results.response["violations"] if v["impact"] in SERIOUS]
        if serious:
            problems[path] = [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in serious]

    assert problems == {}, pformat(problems, width=140)
