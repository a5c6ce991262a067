from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.models import Article
from submissions import moderation
from submissions.models import ImmutableError, ModerationEvent, Revision, Status, Submission
from tests import factories

pytestmark = pytest.mark.django_db

ALL = set(Status)


@pytest.fixture
def mod(db):
    return factories.moderator(username="mod")


@pytest.fixture
def other_mod(db):
    return factories.moderator(username="mod2")


def test_transition_table_is_the_documented_workflow():
    assert moderation.ALLOWED == {
        Status.DRAFT: {Status.SUBMITTED, Status.WITHDRAWN},
        Status.UNCONFIRMED: {Status.SUBMITTED, Status.WITHDRAWN},
        Status.SUBMITTED: {Status.IN_REVIEW, Status.WITHDRAWN},
        Status.IN_REVIEW: {Status.APPROVED, Status.CHANGES_REQUESTED, Status.REJECTED, Status.SUBMITTED,
                           Status.APPEALED, Status.WITHDRAWN},
        Status.CHANGES_REQUESTED: {Status.SUBMITTED, Status.WITHDRAWN},
        Status.REJECTED: {Status.APPEALED},
        Status.APPEALED: {Status.IN_REVIEW, Status.WITHDRAWN},
        Status.APPROVED: set(),
        Status.WITHDRAWN: set(),  # the contributor's account was deleted: for good
    }
    assert set(moderation.ALLOWED) == ALL


@pytest.mark.parametrize("step", sorted(moderation.STEPS))
def test_every_step_refuses_every_status_it_does_not_start_from(step):
    submission = Submission.objects.create(title="x", status=Status.DRAFT, guest_email="g@example.com")
    for from_status in ALL - moderation.STEPS[step].sources:
        in_review = from_status == Status.IN_REVIEW
        Submission.objects.filter(pk=submission.pk).update(
            status=from_status, claim_expires_at=timezone.now() + timedelta(minutes=5) if in_review else None,
        )
        submission.refresh_from_db()
        with pytest.raises(moderation.IllegalTransition):
            moderation._move(submission, step, by=None)
        submission.refresh_from_db()
        assert submission.status == from_status
    assert not ModerationEvent.objects.exists()


def test_a_contributor_cannot_appeal_a_story_under_review(mod):
    contributor = factories.user()
    submission = factories.submission(status=Status.SUBMITTED, contributor=contributor)
    moderation.claim(submission, by=mod)

    with pytest.raises(moderation.IllegalTransition):
        moderation.appeal(submission, by=contributor, reason="Please look again")

    submission.refresh_from_db()
    assert submission.status == Status.IN_REVIEW and submission.claimed_by == mod
    assert not submission.events.filter(to_status=Status.APPEALED).exists()


def test_a_guest_confirmation_link_cannot_pull_a_story_out_of_review(mod):
    submission = factories.submission(status=Status.SUBMITTED, guest_email="guest@example.com")
    moderation.claim(submission, by=mod)

    with pytest.raises(moderation.IllegalTransition):
        moderation.confirm_email(submission)

    submission.refresh_from_db()
    assert submission.status == Status.IN_REVIEW and submission.claimed_by == mod


def test_a_stale_read_cannot_move_a_submission_someone_else_moved():
    submission = factories.submission(status=Status.SUBMITTED)
    stale = Submission.objects.get(pk=submission.pk)
    moderation.claim(submission, by=factories.moderator())

    with pytest.raises(moderation.ClaimConflict):
        moderation._move(stale, "claim", by=None)


def test_submit_freezes_revision_one_and_logs_every_step():
    contributor = factories.user()
    submission = factories.submission(status=Status.DRAFT, contributor=contributor)
    assert submission.status == Status.DRAFT and not submission.revisions.exists()

    revision = moderation.submit(submission, by=contributor)

    submission.refresh_from_db()
    assert submission.status == Status.SUBMITTED and submission.submitted_at
    assert revision.number == 1 and revision.title == submission.title
    assert [(e.from_status, e.to_status, e.actor_id) for e in submission.events.all()] == [
        ("", Status.DRAFT, contributor.pk), (Status.DRAFT, Status.SUBMITTED, contributor.pk),
    ]


def test_only_the_contributor_can_submit_or_resubmit():
    submission = factories.submission(status=Status.DRAFT)
    with pytest.raises(moderation.NotAllowed):
        moderation.submit(submission, by=factories.user())


