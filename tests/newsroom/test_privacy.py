"""Privacy rights: export my data, delete my account (newsroom/privacy.py and each app's privacy.py)."""

import json
import re

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core import mail as django_mail
from django.core.files.base import ContentFile
from django.db import models
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import translation

from articles import images
from articles.models import Article, AuthorProfile, Delivery, Edition, NewsletterSubscriber
from newsroom import privacy
from newsroom.models import OutboundEmail
from submissions import moderation
from submissions.models import ModerationEvent, Status, Submission
from submissions.takedowns import workflow as takedowns
from submissions.takedowns.models import TakedownEvent
from tests import factories

pytestmark = pytest.mark.django_db

User = get_user_model()
EMAIL = "jiwoo.han@example.com"
OLD_EMAIL = "jiwoo.old@example.net"
NAME = "Jiwoo Hanbyul"
BIO = "Writes about rivers and night markets in Mapo."
# Columns that name where an address or a person may be held as text.
ADDRESS_COLUMN = re.compile(r"email|recipient|sender|from_address|to_addresses")


def _has_personal_data(model):
    fields = [*model._meta.fields, *model._meta.many_to_many]
    related = any(f.is_relation and f.related_model is User for f in fields)
    addresses = any(isinstance(f, models.EmailField) or ADDRESS_COLUMN.search(f.name) for f in fields)
    return related or addresses


def test_every_table_with_personal_data_has_a_deletion_rule():
    """A new model related to users, or holding an address, fails here until privacy names what happens to it."""
    rules = privacy.rules()
    missing = [m._meta.label for m in apps.get_models() if _has_personal_data(m) and m._meta.label not in rules]
    assert missing == []
    for label, rule in rules.items():
        assert rule.split(":")[0] in ("erased", "anonymised", "kept"), label
    installed = {m._meta.label for m in apps.get_models()}
    assert {label for label in rules if label not in installed} <= set(privacy.OPTIONAL)


def _person():
    """Someone who has done everything the site lets a person do."""
    person = factories.user(username="jiwoo", display_name=NAME, email=EMAIL, first_name="Jiwoo", last_name="Hanbyul")
    profile = person.profile
    profile.bio = BIO
    profile.avatar.save("me.png", ContentFile(factories.image_upload(width=64, height=64).read()), save=False)
    profile.save()
    EmailAddress.objects.create(user=person, email=OLD_EMAIL, primary=False, verified=False)
    moderator = factories.moderator(username="maya", display_name="Maya Moderator")
    work = {status: factories.submission(status=status, contributor=person, by=moderator)
            for status in ("draft", "submitted", "in_review", "changes_requested", "approved", "rejected", "appealed")}
    work["guest"] = factories.submission(status="unconfirmed", guest_email=EMAIL, guest_name=NAME)
    work["with_photo"] = factories.submission(status="submitted", contributor=person,
                                              image=images.clean_upload(factories.image_upload()))
    published = factories.article(author=person, title="Night market returns to the old tram depot")
    disputed = factories.article(author=person, title="Harbour photos from the ferry")
    flag = factories.flag(article=factories.article(), reporter=person, note="Wrong date in the second paragraph.")
    case = factories.takedown_case(status="upheld", articles=[disputed])
    takedowns.file_counter_notice(
        case, by=person, material="The harbour photo in my story.", name=NAME, address="12 Mapo-daero, Seoul",
        phone="+82 10 1234 5678", signature=NAME, mistake_statement=True, jurisdiction_consent=True, email=EMAIL,
        explanation=f"I, {NAME}, took this photo myself.")
    subscriber = NewsletterSubscriber.objects.create(email=EMAIL, status=NewsletterSubscriber.Status.CONFIRMED)
    Delivery.objects.create(edition=Edition.objects.create(), subscriber=subscriber, status=Delivery.Status.FAILED,
                            error=f"550 5.1.1 <{EMAIL}>: mailbox full")
    return person, {"moderator": moderator, "work": work, "published": published, "disputed": disputed,
                    "flag": flag, "case": case, "subscriber": subscriber}


def _traces(needles):
    """Every (table.column) whose text holds one of `needles`, across every table of the site."""
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if not isinstance(field, (models.CharField, models.TextField, models.JSONField)):
                continue
            rows = model._base_manager.annotate(_as_text=Cast(field.name, TextField()))
            condition = Q()
            for needle in needles:
                condition |= Q(_as_text__icontains=needle)
            if rows.filter(condition).exists():
                found.append(f"{model._meta.label}.{field.name}")
    return found


