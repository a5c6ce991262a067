import pytest

from submissions import services
from submissions.models import Status, normalize_title, normalize_url
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url, expected", [
    ("https://www.Example.org/a/b/?utm_source=x&id=3#top", "example.org/a/b?id=3"),
    ("http://example.org/a/b", "example.org/a/b"),
    ("https://example.org/?b=2&a=1", "example.org?a=1&b=2"),
])
def test_source_urls_are_normalised(url, expected):
    assert normalize_url(url) == expected


def test_titles_are_normalised():
    assert normalize_title("  Café — “Opens” TODAY!! ") == "cafe opens today"
    assert normalize_title("망원동 도서관, 밤 10시까지") == "망원동 도서관 밤 10시까지"


def test_korean_near_duplicate_titles_are_found():
    factories.article(title="망원동 도서관이 밤 열 시까지 문을 연다", language="ko")
    assert services.find_duplicate(title="망원동 도서관이 밤 열시까지 문을 연다") is not None
    assert services.find_duplicate(title="전주 하천 정화에 시민 200명이 나섰다") is None


def test_duplicate_search_is_bounded(settings):
    settings.SUBMISSION_DUPLICATE_MAX_CANDIDATES = 1
    from datetime import timedelta

    from django.utils import timezone

    factories.article(title="An old story about the harbour bridge", published_at=timezone.now() - timedelta(days=2))
    factories.article(title="Something newer entirely", published_at=timezone.now() - timedelta(days=1))
    # only the newest candidate is compared, so the old near-duplicate is out of reach
    assert services.find_duplicate(title="An old story about the harbour bridges") is None


def revision_pair(mod, **changes):
    submission = factories.submission(status=Status.IN_REVIEW, by=mod)
    from submissions import moderation

    moderation.request_changes(submission, by=mod, reason="x")
    submission.refresh_from_db()
    for name, value in changes.items():
        setattr(submission, name, value)
    submission.save()
    moderation.resubmit(submission, by=submission.contributor)
    return list(submission.revisions.order_by("number"))


def test_revision_diff_lists_changed_fields_with_word_level_marks():
    mod = factories.moderator()
    old, new = revision_pair(mod, title="Council keeps the library open", body=factories.STORY_BODY.replace(
        "seven to two", "eight to one") + "\n\nA new closing paragraph <script>x</script>.")

    diff = services.revision_diff(old, new)

    labels = [str(change.label) for change in diff]
    assert labels == ["Title", "Body"]
    body_rows = diff[1].rows
    kinds = [row.kind for row in body_rows]
    assert "delete" in kinds and "insert" in kinds
    changed_words = {text for row in body_rows for changed, text in row.segments if changed}
    assert "seven" in changed_words and "eight" in changed_words
    assert any("<script>x</script>" in text for row in body_rows for _, text in row.segments)  # raw text, escaped later


def test_identical_revisions_have_no_diff():
    mod = factories.moderator()
    old, new = revision_pair(mod)
    assert services.revision_diff(old, new) == []


def test_contributor_strikes_is_a_hook_that_counts_nothing_yet():
    assert services.contributor_strikes(factories.user()) == 0
