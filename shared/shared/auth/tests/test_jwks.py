"""The JWKS cache against a real key server: lifetime, cooldown and outages."""

import pytest

from shared.auth.jwks import JWKSCache, JWKSUnavailable


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def cache(oidc_provider, clock):
    return JWKSCache(
        issuer=oidc_provider.issuer,
        lifetime_seconds=300,
        refetch_cooldown_seconds=30,
        timeout_seconds=2,
        clock=clock,
    )


def test_known_key_is_fetched_once_and_then_served_from_cache(cache, oidc_provider):
    kid = oidc_provider.signing_key.kid

    first = cache.get_signing_key(kid)
    second = cache.get_signing_key(kid)

    assert first is not None
    assert first.key_id == kid
    assert second is first
    assert cache.fetch_count == 1


def test_keys_are_fetched_again_after_their_lifetime(cache, oidc_provider, clock):
    old_kid = oidc_provider.signing_key.kid
    cache.get_signing_key(old_kid)
    new_kid = oidc_provider.rotate().kid

    # given the lifetime has passed
    clock.now += 301
    # when the removed key is asked for
    result = cache.get_signing_key(old_kid)

    # then it is no longer trusted, and the new key is known
    assert result is None
    assert cache.get_signing_key(new_kid) is not None
    assert cache.fetch_count == 2


def test_unknown_kid_refetches_at_most_once_per_cooldown(cache, oidc_provider, clock):
    cache.get_signing_key(oidc_provider.signing_key.kid)
    clock.now += 31

    for attempt in range(50):
        assert cache.get_signing_key(f"made-up-{attempt}") is None

    assert cache.fetch_count == 2  # the first fetch and a single refetch
    clock.now += 31
    cache.get_signing_key("made-up-again")
    assert cache.fetch_count == 3


def test_rotated_key_is_picked_up_on_unknown_kid_after_cooldown(cache, oidc_provider, clock):
    cache.get_signing_key(oidc_provider.signing_key.kid)
    new_kid = oidc_provider.rotate().kid
    clock.now += 31

    assert cache.get_signing_key(new_kid) is not None


def test_cached_keys_stay_in_use_while_the_provider_is_down(cache, oidc_provider, clock):
    kid = oidc_provider.signing_key.kid
    cache.get_signing_key(kid)
    oidc_provider.available = False
    fetches = cache.fetch_count

    clock.now += 301  # stale, and the refetch fails

    assert cache.get_signing_key(kid) is not None
    assert cache.get_signing_key(kid) is not None  # within cooldown: no new attempt
    assert cache.fetch_count == fetches + 1  # one failed attempt, then the cooldown holds


def test_no_keys_and_provider_down_is_unavailable(cache, oidc_provider):
    oidc_provider.available = False

    with pytest.raises(JWKSUnavailable):
        cache.get_signing_key(oidc_provider.signing_key.kid)