def test_deletion_erases_every_trace_and_keeps_what_others_rely_on(client, django_capture_on_commit_callbacks):
    person, things = _person()
    client.force_login(person)
    avatar = person.profile.avatar.name
    storage = AuthorProfile._meta.get_field("avatar").storage
    photo = things["work"]["with_photo"].image.name
    assert photo and storage.exists(photo)
    assert storage.exists(avatar)
    events_before = ModerationEvent.objects.count()
    takedown_events_before = TakedownEvent.objects.count()
    assert _traces([EMAIL, OLD_EMAIL, NAME, BIO])  # the scan does see them before

    with django_capture_on_commit_callbacks(execute=True):
        tombstone = privacy.delete_account(person, language="en")

    # No trace of the person's addresses, name or bio in any text column of any table.
    assert _traces([EMAIL, OLD_EMAIL, NAME, BIO]) == []
    tombstone.refresh_from_db()
    assert tombstone.username.startswith("deleted-") and not tombstone.is_active
    assert tombstone.email == "" and not tombstone.has_usable_password()
    assert not EmailAddress.objects.filter(user=tombstone).exists()
    assert not AuthorProfile.objects.filter(user=tombstone).exists() and not storage.exists(avatar)
    assert not Session.objects.exists()
    assert not client.login(username="jiwoo", password=factories.PASSWORD)

    # The goodbye email went to the old address, then its record was erased too.
    assert [m.to for m in django_mail.outbox][-1] == [EMAIL]
    assert "deleted" in django_mail.outbox[-1].subject
    assert not OutboundEmail.objects.filter(recipients__icontains="jiwoo").exists()

    # Published stories stay, by "former contributor"; the author page is gone.
    story = things["published"]
    story.refresh_from_db()
    assert story.status == Article.Status.PUBLISHED and story.author_id == tombstone.pk
    page = client.get(story.get_absolute_url())
    assert page.status_code == 200 and "former contributor" in page.content.decode()
    assert client.get(reverse("articles:author", kwargs={"username": "jiwoo"})).status_code == 404
    assert client.get(reverse("articles:author", kwargs={"username": tombstone.username})).status_code == 404
    assert "former contributor" in client.get("/").content.decode()

    # Undecided submissions withdrawn (logged); decided ones keep their status; the logs keep every row.
    work = {key: Submission.objects.get(pk=s.pk) for key, s in things["work"].items()}
    for key in ("draft", "submitted", "in_review", "changes_requested", "appealed", "guest", "with_photo"):
        assert work[key].status == Status.WITHDRAWN, key
        assert work[key].events.last().to_status == Status.WITHDRAWN
    assert work["approved"].status == Status.APPROVED and work["rejected"].status == Status.REJECTED
    assert work["guest"].contributor_id == tombstone.pk and work["guest"].guest_email == ""
    assert work["in_review"].claimed_by_id is None
    assert ModerationEvent.objects.count() == events_before + 7
    # The photo of a withdrawn story will never be published: gone, file and references.
    assert not storage.exists(photo) and work["with_photo"].image.name == ""
    assert not work["with_photo"].revisions.exclude(image="").exists()
    assert ModerationEvent.objects.filter(actor=tombstone, to_status=Status.SUBMITTED).exists()
    assert ModerationEvent.objects.filter(actor=things["moderator"]).exists()  # the moderators' own steps are intact

    # Takedown records keep an anonymised actor and the counter-notice its statements, not its contact details.
    notice = things["case"].counter_notice
    notice.refresh_from_db()
    assert notice.filed_by_id == tombstone.pk and notice.name == "" and notice.email == ""
    assert notice.mistake_statement and notice.material
    assert TakedownEvent.objects.count() == takedown_events_before
    assert TakedownEvent.objects.filter(actor=tombstone).exists()

    # The flag stays, reported by the tombstone; the newsletter subscription ended, logged, without the address.
    things["flag"].refresh_from_db()
    assert things["flag"].reporter_id == tombstone.pk
    things["subscriber"].refresh_from_db()
    assert things["subscriber"].status == NewsletterSubscriber.Status.UNSUBSCRIBED
    assert things["subscriber"].events.last().reason == "account deleted"
    assert things["subscriber"].deliveries.get().error == "550 5.1.1 <[erased]>: mailbox full"

    # Audited, without personal data.
    entry = LogEntry.objects.filter(object_id=str(tombstone.pk), change_message__startswith="Account deleted").get()
    assert entry.object_repr == tombstone.username

    # Deleting twice changes nothing.
    assert privacy.delete_account(tombstone).username == tombstone.username