def test_claim_then_decisions_record_actor_statuses_reason_and_time(mod):
    submission = factories.submission(status=Status.SUBMITTED)

    moderation.claim(submission, by=mod)
    moderation.request_changes(submission, by=mod, reason="Please name your sources for the figures.")

    submission.refresh_from_db()
    assert submission.status == Status.CHANGES_REQUESTED
    assert submission.claimed_by is None and submission.claim_expires_at is None
    last = submission.events.last()
    assert (last.actor, last.from_status, last.to_status) == (mod, Status.IN_REVIEW, Status.CHANGES_REQUESTED)
    assert last.reason == "Please name your sources for the figures."
    assert last.created_at <= timezone.now()
    assert last.revision.number == 1


@pytest.mark.parametrize("action", [moderation.request_changes, moderation.reject])
@pytest.mark.parametrize("reason", ["", "   "])
def test_request_changes_and_reject_need_a_reason(mod, action, reason):
    submission = factories.submission(status=Status.IN_REVIEW, by=mod)

    with pytest.raises(moderation.ReasonRequired):
        action(submission, by=mod, reason=reason)

    submission.refresh_from_db()
    assert submission.status == Status.IN_REVIEW


def test_resubmission_is_a_new_immutable_revision(mod):
    submission = factories.submission(status=Status.CHANGES_REQUESTED, by=mod)
    submission.title = "A better title for the library story"
    submission.save()

    revision = moderation.resubmit(submission, by=submission.contributor)

    assert revision.number == 2
    assert list(submission.revisions.values_list("title", flat=True)) == [
        Revision.objects.get(submission=submission, number=1).title, "A better title for the library story",
    ]
    submission.refresh_from_db()
    assert submission.status == Status.SUBMITTED
    with pytest.raises(ImmutableError):
        revision.title = "changed"
        revision.save()
    with pytest.raises(ImmutableError):
        revision.delete()


def test_approve_creates_an_article_draft_linked_to_the_submission(mod, django_capture_on_commit_callbacks):
    submission = factories.submission(status=Status.IN_REVIEW, by=mod, tags=["library", "Council"])

    with django_capture_on_commit_callbacks(execute=True):
        article = moderation.approve(submission, by=mod, reason="Clear and well sourced.")

    submission.refresh_from_db()
    assert submission.status == Status.APPROVED and submission.article == article
    assert article.status == Article.Status.DRAFT
    assert article.submission == submission
    assert article.author == submission.contributor
    assert article.title == submission.title and article.category == submission.category
    assert sorted(t.name for t in article.tags.all()) == ["Council", "library"]
    assert article.disclaimers.exists()
    assert len(mail.outbox) == 1 and "approved" in mail.outbox[0].subject
    assert "Clear and well sourced." in mail.outbox[0].body


def test_approving_a_guest_story_gives_it_an_inactive_author_with_the_guest_name(mod):
    submission = factories.submission(status=Status.IN_REVIEW, by=mod, guest_email="guest@example.com",
                                      guest_name="Hana Guest")

    article = moderation.approve(submission, by=mod)

    assert article.author.email == "guest@example.com" and not article.author.is_active
    assert not article.author.has_usable_password()
    assert article.author_name == "Hana Guest"


def test_only_the_claim_holder_decides(mod, other_mod):
    submission = factories.submission(status=Status.IN_REVIEW, by=mod)

    with pytest.raises(moderation.NotClaimHolder):
        moderation.approve(submission, by=other_mod)
    with pytest.raises(moderation.ClaimConflict):
        moderation.claim(submission, by=other_mod)
    with pytest.raises(moderation.NotClaimHolder):
        moderation.release(submission, by=other_mod)


def test_non_moderators_cannot_claim():
    submission = factories.submission(status=Status.SUBMITTED)
    with pytest.raises(moderation.NotAllowed):
        moderation.claim(submission, by=factories.user())


def test_moderators_cannot_review_their_own_story(mod):
    submission = factories.submission(status=Status.SUBMITTED, contributor=mod)
    with pytest.raises(moderation.NotAllowed):
        moderation.claim(submission, by=mod)


