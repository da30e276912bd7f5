"""The client-credentials grant: a service's own token, shaped as Keycloak's service accounts."""

from __future__ import annotations

import pytest
from django.test import override_settings
from oauth2_provider.models import AccessToken, Application

from identity.realm.models import User
from identity.realm.services import client_upsert
from tests.helpers import TOKEN_PATH, basic_auth, password_grant, verify

SAFETY_SECRET = "crewup-safety-dev-secret"


def client_credentials(client, client_id: str = "crewup-safety", secret: str = SAFETY_SECRET):
    return client.post(
        TOKEN_PATH,
        {"grant_type": "client_credentials"},
        headers={"Authorization": basic_auth(client_id, secret)},
    )


def test_the_safety_service_gets_a_service_token(client, seeded):
    # when
    response = client_credentials(client)

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 300
    assert "refresh_token" not in body  # Keycloak gives none for client credentials
    claims = verify(client, body["access_token"], audience="crewup-api")
    account = User.objects.get(username="service-account-crewup-safety")
    assert claims["sub"] == str(account.pk)
    assert claims["azp"] == "crewup-safety"
    assert claims["client_id"] == "crewup-safety"
    assert claims["preferred_username"] == "service-account-crewup-safety"
    assert claims["realm_access"] == {"roles": ["service"]}
    assert claims["aud"] == ["crewup-api", "account"]
    assert "email" not in claims


def test_the_secret_may_also_come_in_the_form(client, seeded):
    response = client.post(
        TOKEN_PATH,
        {
            "grant_type": "client_credentials",
            "client_id": "crewup-safety",
            "client_secret": SAFETY_SECRET,
        },
    )

    assert response.status_code == 200
    assert verify(client, response.json()["access_token"], audience="crewup-api")["azp"] == (
        "crewup-safety"
    )


@pytest.mark.parametrize(
    ("client_id", "secret"),
    [
        pytest.param("crewup-safety", "wrong-secret", id="wrong_secret_case"),
        pytest.param("crewup-nobody", SAFETY_SECRET, id="unknown_client_case"),
    ],
)
def test_bad_client_credentials_get_no_token(client, seeded, client_id, secret):
    response = client_credentials(client, client_id, secret)

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert not AccessToken.objects.exists()


@pytest.mark.parametrize(
    ("client_id", "grant"),
    [
        pytest.param("crewup-cli", "client_credentials", id="public_cli_client_case"),
        pytest.param("crewup-spa", "client_credentials", id="public_spa_client_case"),
    ],
)
def test_public_clients_cannot_use_client_credentials(client, seeded, client_id, grant):
    response = client.post(TOKEN_PATH, {"grant_type": grant, "client_id": client_id})

    assert response.status_code in (400, 401)
    assert "access_token" not in response.json()
    assert not AccessToken.objects.exists()


def test_the_admin_client_has_no_service_account(client, seeded):
    response = client_credentials(client, "crewup-admin", "crewup-admin-dev-secret")

    assert response.status_code in (400, 401)
    assert "access_token" not in response.json()


def test_a_client_credentials_client_without_a_service_account_is_refused(client, seeded):
    # given: a confidential client allowed the grant, but no service-account user
    client_upsert(
        client_id="crewup-orphan",
        name="Orphan",
        client_type=Application.CLIENT_CONFIDENTIAL,
        grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret="orphan-secret",
    )

    # when
    response = client_credentials(client, "crewup-orphan", "orphan-secret")

    # then
    assert response.status_code == 400
    assert response.json()["error"] == "unauthorized_client"
    assert not AccessToken.objects.exists()


def test_a_disabled_service_account_gets_no_token(client, seeded):
    User.objects.filter(username="service-account-crewup-safety").update(is_active=False)

    response = client_credentials(client)

    assert response.status_code == 400
    assert "access_token" not in response.json()


def test_nobody_signs_in_as_the_service_account(client, seeded):
    response = password_grant(client, "service-account-crewup-safety", "")

    assert response.status_code == 400
    assert User.objects.get(username="service-account-crewup-safety").has_usable_password() is False


def test_the_secret_comes_from_the_environment(client, db):
    from io import StringIO

    from django.core.management import call_command

    with override_settings(IDENTITY_SAFETY_CLIENT_SECRET="from-the-environment"):
        call_command("seed_identity", stdout=StringIO())

    assert client_credentials(client, secret="from-the-environment").status_code == 200
    assert client_credentials(client, secret=SAFETY_SECRET).status_code == 401