def test_export_holds_every_kind_of_record_and_nothing_of_anyone_else():
    person, things = _person()
    other = factories.user(username="someone", display_name="Somebody Else", email="someone@example.org")
    factories.submission(status="submitted", contributor=other, title="Another person's story about tides")
    NewsletterSubscriber.objects.create(email="someone@example.org")

    data = json.loads(privacy.export_json(person).decode("utf-8"))

    assert data["format"] == "newsroom-export/1"
    assert data["account"]["username"] == "jiwoo" and data["account"]["email"] == EMAIL
    assert {a["email"] for a in data["account"]["email_addresses"]} == {EMAIL, OLD_EMAIL}
    assert data["account"]["date_joined"]
    assert data["profile"]["display_name"] == NAME and data["profile"]["bio"] == BIO and data["profile"]["photo"]
    assert len(data["submissions"]) == 9  # eight of the account's, and the one sent as a guest from its address
    assert any(s["photo"] and s["revisions"][0]["photo"] for s in data["submissions"])
    rejected = next(s for s in data["submissions"] if s["status"] == "appealed")
    assert rejected["revisions"][0]["body"] and rejected["revisions"][0]["number"] == 1
    assert any(e["reason"] == "Test reason." and e["by"] == "a moderator" for e in rejected["history"])
    assert any(e["by"] == "you" for e in rejected["history"])
    assert data["flags"][0]["note"] == "Wrong date in the second paragraph."
    assert data["counter_notices"][0]["name"] == NAME and data["counter_notices"][0]["case"] == things["case"].reference
    assert data["takedown_events"] and all(e["case"] == things["case"].reference for e in data["takedown_events"])
    assert data["newsletter"][0]["email"] == EMAIL and data["newsletter"][0]["status"] == "confirmed"
    assert {a["title"] for a in data["articles"]} == {"Night market returns to the old tram depot",
                                                      "Harbour photos from the ferry", things["work"]["approved"].title}
    text = json.dumps(data)
    # Nothing of other people: another contributor's data, the moderator's name, the complainant's details.
    for foreign in ("someone@example.org", "Another person's story", "Somebody Else", "maya", "Maya Moderator",
                    factories.NOTICE["complainant_email"], factories.NOTICE["complainant_name"]):
        assert foreign not in text


# --- The workflow step -------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["draft", "submitted", "in_review", "changes_requested", "appealed"])
def test_withdraw_takes_an_undecided_story_out_for_good(status):
    submission = factories.submission(status=status)
    moderation.withdraw(submission, by=submission.contributor, reason="account deleted")
    submission.refresh_from_db()
    assert submission.status == Status.WITHDRAWN and submission.claimed_by_id is None
    event = submission.events.last()
    assert (event.from_status, event.to_status, event.actor_id) == (status, "withdrawn", submission.contributor_id)


@pytest.mark.parametrize("status", ["approved", "rejected"])
def test_a_decided_story_is_not_withdrawn(status):
    submission = factories.submission(status=status)
    with pytest.raises(moderation.IllegalTransition):
        moderation.withdraw(submission, by=submission.contributor, reason="account deleted")


def test_only_the_contributor_withdraws_their_story():
    submission = factories.submission(status="submitted")
    with pytest.raises(moderation.NotAllowed):
        moderation.withdraw(submission, by=factories.user(), reason="no")


# --- The pages ---------------------------------------------------------------------------------


def _reauthenticate(client, next_url, password=factories.PASSWORD):
    """allauth holds the POST, asks for the password, then replays the POST."""
    return client.post(reverse("account_reauthenticate") + f"?next={next_url}", {"password": password})


