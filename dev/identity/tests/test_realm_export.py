"""The production Keycloak realm export, and its agreement with this stand-in."""

import json
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from oauth2_provider.models import Application

from identity.realm.models import REALM_ROLES, ROLE_SERVICE, ROLE_USER, User
from tests.helpers import TOKEN_PATH, basic_auth, password_grant, verify

REALM_EXPORT = settings.REPO_ROOT / "k8s" / "keycloak" / "crewup-realm.json"
HOSTS = [
    "https://crewup-dev.ltu-m7011e-3.se",
    "https://crewup-staging.ltu-m7011e-3.se",
    "https://crewup.ltu-m7011e-3.se",
]


@pytest.fixture(scope="module")
def realm() -> dict:
    return json.loads(REALM_EXPORT.read_text())


@pytest.fixture(scope="module")
def clients(realm) -> dict[str, dict]:
    return {client["clientId"]: client for client in realm["clients"]}


def _mapper(client: dict, kind: str) -> dict:
    [mapper] = [m for m in client["protocolMappers"] if m["protocolMapper"] == kind]
    return mapper


def test_realm_settings(realm):
    assert realm["realm"] == "crewup"
    assert realm["enabled"] is True
    assert realm["sslRequired"] == "external"
    assert realm["bruteForceProtected"] is True
    assert realm["registrationAllowed"] is True
    assert realm["accessTokenLifespan"] == 300 == settings.IDENTITY_ACCESS_TOKEN_LIFETIME


def test_realm_roles_are_the_dev_roles_and_new_users_get_user(realm):
    roles = {role["name"]: role for role in realm["roles"]["realm"]}

    assert set(REALM_ROLES) <= roles.keys()
    assert realm["defaultRole"]["name"] == "default-roles-crewup"
    default_role = roles["default-roles-crewup"]
    assert default_role["composite"] is True
    assert ROLE_USER in default_role["composites"]["realm"]
    # every composite names a role the export defines
    assert set(default_role["composites"]["realm"]) <= roles.keys()


def test_spa_client_is_public_with_s256_pkce_on_the_three_hosts(clients):
    spa = clients["crewup-spa"]

    assert spa["publicClient"] is True
    assert spa["standardFlowEnabled"] is True
    assert spa["implicitFlowEnabled"] is False
    assert spa["directAccessGrantsEnabled"] is False
    assert spa["attributes"]["pkce.code.challenge.method"] == "S256"
    assert spa["redirectUris"] == [f"{host}/*" for host in HOSTS]
    assert spa["webOrigins"] == HOSTS


def test_admin_client_is_confidential_with_a_placeholder_secret(clients):
    admin = clients["crewup-admin"]

    assert admin["publicClient"] is False
    assert admin["clientAuthenticatorType"] == "client-secret"
    assert admin["secret"] == "${CREWUP_ADMIN_CLIENT_SECRET}"
    assert admin["standardFlowEnabled"] is True
    assert admin["directAccessGrantsEnabled"] is False
    assert admin["redirectUris"] == [f"{host}/admin/oidc/callback/" for host in HOSTS]


def test_api_client_only_holds_the_audience(clients):
    api = clients["crewup-api"]

    assert api["bearerOnly"] is True
    assert api["standardFlowEnabled"] is False
    assert api["directAccessGrantsEnabled"] is False


@pytest.mark.parametrize("client_id", ["crewup-spa", "crewup-admin", "crewup-safety"])
def test_token_clients_put_the_api_audience_and_realm_roles_in_tokens(clients, client_id):
    audience = _mapper(clients[client_id], "oidc-audience-mapper")["config"]
    roles = _mapper(clients[client_id], "oidc-usermodel-realm-role-mapper")["config"]

    assert audience["included.client.audience"] == "crewup-api"
    assert audience["access.token.claim"] == "true"
    assert roles["claim.name"] == "realm_access.roles"
    assert roles["multivalued"] == "true"
    assert roles["access.token.claim"] == "true"
    assert roles["id.token.claim"] == "true"
    assert roles["userinfo.token.claim"] == "true"


def test_no_client_secret_is_committed(realm):
    secrets = [client["secret"] for client in realm["clients"] if "secret" in client]

    assert secrets == ["${CREWUP_ADMIN_CLIENT_SECRET}", "${CREWUP_SAFETY_CLIENT_SECRET}"]


