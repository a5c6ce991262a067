"""Korean typography in a real Chromium: lines break between words, never inside one nor before "·"; Hangul is
never set in synthetic italics; the story's own language decides, not the page's."""

import pytest

from articles import cover_files
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 390, "height": 844}
KOREAN_TITLE = "망원동 수리카페, 석 달 만에 고장 난 가전·자전거 150여 점 되살렸다"
LONG_TOKEN = "https://example.org/" + "a" * 120

# For each "·" in the element's text: is it on the same line as the character before it? And is every
# space-separated word on one line? (Word joiners around "·" are invisible: they belong to the word.)
LINE_BREAKS = """(element) => {
  const node = element.firstChild, text = node.textContent, range = document.createRange();
  const top = (start, end) => { range.setStart(node, start); range.setEnd(node, end); return range.getClientRects(); };
  const before = (i) => { i -= 1; while (text[i] === "\\u2060") i -= 1; return i; };
  const dots = [...text.matchAll(/·/g)].map(m => top(before(m.index), before(m.index) + 1)[0].top === top(m.index, m.index + 1)[0].top);
  let words = [], at = 0;
  for (const word of text.split(" ")) { words.push(new Set([...top(at, at + word.length)].map(r => r.top)).size === 1); at += word.length + 1; }
  return {dots, words, lines: new Set([...top(0, text.length)].map(r => Math.round(r.top))).size};
}"""


@pytest.fixture
def stories(db):
    local = factories.category(name="Local", name_ko="지역", color="#1f4e79")
    author = factories.user(username="mina", display_name="Mina Park")
    korean = factories.article(
        title=KOREAN_TITLE, slug="mangwon-repair-cafe", language="ko", category=local, author=author,
        summary="주민 자원봉사자들이 매달 둘째 토요일 고장 난 물건을 무료로 고쳐 준다.",
        body="망원동 주민센터 2층에서 열리는 수리카페가 석 달 만에 150여 점을 되살렸다.\n\n"
             "> 버리려던 선풍기가 다시 돌아가니 *정말* 기뻤어요.\n\n"
             f"자세한 일정은 {LONG_TOKEN} 에서 볼 수 있다.\n\n" + "주민들은 반겼다. " * 60,
    )
    english = factories.article(
        title="Harbour bridge reopens after two years of repairs", slug="harbour-bridge", category=local,
        author=author, summary="Commuters cheered as the first buses crossed the restored span.",
        body="The harbour bridge reopened on Monday.\n\n> We waited a *long* time for this, said a resident.\n\n"
             + "More detail follows. " * 80,
    )
    for story in (korean, english):
        cover_files.generate(story)
    return {"ko": korean, "en": english}


def style(page, selector, prop):
    return page.locator(selector).first.evaluate(f"(e) => getComputedStyle(e).{prop}")


@pytest.mark.parametrize("viewport", [DESKTOP, MOBILE], ids=["desktop", "mobile"])
def test_a_korean_story_breaks_between_words_and_stays_upright(page, live_server, stories, artifacts_dir, viewport):
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/ko/articles/{stories['ko'].slug}/")
    assert style(page, "h1.story-title", "wordBreak") == "keep-all"
    breaks = page.locator("h1.story-title").evaluate(LINE_BREAKS)
    assert breaks["lines"] > 1 or viewport is DESKTOP
    assert all(breaks["dots"]) and all(breaks["words"]), breaks
    # Whatever the width of the column (as long as the longest word fits), it breaks only between words.
    for width in range(200, 480, 4):
        page.locator("h1.story-title").evaluate(f"(e) => {{ e.style.fontSize = '32px'; e.style.width = '{width}px'; }}")
        breaks = page.locator("h1.story-title").evaluate(LINE_BREAKS)
        assert all(breaks["dots"]) and all(breaks["words"]), (width, breaks)
    page.locator("h1.story-title").evaluate("(e) => { e.style.fontSize = e.style.width = ''; }")
    assert style(page, ".story-body blockquote", "fontStyle") == "normal"
    assert style(page, ".story-body em", "fontStyle") == "normal"
    assert style(page, ".disclaimer--opinion", "fontStyle") == "normal"
    # A long address in the body wraps instead of widening the page.
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.screenshot(path=f"{artifacts_dir}/korean-article-{viewport['width']}.png", full_page=True)


@pytest.mark.parametrize("viewport", [DESKTOP, MOBILE], ids=["desktop", "mobile"])
def test_an_english_story_keeps_its_italics_even_on_a_korean_page(page, live_server, stories, artifacts_dir,
                                                                  viewport):
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/articles/{stories['en'].slug}/")
    assert style(page, ".story-body blockquote", "fontStyle") == "italic"
    assert style(page, ".story-body em", "fontStyle") == "italic"
    assert style(page, ".disclaimer--opinion", "fontStyle") == "italic"
    page.screenshot(path=f"{artifacts_dir}/english-article-{viewport['width']}.png", full_page=True)

    page.goto(f"{live_server.url}/ko/articles/{stories['en'].slug}/")
    assert style(page, ".story-body blockquote", "fontStyle") == "italic"  # the story is English
    assert style(page, ".disclaimer--opinion", "fontStyle") == "normal"  # the note is in the reader's Korean
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]

    page.goto(f"{live_server.url}/articles/{stories['ko'].slug}/")
    assert style(page, "h1.story-title", "wordBreak") == "keep-all"  # a Korean story on an English page
    assert style(page, ".story-body blockquote", "fontStyle") == "normal"
    assert style(page, ".disclaimer--opinion", "fontStyle") == "italic"
