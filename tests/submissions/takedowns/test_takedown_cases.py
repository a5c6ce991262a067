"""submissions.takedowns.workflow: the TakedownCase workflow, what upholding and restoring do to articles, counter-notices."""

from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, transaction

from articles.models import Article
from submissions import services
from submissions.takedowns import workflow as takedowns
from submissions.models import ImmutableError
from submissions.takedowns.models import TakedownCase, TakedownEvent, TakedownMessage, TakedownStatus
from tests import factories

pytestmark = pytest.mark.django_db
Status = TakedownStatus


@pytest.fixture
def staff(db):
    return factories.copyright_staff(username="casey")


@pytest.fixture
def writer(db):
    return factories.user(username="writer", email="writer@example.com", display_name="Wendy Writer")


@pytest.fixture
def story(writer):
    return factories.article(title="Harbour bridge reopens after repairs", author=writer, tags=["harbour"],
                             body="The bridge reopened on Monday.\n\nBuses crossed first.")


def reload(instance):
    instance.refresh_from_db()
    return instance


# --- The transition table ---------------------------------------------------------------------------


def test_the_table_names_every_status_and_final_ones_go_nowhere():
    assert set(takedowns.ALLOWED) == set(Status)
    assert all(takedowns.ALLOWED[s] == set() for s in takedowns.FINAL)
    assert takedowns.ALLOWED[Status.RECEIVED] == {Status.NEEDS_INFO, Status.UNDER_REVIEW, Status.DISMISSED}
    assert takedowns.ALLOWED[Status.UPHELD] == {Status.COUNTER_NOTICED, Status.RESTORED, Status.CLOSED}
    assert takedowns.ALLOWED[Status.COUNTER_NOTICED] == {Status.RESTORED, Status.CLOSED}


ACTIONS = {
    Status.UNDER_REVIEW: lambda case, by: takedowns.start_review(case, by=by),
    Status.NEEDS_INFO: lambda case, by: takedowns.request_info(case, by=by, message="Which photo?"),
    Status.UPHELD: lambda case, by: takedowns.uphold(case, by=by, reason="Copied."),
    Status.DISMISSED: lambda case, by: takedowns.dismiss(case, by=by, reason="Fair use."),
    Status.COUNTER_NOTICED: lambda case, by: takedowns.record_counter_notice(case, by=by, text="Mine."),
    Status.RESTORED: lambda case, by: takedowns.restore(case, by=by),
    Status.CLOSED: lambda case, by: takedowns.close(case, by=by),
}
STARTS = ["received", "needs_info", "under_review", "upheld", "dismissed", "counter_noticed", "restored", "closed"]


@pytest.mark.parametrize("start", STARTS)
@pytest.mark.parametrize("target", list(ACTIONS))
def test_every_move_is_allowed_exactly_when_the_table_says(start, target, story, staff):
    case = factories.takedown_case(status=start, articles=[story], by=staff)
    events_before = case.events.filter(kind=TakedownEvent.Kind.STATUS).count()
    if target in takedowns.ALLOWED[Status(start)]:
        ACTIONS[target](case, staff)
        assert reload(case).status == target
        last = case.events.filter(kind=TakedownEvent.Kind.STATUS).latest("id")
        assert (last.from_status, last.to_status, last.actor) == (start, target, staff)
    else:
        with pytest.raises(takedowns.IllegalTransition) as error:
            ACTIONS[target](case, staff)
        assert reload(case).status == start
        assert case.reference in error.value.message
        assert case.events.filter(kind=TakedownEvent.Kind.STATUS).count() == events_before


def test_only_copyright_staff_act(story, writer):
    case = factories.takedown_case(status="received", articles=[story])
    moderator = factories.moderator()
    for user in (writer, moderator, None):
        with pytest.raises(takedowns.NotAllowed):
            takedowns.start_review(case, by=user)
    superuser = factories.user(is_superuser=True)
    takedowns.start_review(case, by=superuser)
    assert reload(case).status == Status.UNDER_REVIEW