@pytest.mark.parametrize("sent_as", ["m@example.com", "M@Example.com", "  m@EXAMPLE.com "])
def test_a_moderator_cannot_review_a_story_they_sent_as_a_guest_with_their_address(other_mod, sent_as):
    me = factories.moderator(username="m", email="m@example.com")
    submission = factories.submission(status=Status.SUBMITTED, guest_email=sent_as)

    with pytest.raises(moderation.NotAllowed, match="You cannot review your own submission."):
        moderation.claim(submission, by=me)

    moderation.claim(submission, by=other_mod)
    submission.refresh_from_db()
    assert submission.status == Status.IN_REVIEW and submission.claimed_by == other_mod


def test_the_review_page_does_not_offer_a_moderator_their_own_guest_story(client):
    me = factories.moderator(username="m", email="m@example.com")
    submission = factories.submission(status=Status.SUBMITTED, guest_email="M@Example.com")
    client.force_login(me)

    html = client.get(submission.get_review_url()).content.decode()

    assert "This is your own story: another moderator must review it." in html
    assert 'value="claim"' not in html


def test_a_guests_appeal_is_not_reviewed_by_the_moderator_who_sent_it_nor_the_one_who_rejected_it(mod, other_mod):
    me = factories.moderator(username="m", email="m@example.com")
    submission = factories.submission(status=Status.APPEALED, by=mod, guest_email="M@Example.com")

    with pytest.raises(moderation.NotAllowed, match="You cannot review your own submission."):
        moderation.claim(submission, by=me)
    with pytest.raises(moderation.NotAllowed, match="different moderator"):
        moderation.claim(submission, by=mod)
    moderation.claim(submission, by=other_mod)


def test_claiming_twice_is_harmless_for_the_holder(mod):
    submission = factories.submission(status=Status.SUBMITTED)
    moderation.claim(submission, by=mod)
    moderation.claim(submission, by=mod)
    assert submission.events.filter(to_status=Status.IN_REVIEW).count() == 1


def test_release_returns_it_to_the_queue(mod, other_mod):
    submission = factories.submission(status=Status.IN_REVIEW, by=mod)

    moderation.release(submission, by=mod, reason="Not my area")

    submission.refresh_from_db()
    assert submission.status == Status.SUBMITTED and submission.claimed_by is None
    assert submission.events.last().reason == "Not my area"
    moderation.claim(submission, by=other_mod)


def test_claims_expire_after_the_configured_time(mod, other_mod, settings):
    settings.SUBMISSION_CLAIM_MINUTES = 10
    submission = factories.submission(status=Status.SUBMITTED)
    start = timezone.now()
    moderation.claim(submission, by=mod, now=start)
    submission.refresh_from_db()
    assert submission.claim_expires_at == start + timedelta(minutes=10)

    assert moderation.expire_claims(now=start + timedelta(minutes=9)) == 0
    assert moderation.expire_claims(now=start + timedelta(minutes=11)) == 1

    submission.refresh_from_db()
    assert submission.status == Status.SUBMITTED and submission.claimed_by is None
    event = submission.events.last()
    assert event.actor is None and (event.from_status, event.to_status) == (Status.IN_REVIEW, Status.SUBMITTED)


def test_an_expired_claim_cannot_be_used_and_another_moderator_can_take_over(mod, other_mod):
    submission = factories.submission(status=Status.SUBMITTED)
    moderation.claim(submission, by=mod, now=timezone.now() - timedelta(hours=2))

    with pytest.raises(moderation.ClaimExpired):
        moderation.approve(submission, by=mod)
    moderation.claim(submission, by=other_mod)  # expires the old claim and takes it in one transaction

    submission.refresh_from_db()
    assert submission.claimed_by == other_mod
    assert [e.to_status for e in submission.events.order_by("id")][-3:] == [Status.IN_REVIEW, Status.SUBMITTED, Status.IN_REVIEW]


def test_rejected_story_can_be_appealed_once_and_goes_to_a_different_moderator(mod, other_mod):
    submission = factories.submission(status=Status.REJECTED, by=mod)
    contributor = submission.contributor

    with pytest.raises(moderation.ReasonRequired):
        moderation.appeal(submission, by=contributor, reason="")
    with pytest.raises(moderation.NotAllowed):
        moderation.appeal(submission, by=factories.user(), reason="Not mine")
    moderation.appeal(submission, by=contributor, reason="The sources were in the second paragraph.")
    submission.refresh_from_db()
    assert submission.status == Status.APPEALED and submission.under_appeal

    with pytest.raises(moderation.NotAllowed, match="different moderator"):
        moderation.claim(submission, by=mod)
    moderation.claim(submission, by=other_mod)
    moderation.release(submission, by=other_mod)
    submission.refresh_from_db()
    assert submission.status == Status.APPEALED  # an appeal keeps its place and its rule

    moderation.claim(submission, by=other_mod)
    moderation.reject(submission, by=other_mod, reason="Still unsourced.")
    submission.refresh_from_db()
    assert submission.status == Status.REJECTED and not submission.under_appeal
    with pytest.raises(moderation.NotAllowed, match="only once"):
        moderation.appeal(submission, by=contributor, reason="Again")


