"""Hostile input cannot cost the site: Markdown and revision diffs are bounded by their size before the work.

Found by an attack on loopback with production settings: a 40 KB preview held a worker for 30 s, a 6.6 KB
definition list raised RecursionError (500), and a one-line 40,000-character body made the moderation review
page run past 30 s. Each test gives the page a few seconds at most (`deadline`), so a regression fails
instead of hanging the run.
"""

import contextlib
import signal

import pytest
from django.conf import settings

from articles import text
from submissions import moderation, services
from submissions.models import Status, Submission
from tests import factories

pytestmark = pytest.mark.django_db

BRACKETS = "[" * 20000 + "](" * 10000  # 40 KB: Python-Markdown's link parsing is quadratic in unclosed brackets
DEFINITIONS = "term\n: def\n" * 600  # 6.6 KB: definitions without blank lines nest, one recursion each
SECONDS = 3  # generous for a loaded test machine; the bounded work takes well under a second


class TooSlow(Exception):
    pass


@contextlib.contextmanager
def deadline(seconds=SECONDS):
    def expire(signum, frame):
        raise TooSlow(f"still working after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def story(category, **overrides):
    data = {
        "title": "Riverside library stays open on weekends", "summary": "The council voted seven to two.",
        "body": factories.STORY_BODY, "category": category.pk, "tags": "library", "language": "en",
        "sources": "https://example.org/minutes", "accept_guidelines": "on", "confirm_rights": "on",
        "action": "submit",
    }
    data.update(overrides)
    return data


# --- Markdown -------------------------------------------------------------------

def test_anonymous_preview_of_unclosed_brackets_answers_at_once_and_says_why(client, category):
    with deadline():
        response = client.post("/submit/", story(category, body=BRACKETS, action="preview"))

    html = response.content.decode()
    assert response.status_code == 200 and "Preview: as readers will see it" in html
    assert f"at most {settings.MARKDOWN_MAX_LINK_BRACKETS} are allowed in one paragraph" in html
    assert "[[[[" in html  # the text is still shown, without its formatting


def test_sending_unclosed_brackets_is_refused_with_the_limit(client, category):
    with deadline():
        response = client.post("/submit/", story(category, body=BRACKETS, guest_name="Guest",
                                                 guest_email="guest@example.com"))

    assert response.status_code == 400 and not Submission.objects.exists()
    assert f"at most {settings.MARKDOWN_MAX_LINK_BRACKETS} are allowed" in response.content.decode()


def test_definitions_nested_too_deep_are_refused_not_a_500(client, category):
    writer = factories.user(username="writer")
    client.force_login(writer)

    with deadline():
        response = client.post("/submit/", story(category, body=DEFINITIONS, action="draft"))

    assert response.status_code == 400 and not Submission.objects.exists()
    assert f"at most {settings.MARKDOWN_MAX_NESTING} levels" in response.content.decode()


def test_a_stored_draft_with_deep_definitions_can_still_be_viewed(client, category):
    writer = factories.user(username="writer")
    draft = services.save_draft(contributor=writer, contact_language="en", data={  # stored before the forms checked
        "title": "Glossary", "summary": "", "body": DEFINITIONS, "category": category, "tags": [], "language": "en",
        "sources": [], "no_sources": False, "image": None,
    })
    client.force_login(writer)

    with deadline():
        response = client.get(f"/my/submissions/{draft.pk}/")

    assert response.status_code == 200
    assert "<p>term\n: def\nterm" in response.content.decode()  # shown as plain, escaped paragraphs


def test_a_recursion_the_bounds_did_not_foresee_renders_as_plain_text(settings):
    settings.MARKDOWN_MAX_NESTING = 100_000  # pretend the check missed it

    html = text.render_markdown(DEFINITIONS + "\n\n<b>bold</b>")

    assert html.startswith("<p>term\n: def\n") and "&lt;b&gt;bold&lt;/b&gt;" in html


@pytest.mark.parametrize("body", [
    "<" * 40000, "&" * 40000, "> " * 20000, "1. " * 13000, "a\n=\n" * 10000, "- - -\n" * 6000, "```\n" * 10000,
    "- a\n\n" * 8000, "[a](" + "(" * 39990, "*[a]: b\n" * 5000,
], ids=["angles", "ampersands", "quotes", "ordered-list", "setext", "rules", "fences", "loose-list", "parens", "abbr"])
def test_other_quadratic_shapes_are_refused_quickly(body):
    with deadline():
        problem = text.markdown_problem(body)
        html = text.render_markdown(body)

    assert problem and html.startswith("<p>")


def test_ordinary_long_stories_are_not_refused():
    paragraphs = "\n\n".join(
        f"Paragraph {n} with *emphasis*, a [link](https://example.org/{n}) and (an aside)." * 3 for n in range(200)
    )
    listing = "\n".join(f"- [Source {n}](https://example.org/{n}) – **{n}**" for n in range(150))
    table = "| a | b |\n|---|---|\n" + "| 1 | 2 |\n" * 200
    glossary = "\n\n".join(f"Term {n}\n: Its meaning." for n in range(100))  # the sanitizer drops dl, keeps its text
    one_line = "word " * 8000

    quotes = "> quote\n>\n> > nested\n>\n> - item\n>     - sub"
    for body, formatted in ((paragraphs, "<em>"), (listing, "<li>"), (table, "<td>"), (glossary, "Its meaning."),
                            (one_line, "<p>word"), (quotes, "<blockquote>")):
        with deadline():
            assert text.markdown_problem(body) is None, body[:40]
            assert formatted in text.render_markdown(body)


def test_preview_is_rate_limited_with_a_page_that_says_when_to_try_again(client, category, settings):
    settings.MARKDOWN_PREVIEW_RATE_LIMITS = {"account": (2, 600), "ip": (3, 600)}
    for _ in range(3):
        assert client.post("/submit/", story(category, action="preview")).status_code == 200

    response = client.post("/submit/", story(category, action="preview"))

    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    html = response.content.decode()
    assert "Please try again in about" in html and "Preview: as readers will see it" not in html
    assert 'value="Riverside library stays open on weekends"' in html  # what was typed is kept


def test_preview_is_rate_limited_per_account_too(client, category, settings):
    settings.MARKDOWN_PREVIEW_RATE_LIMITS = {"account": (2, 600), "ip": (100, 600)}
    client.force_login(factories.user(username="writer"))
    for address in ("10.0.0.1", "10.0.0.2"):
        assert client.post("/submit/", story(category, action="preview"), REMOTE_ADDR=address).status_code == 200

    response = client.post("/submit/", story(category, action="preview"), REMOTE_ADDR="10.0.0.3")

    assert response.status_code == 429


# --- Revision diff --------------------------------------------------------------

def test_review_page_of_a_40000_character_line_resubmitted_answers_quickly(client, category):
    writer = factories.user(username="writer")
    mod = factories.moderator(username="mod")
    old_line = " ".join(f"w{n % 97}" for n in range(10000))[:40000].ljust(40000, "x")
    new_line = " ".join(f"w{n % 89}" for n in range(10000))[:40000].ljust(40000, "y")
    submission = factories.submission(status=Status.CHANGES_REQUESTED, contributor=writer, by=mod, body=old_line,
                                      category=category)
    client.force_login(writer)
    response = client.post(f"/my/submissions/{submission.pk}/edit/",
                           story(category, title=submission.title, body=new_line))
    assert response.status_code == 302
    moderation.claim(submission, by=mod)
    client.force_login(mod)

    with deadline():
        response = client.get(f"/moderation/{submission.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Too long to compare word by word" in html
    assert old_line[:200] in html and new_line[:200] in html  # the moderator still sees both


def test_short_changes_are_still_compared_word_by_word(client, category):
    mod = factories.moderator(username="mod")
    writer = factories.user(username="writer")
    submission = factories.submission(status=Status.CHANGES_REQUESTED, contributor=writer, by=mod, category=category)
    client.force_login(writer)
    client.post(f"/my/submissions/{submission.pk}/edit/",
                story(category, title=submission.title, body=factories.STORY_BODY + " The vote was on 3 June."))
    client.force_login(mod)

    html = client.get(f"/moderation/{submission.pk}/").content.decode()

    assert "<ins>" in html and "Too long to compare word by word" not in html


# --- Links found in plain text (articles/sanitize.py) ----------------------------

@pytest.mark.parametrize("body", [
    "a-" * 20000,  # one 40 KB run: bleach's URL pattern backtracked over it from every position (24 s)
    ("a-b." * 64 + " ") * 150,  # dotted runs just under the run limit: every host label, every top-level domain
    ("a-b.com." * 32 + " ") * 150,
], ids=["one-run", "dotted-runs", "dotted-runs-with-a-domain"])
def test_text_that_looks_almost_like_addresses_is_previewed_at_once(client, category, body):
    with deadline():
        response = client.post("/submit/", story(category, body=body, action="preview"))

    assert response.status_code == 200 and "Preview: as readers will see it" in response.content.decode()


def test_addresses_in_plain_text_still_become_links():
    from articles import sanitize

    html = sanitize.clean_html("<p>See https://example.org/report, www.council.go.kr and bbc.co.uk.</p>")

    assert '<a href="https://example.org/report" rel="nofollow ugc noopener">' in html
    assert '<a href="http://www.council.go.kr" rel="nofollow ugc noopener">' in html
    assert '<a href="http://bbc.co.uk" rel="nofollow ugc noopener">' in html
