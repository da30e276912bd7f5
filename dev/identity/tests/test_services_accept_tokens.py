"""End to end: CrewUp's own token validation accepts what this provider mints.

`shared.auth.tokens` is the code every service runs on each request; here it discovers the
provider over real HTTP (discovery → jwks_uri → keys) from a live server, as it will at run time.
"""

from io import StringIO

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.management import call_command

from identity.realm.models import User
from shared.auth.jwks import reset_jwks_caches
from shared.auth.tokens import InvalidToken, decode_access_token


@pytest.fixture
def live_issuer(live_server, transactional_db, settings):
    """The live server's issuer, trusted by `shared.auth` as a service's settings would do."""
    issuer = f"{live_server.url}/realms/crewup"
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": issuer}
    settings.OIDC_ISSUER = issuer
    settings.OIDC_AUDIENCE = "crewup-api"
    settings.OIDC_LEEWAY_SECONDS = 0
    settings.OIDC_JWKS_LIFETIME_SECONDS = 300
    settings.OIDC_JWKS_REFETCH_COOLDOWN_SECONDS = 0
    settings.OIDC_HTTP_TIMEOUT_SECONDS = 5
    reset_jwks_caches()
    call_command("seed_identity", stdout=StringIO())
    yield issuer
    reset_jwks_caches()


def _password_grant(issuer: str, username: str, password: str) -> str:
    response = httpx.post(
        f"{issuer}/protocol/openid-connect/token",
        data={
            "grant_type": "password",
            "client_id": "crewup-cli",
            "username": username,
            "password": password,
            "scope": "openid",
        },
        timeout=5,
    )
    response.raise_for_status()
    return response.json()["access_token"]


def test_shared_auth_accepts_a_token_from_the_live_provider(live_issuer):
    token = _password_grant(live_issuer, "maria", "maria-pass-2026")

    claims = decode_access_token(token)

    maria = User.objects.get(username="maria")
    assert claims.subject == str(maria.pk)
    assert claims.username == "maria"
    assert claims.email == "maria@crewup.test"
    assert claims.given_name == "Maria"
    assert claims.family_name == "Moderator"
    assert claims.roles == frozenset({"user", "moderator"})
    assert claims.raw["iss"] == live_issuer


def test_shared_auth_refuses_a_token_the_provider_did_not_sign(live_issuer):
    token = _password_grant(live_issuer, "alice", "alice-pass-2026")
    claims = jwt.decode(token, options={"verify_signature": False})
    claims["realm_access"] = {"roles": ["user", "moderator", "admin"]}
    forged = jwt.encode(
        claims,
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
        algorithm="RS256",
        headers={"kid": jwt.get_unverified_header(token)["kid"]},
    )

    with pytest.raises(InvalidToken):
        decode_access_token(forged)


def test_a_services_own_client_gets_a_token_the_services_accept(live_issuer, settings):
    # given: a service configured as the safety service is, against the live provider
    from shared.http.tokens import service_tokens

    settings.SERVICE_CLIENT_ID = "crewup-safety"
    settings.SERVICE_CLIENT_SECRET = "crewup-safety-dev-secret"
    settings.SERVICE_TOKEN_URL = ""
    settings.SERVICE_HTTP_CONNECT_TIMEOUT_SECONDS = 2
    settings.SERVICE_HTTP_READ_TIMEOUT_SECONDS = 5
    settings.SERVICE_HTTP_ATTEMPTS = 1
    settings.SERVICE_HTTP_RETRY_BACKOFF_SECONDS = 0
    settings.SERVICE_TOKEN_RENEW_BEFORE_SECONDS = 30
    service_tokens.clear()
    try:
        # when: shared.http fetches the service token by the client-credentials grant
        token = service_tokens.get()
    finally:
        service_tokens.clear()

    # then: shared.auth accepts it, with the service role and the service account as subject
    claims = decode_access_token(token)
    account = User.objects.get(username="service-account-crewup-safety")
    assert claims.subject == str(account.pk)
    assert claims.roles == frozenset({"service"})
    assert claims.raw["azp"] == "crewup-safety"