def test_an_appeal_can_end_in_approval(mod, other_mod):
    submission = factories.submission(status=Status.APPEALED, by=mod)
    moderation.claim(submission, by=other_mod)
    article = moderation.approve(submission, by=other_mod, reason="On appeal: the sources hold up.")
    assert article.submission.pk == submission.pk


def test_guest_story_waits_unconfirmed_until_the_email_is_confirmed():
    submission = factories.submission(status=Status.UNCONFIRMED, guest_email="guest@example.com")
    assert submission.status == Status.UNCONFIRMED and submission.revisions.count() == 1
    assert not Submission.objects.in_queue().exists()

    moderation.confirm_email(submission)

    submission.refresh_from_db()
    assert submission.status == Status.SUBMITTED
    with pytest.raises(moderation.IllegalTransition):
        moderation.confirm_email(submission)


def test_every_decision_is_emailed_in_the_contributors_language(mod, django_capture_on_commit_callbacks):
    contributor = factories.user(email="writer@example.com")
    submission = factories.submission(status=Status.IN_REVIEW, by=mod, contributor=contributor)
    Submission.objects.filter(pk=submission.pk).update(contact_language="ko")
    submission.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        moderation.reject(submission, by=mod, reason="출처가 없습니다.")

    message = mail.outbox[-1]
    assert message.to == ["writer@example.com"]
    assert "출처가 없습니다." in message.body
    assert f"/ko/my/submissions/{submission.pk}/" in message.body


def test_no_email_until_the_transaction_commits(mod, django_capture_on_commit_callbacks):
    submission = factories.submission(status=Status.IN_REVIEW, by=mod)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        moderation.request_changes(submission, by=mod, reason="More detail")
    assert len(mail.outbox) == 0 and len(callbacks) == 1


def test_the_moderation_log_is_append_only(mod):
    submission = factories.submission(status=Status.IN_REVIEW, by=mod)
    event = submission.events.first()
    event.reason = "rewritten history"
    with pytest.raises(ImmutableError):
        event.save()
    with pytest.raises(ImmutableError):
        event.delete()


def test_the_database_refuses_a_claim_outside_review():
    submission = factories.submission(status=Status.SUBMITTED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Submission.objects.filter(pk=submission.pk).update(claimed_by=factories.moderator())


def test_resolving_a_flag_records_who_and_how(mod):
    flag = factories.flag()
    moderation.resolve_flag(flag, by=mod, resolution="Date corrected by the editors.")
    flag.refresh_from_db()
    assert flag.resolved_by == mod and flag.resolved_at and flag.resolution == "Date corrected by the editors."
    with pytest.raises(moderation.NotAllowed):
        moderation.resolve_flag(flag, by=mod)
    with pytest.raises(moderation.NotAllowed):
        moderation.resolve_flag(factories.flag(), by=factories.user())


def test_an_anonymous_visitor_cannot_act_for_a_guest():
    from django.contrib.auth.models import AnonymousUser

    submission = factories.submission(status=Status.CHANGES_REQUESTED, guest_email="g@example.com")
    with pytest.raises(moderation.NotAllowed):
        moderation.resubmit(submission, by=AnonymousUser())
    with pytest.raises(moderation.NotAllowed):
        moderation.resubmit(submission, by=None, guest_email="someone@else.example")
    moderation.resubmit(submission, by=None, guest_email="G@example.com")


def test_expire_claims_command(mod):
    from io import StringIO

    from django.core.management import call_command

    submission = factories.submission()
    moderation.claim(submission, by=mod, now=timezone.now() - timedelta(days=1))
    out = StringIO()
    call_command("expire_claims", stdout=out)
    assert "1 claim(s) expired." in out.getvalue()
    submission.refresh_from_db()
    assert submission.status == Status.SUBMITTED
