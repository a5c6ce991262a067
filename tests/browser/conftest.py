import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from articles import cover_files
from tests import factories

DESKTOP = {"width": 1366, "height": 900}
MOBILE = {"width": 390, "height": 844}


@pytest.fixture
def reader_site(db):
    """A small living front page: two sections, English and Korean stories with covers."""
    city = factories.category(name="Local", name_ko="지역", color="#1f4e79")
    science = factories.category(name="Science", name_ko="과학", color="#2d6a4f")
    author = factories.user(username="mina", display_name="Mina Park")
    stories = [
        factories.article(
            title="Harbour bridge reopens after two years of repairs", featured=True, category=city, author=author,
            tags=["harbour", "transport"],
            summary="Commuters cheered as the first buses crossed the restored span on Monday morning.",
            body="The harbour bridge reopened on Monday.\n\n## What changed\n\nNew cycle lanes run both ways.\n\n"
                 "> We waited a long time for this, said a resident.\n\n" + ("More detail follows. " * 120),
        ),
        factories.article(title="Volunteers count 4,000 birds at the estuary", category=science, author=author,
                          tags=["birds", "citizen science"], featured=True,
                          summary="A weekend survey found the first avocets in a decade."),
        factories.article(title="Night market returns to the old tram depot", category=city, author=author,
                          tags=["food", "harbour"], summary="Thirty stalls and a brass band drew a crowd."),
        factories.article(title="망원동 도서관이 밤 열 시까지 문을 연다", language="ko", category=city, author=author,
                          tags=["도서관"], summary="주민 요청에 따라 평일 운영 시간이 늘어났다.",
                          body="망원동 도서관이 다음 달부터 평일 밤 열 시까지 문을 연다.\n\n" + "주민들은 반겼다. " * 80),
        factories.article(title="전주 하천 정화에 시민 200명이 나섰다", language="ko", category=science, author=author,
                          tags=["환경"], summary="주말 동안 쓰레기 1.2톤을 수거했다."),
    ]
    for story in stories:
        cover_files.generate(story)
    return stories


def pass_second_factor(page, username):
    """Staff made by the factories have an authenticator app: after the password, type its current code."""
    user = get_user_model().objects.get(username=username)
    if not factories.has_authenticator(user):
        return
    code = page.locator("input[name=code]")
    expect(code).to_be_visible()
    code.fill(factories.totp_code(user))
    page.locator("#main form button[type=submit]").first.click()