def test_safety_client_is_a_service_account_with_client_credentials_only(clients):
    safety = clients["crewup-safety"]

    assert safety["publicClient"] is False
    assert safety["clientAuthenticatorType"] == "client-secret"
    assert safety["serviceAccountsEnabled"] is True
    assert safety["standardFlowEnabled"] is False
    assert safety["implicitFlowEnabled"] is False
    assert safety["directAccessGrantsEnabled"] is False
    assert safety["redirectUris"] == []


def test_the_service_role_is_held_by_the_safety_service_account_alone(realm):
    roles = {role["name"]: role for role in realm["roles"]["realm"]}
    default_role = roles["default-roles-crewup"]
    [account] = [user for user in realm["users"] if user.get("serviceAccountClientId")]

    assert ROLE_SERVICE in roles
    assert ROLE_SERVICE not in default_role["composites"]["realm"]  # no person gets it
    assert account == {
        "username": "service-account-crewup-safety",
        "enabled": True,
        "serviceAccountClientId": "crewup-safety",
        "realmRoles": [ROLE_SERVICE],
    }
    # the export carries no people: only the service account its client needs
    assert [user["username"] for user in realm["users"]] == [account["username"]]


def test_dev_service_token_matches_the_realms_service_account(client, clients, realm, seeded):
    [account] = [user for user in realm["users"] if user.get("serviceAccountClientId")]
    response = client.post(
        TOKEN_PATH,
        {"grant_type": "client_credentials"},
        headers={
            "Authorization": basic_auth("crewup-safety", settings.IDENTITY_SAFETY_CLIENT_SECRET)
        },
    )

    claims = verify(client, response.json()["access_token"], audience=settings.IDENTITY_AUDIENCE)
    dev_account = User.objects.get(username=account["username"])
    assert claims["sub"] == str(dev_account.pk)
    assert claims["azp"] == account["serviceAccountClientId"]
    assert claims["realm_access"]["roles"] == account["realmRoles"]
    dev = Application.objects.get(client_id="crewup-safety")
    assert dev.client_type == Application.CLIENT_CONFIDENTIAL
    assert dev.authorization_grant_type == Application.GRANT_CLIENT_CREDENTIALS
    assert clients["crewup-safety"]["serviceAccountsEnabled"] is True


def test_dev_clients_match_the_realms_sign_in_clients(clients, seeded):
    client_types = {True: Application.CLIENT_PUBLIC, False: Application.CLIENT_CONFIDENTIAL}

    for client_id, callback_path in [
        ("crewup-spa", "/auth/callback"),
        ("crewup-admin", "/admin/oidc/callback/"),
    ]:
        dev = Application.objects.get(client_id=client_id)
        assert dev.client_type == client_types[clients[client_id]["publicClient"]], client_id
        assert dev.authorization_grant_type == Application.GRANT_AUTHORIZATION_CODE
        assert clients[client_id]["standardFlowEnabled"] is True
        assert {urlsplit(uri).path for uri in dev.redirect_uris.split()} == {callback_path}
    assert clients["crewup-api"]["clientId"] == settings.IDENTITY_AUDIENCE


def test_dev_tokens_have_the_claim_shapes_the_realm_mappers_produce(client, clients, realm, seeded):
    token = password_grant(client, "adam", "adam-pass-2026").json()["access_token"]
    claims = verify(client, token, audience=settings.IDENTITY_AUDIENCE)
    mapper = _mapper(clients["crewup-spa"], "oidc-usermodel-realm-role-mapper")["config"]
    audience = _mapper(clients["crewup-spa"], "oidc-audience-mapper")["config"]

    # the role claim sits at the mapper's path, as a list of realm role names
    container_name, list_name = mapper["claim.name"].split(".")
    roles = claims[container_name][list_name]
    assert isinstance(roles, list)
    assert set(roles) <= {role["name"] for role in realm["roles"]["realm"]}
    assert set(roles) == set(REALM_ROLES)
    # the audience the mapper adds is the one the dev provider sets, plus Keycloak's account
    assert audience["included.client.audience"] in claims["aud"]
    # and `account`, which Keycloak adds because the default role holds that client's roles
    assert "account" in claims["aud"]
    default_role = next(r for r in realm["roles"]["realm"] if r["name"] == "default-roles-crewup")
    assert "account" in default_role["composites"]["client"]
