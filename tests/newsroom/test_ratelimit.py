import pytest
from django.test import RequestFactory

from newsroom import ratelimit

pytestmark = pytest.mark.django_db


def test_hit_counts_within_a_window():
    assert [ratelimit.hit("k", 2, 60) for _ in range(3)] == [True, True, False]
    assert ratelimit.hit("other", 2, 60)


def test_enforce_counts_every_rule_or_none():
    rules = [("ip", "203.0.113.1", 2, 60), ("email", "a@example.com", 1, 60)]
    ratelimit.enforce("scope", rules)
    with pytest.raises(ratelimit.RateLimited) as error:
        ratelimit.enforce("scope", rules)
    assert error.value.kind == "email" and 0 < error.value.retry_after <= 60
    assert "try again in about 1 minute" in error.value.message
    # the refused attempt did not use up the IP allowance
    ratelimit.enforce("scope", [("ip", "203.0.113.1", 2, 60)])


def test_empty_values_are_skipped_and_scopes_are_separate(settings):
    ratelimit.enforce("a", [("account", "", 0, 60)])
    ratelimit.enforce("a", [("ip", "x", 1, 60)])
    ratelimit.enforce("b", [("ip", "x", 1, 60)])
    settings.RATELIMIT_ENABLED = False
    ratelimit.enforce("a", [("ip", "x", 1, 60)])


def test_client_ip_trusts_forwarded_for_only_behind_configured_proxies(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7")
    assert ratelimit.client_ip(request) == "10.0.0.1"
    settings.RATELIMIT_TRUSTED_PROXIES = 1
    assert ratelimit.client_ip(request) == "198.51.100.7"


def test_limit_decorator_answers_429_with_a_friendly_page():
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpResponse

    @ratelimit.limit("demo", per_ip=(1, 60))
    def view(request):
        return HttpResponse("ok")

    def post():
        request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.5")
        request.user = AnonymousUser()
        return view(request)

    assert post().status_code == 200
    response = post()
    assert response.status_code == 429 and response["Retry-After"]
    assert "Please slow down" in response.content.decode()


def test_counters_survive_the_page_cache_being_emptied():
    """A flood of distinct cached pages evicts entries from the cache; the counters are not there."""
    from django.core.cache import cache

    assert [ratelimit.hit("guess", 2, 900) for _ in range(2)] == [True, True]
    cache.clear()

    assert not ratelimit.hit("guess", 2, 900)


def test_an_attempt_taken_back_frees_its_place():
    rules = [("username", "alice", 1, 900)]
    ratelimit.enforce("login", rules).undo()

    ratelimit.enforce("login", rules)
    with pytest.raises(ratelimit.RateLimited):
        ratelimit.enforce("login", rules)


def test_counters_of_ended_windows_are_deleted():
    from newsroom.models import RateCounter

    ratelimit.hit("now", 5, 60)
    RateCounter.objects.create(key="rl:raw:key:60:0:old", count=3, expires=60)

    ratelimit.purge_expired()

    assert list(RateCounter.objects.values_list("count", flat=True)) == [1]
