import re

import pytest
from django.core import mail

from articles.models import NewsletterSubscriber

pytestmark = pytest.mark.django_db
Status = NewsletterSubscriber.Status


def _links(message):
    return re.findall(r"https?://testserver(/\S+)", message.body)


def subscribe(client, django_capture_on_commit_callbacks, email, prefix=""):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(f"{prefix}/newsletter/", {"email": email})


def test_subscribe_needs_confirmation_by_email(client, django_capture_on_commit_callbacks):
    response = subscribe(client, django_capture_on_commit_callbacks, "Reader@Example.com")

    assert response.status_code == 200
    assert "Check your inbox" in response.content.decode()
    subscriber = NewsletterSubscriber.objects.get()
    assert subscriber.email == "reader@example.com" and subscriber.status == Status.PENDING
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["reader@example.com"]
    assert "List-Unsubscribe" in message.extra_headers
    confirm_link, _ = _links(message)

    confirmed = client.get(confirm_link)

    assert confirmed.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == Status.CONFIRMED and subscriber.confirmed_at


def test_korean_subscriber_gets_korean_email_and_links(client, django_capture_on_commit_callbacks):
    subscribe(client, django_capture_on_commit_callbacks, "dokja@example.com", prefix="/ko")

    message = mail.outbox[0]
    assert NewsletterSubscriber.objects.get().language == "ko"
    assert all(link.startswith("/ko/newsletter/") for link in _links(message))
    assert "구독" in message.subject


def test_duplicate_sign_up_is_graceful(client, django_capture_on_commit_callbacks):
    subscribe(client, django_capture_on_commit_callbacks, "twice@example.com")
    client.get(_links(mail.outbox[0])[0])

    again = subscribe(client, django_capture_on_commit_callbacks, "TWICE@example.com")

    assert again.status_code == 200
    assert NewsletterSubscriber.objects.count() == 1
    assert NewsletterSubscriber.objects.get().status == Status.CONFIRMED
    assert "already subscribed" in mail.outbox[1].subject


def test_unsubscribe_asks_then_unsubscribes(client, django_capture_on_commit_callbacks):
    subscribe(client, django_capture_on_commit_callbacks, "leaver@example.com")
    client.get(_links(mail.outbox[0])[0])
    unsubscribe_link = _links(mail.outbox[0])[1]

    page = client.get(unsubscribe_link)
    assert page.status_code == 200 and "Unsubscribe from the newsletter?" in page.content.decode()
    assert NewsletterSubscriber.objects.get().status == Status.CONFIRMED  # a GET changes nothing

    done = client.post(unsubscribe_link)

    assert done.status_code == 200
    assert NewsletterSubscriber.objects.get().status == Status.UNSUBSCRIBED


def test_one_click_unsubscribe_from_a_mail_client_needs_no_csrf_token(django_capture_on_commit_callbacks):
    from django.test import Client

    Client().post("/newsletter/", {"email": "oneclick@example.com"})
    with django_capture_on_commit_callbacks(execute=True):
        Client().post("/newsletter/", {"email": "oneclick@example.com"})
    unsubscribe_link = _links(mail.outbox[-1])[1]

    response = Client(enforce_csrf_checks=True).post(unsubscribe_link, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert NewsletterSubscriber.objects.get().status == Status.UNSUBSCRIBED


@pytest.mark.parametrize("token", ["garbage", "a" * 300, "eyJ0eXAi.forged.sig", "%00"])
def test_invalid_tokens_get_a_clear_message(client, token):
    for url in (f"/newsletter/confirm/{token}/", f"/newsletter/unsubscribe/{token}/"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "This link does not work" in response.content.decode()


@pytest.mark.parametrize("email", ["not-an-email", "", "a@b", "x" * 300 + "@example.com", "<script>@example.com"])
def test_malformed_addresses_are_refused_with_a_message(client, email):
    response = client.post("/newsletter/", {"email": email})

    assert response.status_code == 400
    assert "invalid-feedback" in response.content.decode()
    assert NewsletterSubscriber.objects.count() == 0
    assert mail.outbox == []


def test_honeypot_catches_bots(client):
    response = client.post("/newsletter/", {"email": "bot@example.com", "website": "http://spam.example"})

    assert response.status_code == 400
    assert NewsletterSubscriber.objects.count() == 0


def _history(email):
    return list(NewsletterSubscriber.objects.get(email=email).events.values_list("from_status", "to_status", "reason"))


def test_every_change_of_a_subscription_is_recorded_with_how_it_happened(client, django_capture_on_commit_callbacks):
    subscribe(client, django_capture_on_commit_callbacks, "kept@example.com")
    confirm_link, unsubscribe_link = _links(mail.outbox[0])
    client.get(confirm_link)
    client.get(confirm_link)  # a second click changes nothing, so records nothing
    client.post(unsubscribe_link, {"List-Unsubscribe": "One-Click"})
    subscribe(client, django_capture_on_commit_callbacks, "kept@example.com")
    client.get(_links(mail.outbox[-1])[0])
    client.post(_links(mail.outbox[-1])[1])

    assert _history("kept@example.com") == [
        ("", Status.PENDING, "signed up"),
        (Status.PENDING, Status.CONFIRMED, "confirmed by the emailed link"),
        (Status.CONFIRMED, Status.UNSUBSCRIBED, "one-click (RFC 8058)"),
        (Status.UNSUBSCRIBED, Status.PENDING, "signed up again"),
        (Status.PENDING, Status.CONFIRMED, "confirmed by the emailed link"),
        (Status.CONFIRMED, Status.UNSUBSCRIBED, "unsubscribe page"),
    ]


def test_an_old_confirmation_link_does_not_undo_an_unsubscribe(client, django_capture_on_commit_callbacks):
    subscribe(client, django_capture_on_commit_callbacks, "gone@example.com")
    confirm_link, unsubscribe_link = _links(mail.outbox[0])
    client.get(confirm_link)
    client.post(unsubscribe_link)

    again = client.get(confirm_link)

    assert again.status_code == 400
    assert NewsletterSubscriber.objects.get().status == Status.UNSUBSCRIBED


def test_the_admin_shows_the_history_and_cannot_change_the_status(admin_client, client,
                                                                  django_capture_on_commit_callbacks):
    from django.urls import reverse

    subscribe(client, django_capture_on_commit_callbacks, "shown@example.com")
    subscriber = NewsletterSubscriber.objects.get()

    page = admin_client.get(reverse("admin:articles_newslettersubscriber_change", args=[subscriber.pk]))

    html = page.content.decode()
    assert "signed up" in html
    assert 'name="status"' not in html