def test_export_asks_for_the_password_again_then_downloads_the_file(client):
    person = factories.user(username="mina", display_name="Mina Park")
    client.force_login(person)
    url = reverse("my_account_export")
    assert "Download my data" in client.get(url).content.decode()

    held = client.post(url)
    assert held.status_code == 302 and reverse("account_reauthenticate") in held["Location"]
    assert _reauthenticate(client, url, password="wrong").status_code == 200  # a wrong password: no file

    response = _reauthenticate(client, url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert re.fullmatch(r'attachment; filename="newsroom-export-mina-\d{4}-\d{2}-\d{2}\.json"',
                        response["Content-Disposition"])
    assert json.loads(response.content)["profile"]["display_name"] == "Mina Park"
    # Recently reauthenticated: a second export needs no password.
    assert client.post(url)["Content-Disposition"].startswith("attachment")


def test_export_is_rate_limited(client, settings):
    settings.RATELIMIT_ENABLED = True
    settings.DATA_EXPORT_RATE_LIMITS = {"account": (2, 3600), "ip": (20, 3600)}
    client.force_login(factories.user(username="mina"))
    url = reverse("my_account_export")
    _reauthenticate(client, url)
    assert [client.post(url).status_code for _ in range(3)] == [200, 200, 429]


def test_export_needs_a_signed_in_reader_and_csrf(client):
    assert client.post(reverse("my_account_export")).status_code == 302
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(factories.user())
    assert strict.post(reverse("my_account_export")).status_code == 403


def test_delete_in_korean_asks_for_the_username_and_the_password(client, django_capture_on_commit_callbacks):
    person = factories.user(username="mina", display_name="Mina Park", email="mina@example.com")
    story = factories.article(author=person)
    client.force_login(person)
    with translation.override("ko"):
        url = reverse("my_account_delete")
        story_url = story.get_absolute_url()
    assert url.startswith("/ko/")
    page = client.get(url).content.decode()
    assert "계정 삭제" in page and "전 기고자" in page

    _reauthenticate(client, url)
    wrong = client.post(url, {"username": "somebody"})
    assert wrong.status_code == 200 and "사용자 이름이 아닙니다" in wrong.content.decode()
    person.refresh_from_db()
    assert person.is_active

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"username": "mina"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert privacy.is_former(person)
    assert "_auth_user_id" not in client.session
    assert django_mail.outbox[-1].to == ["mina@example.com"] and "삭제" in django_mail.outbox[-1].subject
    assert "전 기고자" in client.get(story_url).content.decode()


def test_a_deletion_held_for_the_password_is_carried_out_after_it(client):
    person = factories.user(username="mina")
    client.force_login(person)
    url = reverse("my_account_delete")
    held = client.post(url, {"username": "mina"})
    assert reverse("account_reauthenticate") in held["Location"]
    person.refresh_from_db()
    assert person.is_active  # nothing happens before the password

    response = _reauthenticate(client, url)
    assert response.status_code == 302 and response["Location"] == reverse("my_account_deleted")
    person.refresh_from_db()
    assert privacy.is_former(person)
    assert "Your account has been deleted" in client.get(response["Location"]).content.decode()


def test_staff_are_sent_to_an_administrator(client):
    editor = factories.editor(username="eddie")
    client.force_login(editor)
    url = reverse("my_account_delete")
    assert "ask an administrator" in client.get(url).content.decode()
    _reauthenticate(client, url)
    assert client.post(url, {"username": "eddie"}).status_code == 403
    editor.refresh_from_db()
    assert editor.is_active and editor.username == "eddie"
    with pytest.raises(privacy.NotAllowed):
        privacy.delete_account(factories.moderator())


def test_an_administrator_deletes_a_staff_account_from_the_admin(client, admin_user, django_capture_on_commit_callbacks):
    admin = admin_user
    moderator = factories.moderator(username="maya", email="maya@example.com")
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:auth_user_changelist"),
                               {"action": "delete_accounts", "_selected_action": [moderator.pk]})
    assert response.status_code == 302
    moderator.refresh_from_db()
    assert privacy.is_former(moderator) and not moderator.groups.exists()
    entry = LogEntry.objects.get(object_id=str(moderator.pk), change_message__startswith="Account deleted")
    assert entry.user_id == admin.pk


def test_nobody_signs_up_as_a_deleted_account(client):
    response = client.post(reverse("account_signup"), {
        "username": "deleted-1234abcd", "email": "x@example.com", "display_name": "X",
        "password1": "a-long-and-unusual-passphrase", "password2": "a-long-and-unusual-passphrase"})
    assert not User.objects.filter(username="deleted-1234abcd").exists()
    assert response.status_code == 200
