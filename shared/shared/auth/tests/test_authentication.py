"""Bearer authentication end to end: real RS256 tokens, the real JWKS endpoint, the real database."""

import time

import jwt
import pytest

from shared.accounts.models import User
from shared.accounts.tests.factories import UserFactory
from shared.testing.oidc import SigningKey


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def assert_refused(response, status=401):
    assert response.status_code == status
    assert set(response.json()["error"]) == {"code", "message", "fields"}


@pytest.mark.django_db
def test_first_valid_token_registers_the_user(api_client, make_token):
    token = make_token(
        sub="kc-123", username="alice", email="alice@example.test", roles=["user", "moderator"]
    )

    response = api_client.get("/whoami/", **bearer(token))

    assert response.status_code == 200
    user = User.objects.get(keycloak_id="kc-123")
    assert response.json() == {
        "id": str(user.id),
        "username": "alice",
        "roles": ["moderator", "user"],
    }
    assert (user.username, user.email, user.first_name, user.last_name) == (
        "alice",
        "alice@example.test",
        "Alice",
        "Tester",
    )
    assert not user.has_usable_password()


@pytest.mark.django_db
def test_second_token_reuses_the_row_and_follows_profile_changes(api_client, make_token):
    api_client.get("/whoami/", **bearer(make_token(sub="kc-9", username="old")))

    api_client.get("/whoami/", **bearer(make_token(sub="kc-9", username="new")))

    assert User.objects.get(keycloak_id="kc-9").username == "new"
    assert User.objects.filter(keycloak_id="kc-9").count() == 1


@pytest.mark.django_db
def test_no_token_is_401_with_a_bearer_challenge(api_client):
    response = api_client.get("/whoami/")

    assert_refused(response)
    assert response["WWW-Authenticate"] == 'Bearer realm="crewup"'


def test_registration_counter_counts_new_users(api_client, make_token, db):
    from shared.metrics import USERS_REGISTERED

    before = USERS_REGISTERED._value.get()
    api_client.get("/whoami/", **bearer(make_token(sub="kc-new")))
    api_client.get("/whoami/", **bearer(make_token(sub="kc-new")))

    assert USERS_REGISTERED._value.get() == before + 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("case", "token_kwargs"),
    [
        pytest.param("expired", {"expires_in": -120}, id="expired_case"),
        pytest.param("no_exp", {"omit": ["exp"]}, id="missing_exp_case"),
        pytest.param("no_iat", {"omit": ["iat"]}, id="missing_iat_case"),
        pytest.param(
            "wrong_issuer", {"iss": "http://evil.test/realms/crewup"}, id="wrong_issuer_case"
        ),
        pytest.param("no_issuer", {"omit": ["iss"]}, id="missing_issuer_case"),
        pytest.param("wrong_audience", {"aud": "someone-else"}, id="wrong_audience_case"),
        pytest.param("no_audience", {"omit": ["aud"]}, id="missing_audience_case"),
        pytest.param("no_subject", {"omit": ["sub"]}, id="missing_subject_case"),
        pytest.param("hs256", {"algorithm": "HS256"}, id="hs256_case"),
        pytest.param("alg_none", {"algorithm": "none"}, id="alg_none_case"),
        pytest.param("foreign_key", {"key": "foreign"}, id="signed_by_another_key_case"),
    ],
)
def test_invalid_tokens_are_refused_and_register_nobody(
    api_client, make_token, oidc_provider, case, token_kwargs
):
    if case == "foreign_key":
        # the kid the service trusts, but signed with a different private key
        token_kwargs = {"key": SigningKey(kid=oidc_provider.signing_key.kid)}
    token = make_token(sub=f"kc-{case}", **token_kwargs)

    response = api_client.get("/whoami/", **bearer(token))

    assert_refused(response)
    assert response.json()["error"]["code"] == "invalid_token"
    assert not User.objects.filter(keycloak_id=f"kc-{case}").exists()


@pytest.mark.django_db
def test_token_with_an_unknown_kid_is_refused(api_client, make_token):
    token = make_token(key=SigningKey(kid="not-published"))

    assert_refused(api_client.get("/whoami/", **bearer(token)))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer a b", "Bearer not.a.jwt", "Bearer ééé"],
    ids=["empty_case", "two_parts_case", "garbage_case", "non_ascii_case"],
)
def test_malformed_authorization_headers_are_401(api_client, header):
    response = api_client.get("/whoami/", HTTP_AUTHORIZATION=header)

    assert_refused(response)


@pytest.mark.django_db
def test_tokens_are_checked_without_a_jwks_fetch_per_request(api_client, make_token, oidc_provider):
    token = make_token()
    before = oidc_provider.jwks_requests

    for _ in range(20):
        assert api_client.get("/whoami/", **bearer(token)).status_code == 200

    assert oidc_provider.jwks_requests - before == 1


@pytest.mark.django_db
def test_rotated_key_is_accepted_once_published(api_client, make_token, oidc_provider):
    assert api_client.get("/whoami/", **bearer(make_token())).status_code == 200
    from shared.auth.jwks import get_jwks_cache

    get_jwks_cache().refetch_cooldown_seconds = 0
    new_key = oidc_provider.rotate()

    response = api_client.get("/whoami/", **bearer(make_token(key=new_key)))

    assert response.status_code == 200


@pytest.mark.django_db
def test_provider_down_with_no_cached_keys_is_503_not_500(api_client, make_token, oidc_provider):
    token = make_token()
    oidc_provider.available = False

    response = api_client.get("/whoami/", **bearer(token))

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "identity_provider_unavailable"


@pytest.mark.django_db
def test_provider_down_after_keys_were_fetched_keeps_accepting(
    api_client, make_token, oidc_provider
):
    token = make_token()
    api_client.get("/whoami/", **bearer(token))
    oidc_provider.available = False

    assert api_client.get("/whoami/", **bearer(token)).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_banned_user_is_403_everywhere(api_client, make_token, method):
    user = UserFactory(is_banned=True)
    token = make_token(sub=user.keycloak_id)

    response = getattr(api_client, method)("/whoami/", **bearer(token))

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "user_banned"


@pytest.mark.django_db
def test_expired_temporary_ban_lets_the_user_back(api_client, make_token):
    from datetime import timedelta

    from django.utils import timezone

    user = UserFactory(is_banned=True, banned_until=timezone.now() - timedelta(minutes=1))

    response = api_client.get("/whoami/", **bearer(make_token(sub=user.keycloak_id)))

    assert response.status_code == 200


def test_token_claims_are_read_from_realm_access(make_token, db):
    from shared.auth.tokens import decode_access_token

    claims = decode_access_token(make_token(roles=["user", "admin"]))

    assert claims.roles == frozenset({"user", "admin"})
    assert claims.expires_at > time.time()


def test_token_signed_by_our_key_but_with_hs256_using_public_key_is_refused(
    make_token, oidc_provider, db
):
    """The classic alg-confusion attack: HS256 keyed with the RSA public key."""
    from cryptography.hazmat.primitives import serialization

    from shared.auth.tokens import InvalidToken, decode_access_token

    public_pem = oidc_provider.signing_key.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    claims = jwt.decode(make_token(), options={"verify_signature": False})
    forged = _hmac_token(claims, public_pem, oidc_provider.signing_key.kid)

    with pytest.raises(InvalidToken):
        decode_access_token(forged)


def _hmac_token(claims, secret, kid):
    import base64
    import hashlib
    import hmac
    import json

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    body = b64(json.dumps(claims).encode())
    signature = hmac.new(secret, f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{b64(signature)}"
