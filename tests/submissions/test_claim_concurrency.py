"""Two moderators claim the same submission at the same instant: exactly one wins (PostgreSQL row lock)."""

import threading

import pytest
from django.db import connection, connections

from submissions import moderation
from submissions.models import ModerationEvent, Status, Submission
from tests import factories

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks"),
]


@pytest.mark.parametrize("attempt", range(5))
def test_two_concurrent_claims_exactly_one_wins(attempt):
    submission = factories.submission()
    moderators = [factories.moderator(), factories.moderator()]
    barrier = threading.Barrier(len(moderators))
    outcomes = {}

    def claim(moderator):
        try:
            barrier.wait(timeout=10)
            moderation.claim(Submission(pk=submission.pk), by=moderator)
            outcomes[moderator.pk] = "won"
        except moderation.ClaimConflict:
            outcomes[moderator.pk] = "lost"
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            outcomes[moderator.pk] = repr(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(m,)) for m in moderators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes.values()) == ["lost", "won"], outcomes
    submission.refresh_from_db()
    winner = next(pk for pk, outcome in outcomes.items() if outcome == "won")
    assert submission.status == Status.IN_REVIEW and submission.claimed_by_id == winner
    assert ModerationEvent.objects.filter(submission=submission, to_status=Status.IN_REVIEW).count() == 1
