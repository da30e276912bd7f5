"""Verified tokens are remembered briefly, never past their expiry."""

import time

from shared.auth.tokens import TokenClaims, VerifiedTokenCache, decode_access_token, verified_tokens


def claims(expires_at: float) -> TokenClaims:
    return TokenClaims(
        subject="s", username="u", email="", given_name="", family_name="",
        roles=frozenset(), expires_at=int(expires_at), raw={},
    )  # fmt: skip


def test_entry_is_served_until_the_token_expires():
    cache = VerifiedTokenCache(max_age_seconds=60)
    cache.put("expired", claims(time.time() - 1))
    cache.put("valid", claims(time.time() + 30))

    assert cache.get("expired") is None
    assert cache.get("valid") is not None


def test_entry_is_forgotten_after_max_age_even_if_the_token_lives_on():
    cache = VerifiedTokenCache(max_age_seconds=0)
    cache.put("token", claims(time.time() + 300))

    assert cache.get("token") is None


def test_least_recently_used_entries_go_first():
    cache = VerifiedTokenCache(max_entries=2)
    for name in ("a", "b"):
        cache.put(name, claims(time.time() + 300))
    cache.get("a")

    cache.put("c", claims(time.time() + 300))

    assert cache.get("b") is None
    assert cache.get("a") is not None
    assert cache.get("c") is not None


def test_a_token_is_verified_once_then_served_from_the_cache(make_token, oidc_provider, db):
    token = make_token()
    first = decode_access_token(token)
    oidc_provider.available = False  # a second verification could not fetch keys
    verified_tokens._entries[token] = (time.time() + 60, first)

    assert decode_access_token(token) is first


def test_a_token_with_another_signature_is_not_served_from_the_cache(make_token, db):
    import pytest

    from shared.auth.tokens import InvalidToken

    token = make_token()
    decode_access_token(token)
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload}.{signature[::-1]}"

    with pytest.raises(InvalidToken):
        decode_access_token(tampered)
