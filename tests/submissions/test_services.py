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


def _changes(submission, **fields):
    return {"title": submission.title, "summary": submission.summary, "body": submission.body + "\n\nMore.",
            "category": submission.category, "tags": submission.tag_list, "language": submission.language,
            "sources": submission.source_list, "no_sources": submission.no_sources, **fields}


def test_a_second_send_from_a_stale_page_cannot_resend_a_story_already_in_the_queue():
    contributor = factories.user()
    draft = factories.submission(status=Status.DRAFT, contributor=contributor)
    stale = type(draft).objects.get(pk=draft.pk)  # the second tab's copy, read before the first send
    services.send(contributor=contributor, data=_changes(draft), contact_language="en", submission=draft)

    with pytest.raises(services.Refused):
        services.send(contributor=contributor, data=_changes(stale, title="Changed"), contact_language="en",
                      submission=stale)

    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED and draft.submitted_at is not None
    assert draft.revisions.count() == 1 and draft.title != "Changed"


def test_saving_a_draft_from_a_stale_copy_never_rewrites_its_review_state():
    contributor, moderator = factories.user(), factories.moderator()
    submission = factories.submission(status=Status.CHANGES_REQUESTED, contributor=contributor, by=moderator)
    stale = type(submission).objects.get(pk=submission.pk)
    services.send(contributor=contributor, data=_changes(submission), contact_language="en", submission=submission)
    from submissions import moderation

    moderation.claim(submission, by=moderator)

    with pytest.raises(services.Refused):
        services.save_draft(contributor=contributor, data=_changes(stale), contact_language="en", submission=stale)

    submission.refresh_from_db()
    assert submission.status == Status.IN_REVIEW and submission.claimed_by == moderator


def test_a_guest_double_click_on_resend_makes_one_revision():
    moderator = factories.moderator()
    submission = factories.submission(status=Status.CHANGES_REQUESTED, guest_email="guest@example.com", by=moderator)
    stale = type(submission).objects.get(pk=submission.pk)
    revisions = submission.revisions.count()
    services.resend_as_guest(submission=submission, data=_changes(submission), contact_language="en")

    with pytest.raises(services.Refused):
        services.resend_as_guest(submission=stale, data=_changes(stale), contact_language="en")

    submission.refresh_from_db()
    assert submission.status == Status.SUBMITTED and submission.revisions.count() == revisions + 1
