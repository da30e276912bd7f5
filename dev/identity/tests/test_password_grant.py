import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from oauth2_provider.models import AccessToken

from identity.realm.models import User
from tests.helpers import (
    ISSUER,
    OIDC_PATH,
    TOKEN_PATH,
    USERINFO_PATH,
    basic_auth,
    password_grant,
    signing_keys,
    verify,
)


def test_password_grant_returns_a_keycloak_shaped_access_token(client, seeded):
    # when
    response = password_grant(client, "maria", "maria-pass-2026")

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 300
    token = body["access_token"]
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256"
    assert header["typ"] == "JWT"
    assert header["kid"] in signing_keys(client)
    claims = verify(client, token, audience="crewup-api")
    maria = User.objects.get(username="maria")
    assert claims["iss"] == ISSUER
    assert claims["aud"] == ["crewup-api", "account"]
    assert claims["azp"] == "crewup-cli"
    assert claims["sub"] == str(maria.pk)
    assert claims["typ"] == "Bearer"
    assert claims["scope"] == "openid profile email"
    assert claims["exp"] - claims["iat"] == 300
    assert abs(claims["iat"] - time.time()) < 10
    assert claims["jti"]
    assert claims["preferred_username"] == "maria"
    assert claims["email"] == "maria@crewup.test"
    assert claims["email_verified"] is True
    assert claims["given_name"] == "Maria"
    assert claims["family_name"] == "Moderator"
    assert claims["name"] == "Maria Moderator"
    assert claims["realm_access"] == {"roles": ["moderator", "user"]}


def test_tokens_of_a_plain_user_carry_only_the_user_role(client, seeded):
    token = password_grant(client, "alice", "alice-pass-2026").json()["access_token"]

    assert verify(client, token, audience="crewup-api")["realm_access"] == {"roles": ["user"]}


def test_each_token_has_its_own_jti(client, seeded):
    first = password_grant(client, "bob", "bob-pass-2026").json()["access_token"]
    second = password_grant(client, "bob", "bob-pass-2026").json()["access_token"]

    assert first != second
    assert (
        verify(client, first, audience="crewup-api")["jti"]
        != verify(client, second, audience="crewup-api")["jti"]
    )


@pytest.mark.parametrize(
    ("username", "password"),
    [
        pytest.param("maria", "wrong-pass", id="wrong_password_case"),
        pytest.param("nobody", "maria-pass-2026", id="unknown_user_case"),
    ],
)
def test_bad_credentials_get_no_token(client, seeded, username, password):
    response = password_grant(client, username, password)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert "access_token" not in response.json()
    assert not AccessToken.objects.exists()


def test_password_grant_is_refused_to_the_spa_client(client, seeded):
    response = client.post(
        TOKEN_PATH,
        {
            "grant_type": "password",
            "client_id": "crewup-spa",
            "username": "alice",
            "password": "alice-pass-2026",
        },
    )

    assert response.status_code in (400, 401)
    assert "access_token" not in response.json()
    assert not AccessToken.objects.exists()


def test_a_token_signed_by_another_key_does_not_verify(client, seeded):
    token = password_grant(client, "alice", "alice-pass-2026").json()["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(
        claims,
        other_key,
        algorithm="RS256",
        headers={"kid": jwt.get_unverified_header(token)["kid"]},
    )

    with pytest.raises(jwt.InvalidSignatureError):
        verify(client, forged, audience="crewup-api")


def test_userinfo_accepts_the_jwt_access_token(client, seeded):
    token = password_grant(client, "maria", "maria-pass-2026").json()["access_token"]

    response = client.get(USERINFO_PATH, headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200
    assert response.json() == {
        "sub": str(User.objects.get(username="maria").pk),
        "preferred_username": "maria",
        "email": "maria@crewup.test",
        "email_verified": True,
        "given_name": "Maria",
        "family_name": "Moderator",
        "name": "Maria Moderator",
        "realm_access": {"roles": ["moderator", "user"]},
    }


def test_introspection_by_the_confidential_client_reports_the_token_active(client, seeded):
    token = password_grant(client, "alice", "alice-pass-2026").json()["access_token"]

    response = client.post(
        f"{OIDC_PATH}/token/introspect",
        {"token": token},
        headers={"Authorization": basic_auth("crewup-admin", "crewup-admin-dev-secret")},
    )

    assert response.status_code == 200
    assert response.json()["active"] is True
    assert response.json()["username"] == "alice"
    assert response.json()["client_id"] == "crewup-cli"


def test_a_long_jwt_is_stored_whole(client, seeded):
    token = password_grant(client, "adam", "adam-pass-2026").json()["access_token"]

    assert AccessToken.objects.get(user__username="adam").token == token


def test_refresh_token_grant_mints_a_new_access_token(client, seeded):
    first = password_grant(client, "bob", "bob-pass-2026").json()

    response = client.post(
        TOKEN_PATH,
        {
            "grant_type": "refresh_token",
            "client_id": "crewup-cli",
            "refresh_token": first["refresh_token"],
        },
    )

    assert response.status_code == 200
    refreshed = response.json()
    assert refreshed["refresh_token"] != first["refresh_token"]
    assert not refreshed["refresh_token"].startswith("ey")  # opaque, unlike the access token
    claims = verify(client, refreshed["access_token"], audience="crewup-api")
    assert claims["preferred_username"] == "bob"
    assert claims["jti"] != verify(client, first["access_token"], audience="crewup-api")["jti"]
