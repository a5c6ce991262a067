import pytest

pytestmark = pytest.mark.django_db


def test_banner_offers_reject_and_accept_with_equal_weight(client):
    html = client.get("/").content.decode()

    assert 'class="consent-banner"' in html
    assert '<button type="submit" name="consent" value="essential" class="btn btn-dark">Reject all</button>' in html
    assert '<button type="submit" name="consent" value="all" class="btn btn-dark">Accept all</button>' in html


def test_only_essential_cookies_are_set_before_a_choice(client):
    response = client.get("/")

    assert set(response.cookies) <= {"csrftoken"}  # forms on the page need it


@pytest.mark.parametrize("choice", ["essential", "all"])
def test_choice_is_remembered_and_the_banner_goes(client, choice):
    response = client.post("/cookies/", {"consent": choice, "next": "/pages/privacy/"})

    assert response.status_code == 302 and response["Location"] == "/pages/privacy/"
    assert response.cookies["cookie_consent"].value == choice
    assert 'class="consent-banner"' not in client.get("/").content.decode()


def test_choice_can_be_changed_from_the_footer(client):
    client.post("/cookies/", {"consent": "all"})
    assert 'href="/cookies/?next=' in client.get("/").content.decode()

    page = client.get("/cookies/")
    assert "all cookies accepted" in page.content.decode()
    client.post("/cookies/", {"consent": "essential"})
    assert client.cookies["cookie_consent"].value == "essential"


def test_foreign_redirect_targets_are_ignored(client):
    response = client.post("/cookies/", {"consent": "all", "next": "https://evil.example/"})

    assert response["Location"] == "/cookies/"


def test_unknown_choice_sets_nothing(client):
    response = client.post("/cookies/", {"consent": "sell-my-data"})

    assert response.status_code == 400
    assert "cookie_consent" not in response.cookies