@pytest.mark.parametrize("action", ["uphold", "dismiss"])
def test_a_decision_needs_a_reason(action, story, staff):
    case = factories.takedown_case(status="under_review", articles=[story], by=staff)
    with pytest.raises(takedowns.ReasonRequired):
        getattr(takedowns, action)(case, by=staff, reason="  ")
    assert reload(case).status == Status.UNDER_REVIEW


def test_upholding_needs_a_linked_article(staff):
    case = factories.takedown_case(status="under_review", by=staff)
    with pytest.raises(takedowns.NoArticles):
        takedowns.uphold(case, by=staff, reason="Copied.")
    assert reload(case).status == Status.UNDER_REVIEW


def test_a_stale_copy_cannot_move_a_case_twice(story, staff):
    case = factories.takedown_case(status="under_review", articles=[story], by=staff)
    stale = TakedownCase.objects.get(pk=case.pk)
    takedowns.dismiss(case, by=staff, reason="Fair use.")
    with pytest.raises(takedowns.IllegalTransition):
        takedowns.uphold(stale, by=staff, reason="Copied.")
    assert Article.objects.get(pk=story.pk).status == Article.Status.PUBLISHED


# --- References, events, the log ----------------------------------------------------------------------


def test_references_count_up_per_year_and_are_unique():
    now = datetime(2026, 3, 1, 12, tzinfo=dt_timezone.utc)
    first = takedowns.open_case(source="web", now=now, **factories.NOTICE)
    second = takedowns.open_case(source="web", now=now, **factories.NOTICE)
    next_year = takedowns.open_case(source="web", now=now.replace(year=2027), **factories.NOTICE)
    assert (first.reference, second.reference, next_year.reference) == ("TD-2026-00001", "TD-2026-00002", "TD-2027-00001")
    with pytest.raises(IntegrityError), transaction.atomic():
        TakedownCase.objects.create(reference="TD-2026-00001", year=2026, number=9, source="web")
    with pytest.raises(IntegrityError), transaction.atomic():
        TakedownCase.objects.create(reference="TD-2026-00099", year=2026, number=1, source="web")


