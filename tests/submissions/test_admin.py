"""Workflow records are never added or deleted in the admin, and logs are never changed, not even by superusers."""

import pytest

from submissions.models import ModerationEvent
from tests import factories

pytestmark = pytest.mark.django_db

WORKFLOW_RECORDS = ["submissions/submission", "submissions/flag", "takedowns/takedowncase", "takedowns/counternotice"]
LOGS = ["submissions/moderationevent", "takedowns/takedownevent", "takedowns/takedownmessage"]


@pytest.mark.parametrize("model", WORKFLOW_RECORDS + LOGS)
def test_superusers_cannot_add_workflow_records_by_hand(admin_client, model):
    assert admin_client.get(f"/admin/{model}/add/").status_code == 403
    assert admin_client.get(f"/admin/{model}/").status_code == 200


def test_the_moderation_log_is_shown_but_never_changed_or_deleted(admin_client):
    submission = factories.submission()
    event = ModerationEvent.objects.filter(submission=submission).first()
    change_url = f"/admin/submissions/moderationevent/{event.pk}/change/"

    page = admin_client.get(change_url)
    edit = admin_client.post(change_url, {"reason": "rewritten"})
    delete = admin_client.post(f"/admin/submissions/moderationevent/{event.pk}/delete/", {"post": "yes"})

    assert page.status_code == 200 and 'name="reason"' not in page.content.decode()
    assert edit.status_code == 403 and delete.status_code == 403
    event.refresh_from_db()
    assert event.reason != "rewritten"


def test_submissions_can_be_opened_but_not_deleted(admin_client):
    submission = factories.submission()

    assert admin_client.get(f"/admin/submissions/submission/{submission.pk}/change/").status_code == 200
    assert admin_client.post(f"/admin/submissions/submission/{submission.pk}/delete/", {"post": "yes"}).status_code == 403
