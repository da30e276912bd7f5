from urllib.parse import urlsplit

from django.conf import settings
from django.urls import resolve
from jwcrypto import jwk

from tests.helpers import CERTS_PATH, ISSUER, REALM_PATH


def test_discovery_lists_keycloaks_endpoints_under_the_issuer(client):
    response = client.get(f"{REALM_PATH}/.well-known/openid-configuration")

    assert response.status_code == 200
    document = response.json()
    endpoints = f"{ISSUER}/protocol/openid-connect"
    assert document["issuer"] == ISSUER
    assert document["authorization_endpoint"] == f"{endpoints}/auth"
    assert document["token_endpoint"] == f"{endpoints}/token"
    assert document["userinfo_endpoint"] == f"{endpoints}/userinfo"
    assert document["end_session_endpoint"] == f"{endpoints}/logout"
    assert document["jwks_uri"] == f"{endpoints}/certs"
    assert document["introspection_endpoint"] == f"{endpoints}/token/introspect"
    assert document["revocation_endpoint"] == f"{endpoints}/revoke"
    assert document["id_token_signing_alg_values_supported"] == ["RS256"]
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["response_types_supported"] == ["code"]


def test_every_advertised_endpoint_is_served_by_the_view_it_names(client):
    document = client.get(f"{REALM_PATH}/.well-known/openid-configuration").json()
    expected_views = {
        "authorization_endpoint": "authorize",
        "token_endpoint": "token",
        "userinfo_endpoint": "user-info",
        "end_session_endpoint": "rp-initiated-logout",
        "jwks_uri": "jwks-info",
        "introspection_endpoint": "introspect",
        "revocation_endpoint": "revoke-token",
    }

    for field, url_name in expected_views.items():
        match = resolve(urlsplit(document[field]).path)
        assert (match.namespace, match.url_name) == ("oauth2_provider", url_name), field


def test_jwks_publishes_the_realm_key_for_signatures(client):
    response = client.get(CERTS_PATH)

    assert response.status_code == 200
    [key] = response.json()["keys"]
    realm_key = jwk.JWK.from_pem(settings.OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"].encode())
    assert key["kty"] == "RSA"
    assert key["use"] == "sig"
    assert key["alg"] == "RS256"
    assert key["kid"] == realm_key.thumbprint()
    assert {"n", "e"} <= key.keys()
    assert "d" not in key  # the public half only