def test_opening_a_case_logs_it_links_articles_and_acknowledges(story, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = factories.takedown_case(status="received", articles=[story])
    kinds = [(e.kind, e.from_status, e.to_status) for e in case.events.order_by("id")]
    assert kinds == [("status", "", "received"), ("articles", "received", "received"),
                     ("email_out", "received", "received")]
    assert list(case.articles.all()) == [story]
    assert len(mail.outbox) == 1
    ack = mail.outbox[0]
    assert ack.to == ["jane.doe@lumen-photo.example.com"]
    assert case.reference in ack.subject and case.reference in ack.body
    assert ack.extra_headers["Auto-Submitted"] == "auto-replied"
    sent = case.messages.get()
    assert sent.direction == TakedownMessage.Direction.OUT and sent.template == "takedown_received"
    assert ack.extra_headers["Message-ID"] == sent.message_id


def test_an_incomplete_notice_waits_for_information_and_says_what_is_missing(story, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = factories.takedown_case(status="needs_info", articles=[story], missing=["signature"], signature="")
    assert case.status == Status.NEEDS_INFO and case.missing_elements == ["signature"]
    assert case.events.filter(to_status=Status.NEEDS_INFO, actor=None).exists()
    assert len(mail.outbox) == 1
    assert "incomplete" in mail.outbox[0].subject
    assert "signature" in mail.outbox[0].body


def test_the_log_and_messages_are_append_only(story, staff):
    case = factories.takedown_case(status="upheld", articles=[story], by=staff)
    event = case.events.first()
    event.reason = "rewritten"
    with pytest.raises(ImmutableError):
        event.save()
    with pytest.raises(ImmutableError):
        event.delete()
    message = case.messages.first()
    with pytest.raises(ImmutableError):
        message.delete()


def test_notes_replies_and_court_action_are_on_the_timeline(story, staff, django_capture_on_commit_callbacks):
    case = factories.takedown_case(status="counter_noticed", articles=[story], by=staff)
    with django_capture_on_commit_callbacks(execute=True):
        takedowns.add_note(case, by=staff, note="Called the agency.")
        takedowns.reply(case, by=staff, message="We have received the counter-notice.")
        takedowns.record_court_action(case, by=staff, reason="Claim filed in the district court.")
    kinds = list(case.events.order_by("-id").values_list("kind", flat=True)[:3])
    assert kinds == ["court", "email_out", "note"]
    assert reload(case).court_action is True and case.status == Status.COUNTER_NOTICED
    assert "We have received the counter-notice." in mail.outbox[-1].body
    with pytest.raises(takedowns.TakedownError):
        takedowns.record_court_action(case, by=staff)


# --- Upholding disables, restoring brings back -----------------------------------------------------------


def public_pages(client, article):
    """Where a published article shows up for readers."""
    return {
        "home": client.get("/").content.decode(),
        "feed": client.get("/feeds/latest/").content.decode(),
        "search": client.get("/search/", {"q": "harbour"}).content.decode(),
        "sitemap": client.get("/sitemap-articles.xml").content.decode(),
        "tag": client.get("/tag/harbour/").content.decode(),
    }


def test_upholding_disables_the_articles_answers_451_and_hides_them_everywhere(
        client, story, staff, writer, django_capture_on_commit_callbacks):
    other = factories.article(title="Harbour ferry timetable changes", tags=["harbour"], author=writer)
    before = public_pages(client, story)
    assert all(story.get_absolute_url() in page for page in before.values())
    assert story.title in client.get(other.get_absolute_url()).content.decode()  # related block

    case = factories.takedown_case(status="under_review", articles=[story], by=staff)
    with django_capture_on_commit_callbacks(execute=True):
        takedowns.uphold(case, by=staff, reason="The photo belongs to the agency.")

    story.refresh_from_db()
    assert story.status == Article.Status.DISABLED
    assert case.case_articles.get().disabled is True
    response = client.get(story.get_absolute_url())
    assert response.status_code == 451
    assert 'rel="blocked-by"' in response["Link"]
    assert "copyright notice" in response.content.decode()
    after = public_pages(client, story)
    assert all(story.get_absolute_url() not in page for page in after.values()), [k for k, p in after.items()
                                                                                   if story.get_absolute_url() in p]
    assert story.title not in client.get(other.get_absolute_url()).content.decode()
    assert story.events.filter(to_status=Article.Status.DISABLED, actor=staff,
                               reason__startswith=case.reference).exists()

    to_author = [m for m in mail.outbox if m.to == ["writer@example.com"]]
    assert len(to_author) == 1
    assert "The photo belongs to the agency." in to_author[0].body
    assert f"/my/counter-notices/{case.reference}/" in to_author[0].body
    to_complainant = [m for m in mail.outbox if m.to == ["jane.doe@lumen-photo.example.com"]]
    assert any("upheld" in m.subject for m in to_complainant)


def test_restoring_brings_the_article_back_intact(client, story, staff, django_capture_on_commit_callbacks):
    snapshot = Article.objects.filter(pk=story.pk).values(
        "title", "slug", "summary", "body", "body_html", "published_at", "cover_hash", "category_id", "author_id").get()
    tags = list(story.tags.all())
    case = factories.takedown_case(status="upheld", articles=[story], by=staff)
    assert client.get(story.get_absolute_url()).status_code == 451

    with django_capture_on_commit_callbacks(execute=True):
        takedowns.restore(case, by=staff, reason="The agency withdrew the notice.")

    assert reload(case).status == Status.RESTORED
    assert Article.objects.filter(pk=story.pk).values(*snapshot).get() == snapshot
    assert list(Article.objects.get(pk=story.pk).tags.all()) == tags
    assert Article.objects.get(pk=story.pk).status == Article.Status.PUBLISHED
    assert client.get(story.get_absolute_url()).status_code == 200
    assert all(story.get_absolute_url() in page for page in public_pages(client, story).values())
    assert any(m.to == ["writer@example.com"] and "back" in m.subject for m in mail.outbox)


def test_an_article_held_by_another_standing_case_stays_disabled(story, staff):
    first = factories.takedown_case(status="upheld", articles=[story], by=staff)
    second = factories.takedown_case(status="under_review", articles=[story], by=staff)
    takedowns.uphold(second, by=staff, reason="Same photo, another owner.")
    assert second.case_articles.get().disabled is True  # already disabled: the second case holds it too
    takedowns.restore(first, by=staff)
    assert Article.objects.get(pk=story.pk).status == Article.Status.DISABLED
    takedowns.restore(second, by=staff)
    assert Article.objects.get(pk=story.pk).status == Article.Status.PUBLISHED

    fourth_story = factories.article()
    held = factories.takedown_case(status="upheld", articles=[fourth_story], by=staff)
    other = factories.takedown_case(status="under_review", articles=[fourth_story], by=staff)
    takedowns.dismiss(other, by=staff, reason="Not theirs.")  # a dismissed case holds nothing
    takedowns.restore(held, by=staff)
    assert Article.objects.get(pk=fourth_story.pk).status == Article.Status.PUBLISHED


def test_closing_keeps_the_articles_disabled(story, staff):
    case = factories.takedown_case(status="closed", articles=[story], by=staff)
    assert case.status == Status.CLOSED
    assert Article.objects.get(pk=story.pk).status == Article.Status.DISABLED


# --- Counter-notices -------------------------------------------------------------------------------


COUNTER = dict(material="My photo in the harbour story.", name="Wendy Writer", address="1 Quay Road, Busan",
               phone="010-1234-5678", signature="Wendy Writer", mistake_statement=True, jurisdiction_consent=True)


@pytest.mark.parametrize("start, days, expected", [
    (datetime(2026, 11, 6, 10, tzinfo=dt_timezone.utc), 10, datetime(2026, 11, 20, 10, tzinfo=dt_timezone.utc)),  # Fri
    (datetime(2026, 11, 7, 10, tzinfo=dt_timezone.utc), 10, datetime(2026, 11, 20, 10, tzinfo=dt_timezone.utc)),  # Sat
    (datetime(2026, 11, 9, 9, tzinfo=dt_timezone.utc), 1, datetime(2026, 11, 10, 9, tzinfo=dt_timezone.utc)),  # Mon
    (datetime(2026, 11, 13, 9, tzinfo=dt_timezone.utc), 1, datetime(2026, 11, 16, 9, tzinfo=dt_timezone.utc)),  # Fri
])
def test_business_days_skip_weekends(start, days, expected):
    assert takedowns.business_days_after(start, days, holidays=[]) == expected


def test_business_days_skip_holidays(settings):
    settings.TAKEDOWN_HOLIDAYS = ["2026-12-25", "2026-12-31"]
    start = datetime(2026, 12, 21, 8, tzinfo=dt_timezone.utc)  # Monday
    assert takedowns.business_days_after(start, 10) == datetime(2027, 1, 6, 8, tzinfo=dt_timezone.utc)


def test_the_author_files_a_counter_notice_and_the_complainant_gets_it(
        story, staff, writer, settings, django_capture_on_commit_callbacks):
    settings.TAKEDOWN_COUNTER_NOTICE_BUSINESS_DAYS = 10
    case = factories.takedown_case(status="upheld", articles=[story], by=staff)
    filed_at = datetime(2026, 11, 6, 10, tzinfo=dt_timezone.utc)  # a Friday
    with django_capture_on_commit_callbacks(execute=True):
        notice = takedowns.file_counter_notice(case, by=writer, now=filed_at, **COUNTER)
    case.refresh_from_db()
    assert case.status == Status.COUNTER_NOTICED
    assert case.restore_after == datetime(2026, 11, 20, 10, tzinfo=dt_timezone.utc)
    assert notice.filed_by == writer and notice.email == "writer@example.com"
    forwarded = mail.outbox[-1]
    assert forwarded.to == ["jane.doe@lumen-photo.example.com"]
    assert "1 Quay Road, Busan" in forwarded.body and "010-1234-5678" in forwarded.body
    assert case.events.filter(to_status=Status.COUNTER_NOTICED, actor=writer).exists()


def test_only_the_author_of_a_disabled_article_may_file(story, staff):
    case = factories.takedown_case(status="upheld", articles=[story], by=staff)
    for someone in (factories.user(), staff):
        with pytest.raises(takedowns.NotAllowed):
            takedowns.file_counter_notice(case, by=someone, **COUNTER)
    assert reload(case).status == Status.UPHELD


def test_a_counter_notice_needs_every_element(story, staff, writer):
    case = factories.takedown_case(status="upheld", articles=[story], by=staff)
    with pytest.raises(takedowns.TakedownError):
        takedowns.file_counter_notice(case, by=writer, **{**COUNTER, "jurisdiction_consent": False})
    with pytest.raises(takedowns.TakedownError):
        takedowns.file_counter_notice(case, by=writer, **{**COUNTER, "address": " "})
    assert reload(case).status == Status.UPHELD


def test_articles_come_back_after_the_waiting_period(story, staff, writer, django_capture_on_commit_callbacks):
    case = factories.takedown_case(status="upheld", articles=[story], by=staff)
    takedowns.file_counter_notice(case, by=writer, **COUNTER)
    deadline = reload(case).restore_after
    assert takedowns.restore_due(now=deadline - timedelta(minutes=1)) == 0
    assert Article.objects.get(pk=story.pk).status == Article.Status.DISABLED

    with django_capture_on_commit_callbacks(execute=True):
        assert takedowns.restore_due(now=deadline + timedelta(minutes=1)) == 1
    assert reload(case).status == Status.RESTORED
    assert Article.objects.get(pk=story.pk).status == Article.Status.PUBLISHED
    last = case.events.filter(kind="status").latest("id")
    assert last.actor is None and "waiting period" in last.reason
    assert takedowns.restore_due(now=deadline + timedelta(days=5)) == 0  # idempotent
    assert any("restored" in m.subject for m in mail.outbox)


def test_court_action_stops_the_automatic_restore(story, staff, writer):
    case = factories.takedown_case(status="upheld", articles=[story], by=staff)
    takedowns.file_counter_notice(case, by=writer, **COUNTER)
    takedowns.record_court_action(case, by=staff, reason="Suit filed.")
    assert takedowns.restore_due(now=reload(case).restore_after + timedelta(days=30)) == 0
    assert reload(case).status == Status.COUNTER_NOTICED
    assert Article.objects.get(pk=story.pk).status == Article.Status.DISABLED
    takedowns.close(case, by=staff, reason="The court decided for the complainant.")
    assert reload(case).status == Status.CLOSED


def test_the_restore_command_and_task(story, staff, writer):
    case = factories.takedown_case(status="upheld", articles=[story], by=staff)
    takedowns.file_counter_notice(case, by=writer, **COUNTER)
    TakedownCase.objects.filter(pk=case.pk).update(restore_after=datetime(2020, 1, 1, tzinfo=dt_timezone.utc))
    from io import StringIO

    out = StringIO()
    call_command("restore_after_counter_notice", stdout=out)
    assert out.getvalue().strip() == "1 case(s) restored."
    call_command("restore_after_counter_notice", stdout=out)
    assert out.getvalue().strip().endswith("0 case(s) restored.")
    assert Article.objects.get(pk=story.pk).status == Article.Status.PUBLISHED

    from submissions.takedowns import tasks

    assert tasks.restore_after_counter_notice.call() == 0


# --- Repeat infringers -----------------------------------------------------------------------------------


def test_strikes_count_standing_cases_against_the_author(staff, writer):
    stories = [factories.article(author=writer) for _ in range(4)]
    assert services.contributor_strikes(writer) == 0
    factories.takedown_case(status="upheld", articles=[stories[0]], by=staff)
    factories.takedown_case(status="closed", articles=[stories[1]], by=staff)
    factories.takedown_case(status="restored", articles=[stories[2]], by=staff)  # came back: no strike
    factories.takedown_case(status="dismissed", articles=[stories[3]], by=staff)
    factories.takedown_case(status="upheld", articles=[factories.article()], by=staff)  # someone else's
    assert services.contributor_strikes(writer) == 2
    assert services.contributor_strikes(factories.user()) == 0


def test_new_stories_are_held_at_the_threshold(staff, writer, settings):
    settings.TAKEDOWN_REPEAT_INFRINGER_THRESHOLD = 2
    data = {"title": "A new story", "summary": "s", "body": factories.STORY_BODY, "category": factories.category(),
            "tags": [], "language": "en", "sources": ["https://example.org/x"], "no_sources": False, "image": None}
    factories.takedown_case(status="upheld", articles=[factories.article(author=writer)], by=staff)
    services.send(contributor=writer, data=data, contact_language="en")  # one strike: fine

    factories.takedown_case(status="upheld", articles=[factories.article(author=writer)], by=staff)
    with pytest.raises(services.Refused) as refused:
        services.send(contributor=writer, data={**data, "title": "Another story"}, contact_language="en")
    assert "repeat-infringer" in str(refused.value.message)
    assert not writer.submissions.filter(title="Another story").exists()
    # Drafts are kept and can still be saved.
    services.save_draft(contributor=writer, data={**data, "title": "Another story"}, contact_language="en")
    # A guest using the held account's address is held too.
    with pytest.raises(services.Refused):
        services.send_as_guest(guest_name="W", guest_email="WRITER@example.com", data=data, contact_language="en")
    # Off when the threshold is 0.
    settings.TAKEDOWN_REPEAT_INFRINGER_THRESHOLD = 0
    services.send(contributor=writer, data={**data, "title": "Third story"}, contact_language="en")


def test_moderators_see_the_strikes(client, staff, writer):
    factories.takedown_case(status="upheld", articles=[factories.article(author=writer)], by=staff)
    submission = factories.submission(contributor=writer)
    moderator = factories.moderator()
    client.force_login(moderator)
    page = client.get(submission.get_review_url()).content.decode()
    assert "Upheld takedowns" in page
    assert services.contributor_history(submission).strikes == 1


# --- Emails in the right language -----------------------------------------------------------------------


def test_the_author_is_told_in_the_language_of_their_story(staff, django_capture_on_commit_callbacks):
    korean = factories.user(email="minji@example.com")
    submission = factories.submission(status="approved", contributor=korean)
    from articles import publishing

    article = publishing.publish(submission.article)
    from submissions.models import Submission

    Submission.objects.filter(pk=submission.pk).update(contact_language="ko")
    case = factories.takedown_case(status="under_review", articles=[article], by=staff)
    with django_capture_on_commit_callbacks(execute=True):
        takedowns.uphold(case, by=staff, reason="사진 무단 사용")
    to_author = [m for m in mail.outbox if m.to == ["minji@example.com"]][0]
    assert f"/ko/my/counter-notices/{case.reference}/" in to_author.body
    assert "사진 무단 사용" in to_author.body
    assert case.messages.get(template="takedown_disabled").language == "ko"


def test_no_automatic_email_to_our_own_address(settings, story, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = factories.takedown_case(status="received", articles=[story], complainant_email=settings.COPYRIGHT_EMAIL)
    assert mail.outbox == [] and not case.messages.exists()
    assert case.events.filter(kind="note", reason__startswith="No acknowledgement sent").exists()


def test_automatic_emails_to_one_address_are_limited(settings, story, django_capture_on_commit_callbacks):
    settings.TAKEDOWN_AUTO_REPLY_LIMIT = (2, 3600)
    with django_capture_on_commit_callbacks(execute=True):
        cases = [factories.takedown_case(status="received", articles=[story]) for _ in range(3)]
    assert len(mail.outbox) == 2  # the third case is opened all the same, without an email
    assert not cases[2].messages.exists()
    assert cases[2].events.filter(kind="note", reason__contains="too many automatic emails").exists()
