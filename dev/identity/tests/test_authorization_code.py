from urllib.parse import parse_qs, urlsplit

import pytest
from oauth2_provider.models import AccessToken

from tests.helpers import (
    ADMIN_REDIRECT_URI,
    AUTH_PATH,
    ISSUER,
    OIDC_PATH,
    REALM_PATH,
    SPA_REDIRECT_URI,
    TOKEN_PATH,
    basic_auth,
    pkce_pair,
    verify,
)

LOGIN_PATH = f"{REALM_PATH}/login/"


def _authorize(client, **params):
    query = {
        "response_type": "code",
        "client_id": "crewup-spa",
        "redirect_uri": SPA_REDIRECT_URI,
        "scope": "openid profile email",
        "state": "state-123",
        "nonce": "nonce-456",
        **params,
    }
    return client.get(AUTH_PATH, {key: value for key, value in query.items() if value is not None})


def _redirect_params(response) -> dict[str, str]:
    assert response.status_code == 302
    return {key: values[0] for key, values in parse_qs(urlsplit(response.url).query).items()}


def _code_for(client, username: str, password: str, **params) -> str:
    """Sign in through the login page on the way, as a browser does, and return the code."""
    to_login = _authorize(client, **params)
    assert to_login.status_code == 302
    assert urlsplit(to_login.url).path == LOGIN_PATH
    next_url = parse_qs(urlsplit(to_login.url).query)["next"][0]
    signed_in = client.post(
        LOGIN_PATH, {"username": username, "password": password, "next": next_url}
    )
    assert signed_in.status_code == 302
    assert signed_in.url == next_url
    back = client.get(next_url)
    assert back.url.startswith(params.get("redirect_uri", SPA_REDIRECT_URI) + "?")
    return _redirect_params(back)["code"]


def test_spa_signs_in_with_code_and_pkce(client, seeded):
    # given
    verifier, challenge = pkce_pair()
    code = _code_for(
        client,
        "maria",
        "maria-pass-2026",
        code_challenge=challenge,
        code_challenge_method="S256",
    )

    # when
    response = client.post(
        TOKEN_PATH,
        {
            "grant_type": "authorization_code",
            "client_id": "crewup-spa",
            "code": code,
            "redirect_uri": SPA_REDIRECT_URI,
            "code_verifier": verifier,
        },
    )

    # then
    assert response.status_code == 200
    body = response.json()
    access = verify(client, body["access_token"], audience="crewup-api")
    assert access["azp"] == "crewup-spa"
    assert access["preferred_username"] == "maria"
    assert "moderator" in access["realm_access"]["roles"]
    identity = verify(client, body["id_token"], audience="crewup-spa")
    assert identity["iss"] == ISSUER
    assert identity["sub"] == access["sub"]
    assert identity["nonce"] == "nonce-456"
    assert identity["azp"] == "crewup-spa"
    assert identity["typ"] == "ID"
    assert identity["preferred_username"] == "maria"
    assert identity["email"] == "maria@crewup.test"
    assert identity["realm_access"] == {"roles": ["moderator", "user"]}
    assert body["refresh_token"]


def test_authorization_response_names_the_issuer_and_returns_the_state(client, seeded):
    _, challenge = pkce_pair()
    client.login(username="alice", password="alice-pass-2026")

    params = _redirect_params(
        _authorize(client, code_challenge=challenge, code_challenge_method="S256")
    )

    assert params["state"] == "state-123"
    assert params["iss"] == ISSUER
    assert params["code"]


def test_a_wrong_code_verifier_is_refused(client, seeded):
    _, challenge = pkce_pair()
    other_verifier, _ = pkce_pair()
    code = _code_for(
        client, "alice", "alice-pass-2026", code_challenge=challenge, code_challenge_method="S256"
    )

    response = client.post(
        TOKEN_PATH,
        {
            "grant_type": "authorization_code",
            "client_id": "crewup-spa",
            "code": code,
            "redirect_uri": SPA_REDIRECT_URI,
            "code_verifier": other_verifier,
        },
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert not AccessToken.objects.exists()


@pytest.mark.parametrize(
    ("challenge_params", "error"),
    [
        pytest.param({}, "invalid_request", id="no_challenge_case"),
        pytest.param(
            {"code_challenge": "a" * 43, "code_challenge_method": "plain"},
            "invalid_request",
            id="plain_method_case",
        ),
    ],
)
def test_spa_without_s256_pkce_gets_no_code(client, seeded, challenge_params, error):
    client.login(username="alice", password="alice-pass-2026")

    params = _redirect_params(_authorize(client, **challenge_params))

    assert params["error"] == error
    assert "code" not in params


def test_an_unregistered_redirect_uri_is_not_followed(client, seeded):
    _, challenge = pkce_pair()
    client.login(username="alice", password="alice-pass-2026")

    response = _authorize(
        client,
        redirect_uri="https://evil.example/callback",
        code_challenge=challenge,
        code_challenge_method="S256",
    )

    assert response.status_code == 400
    assert "evil.example" not in response.headers.get("Location", "")


@pytest.mark.parametrize(
    ("credentials", "headers"),
    [
        pytest.param(
            {},
            {"Authorization": basic_auth("crewup-admin", "crewup-admin-dev-secret")},
            id="client_secret_basic_case",
        ),
        pytest.param(
            # what mozilla-django-oidc sends by default
            {"client_id": "crewup-admin", "client_secret": "crewup-admin-dev-secret"},
            {},
            id="client_secret_post_case",
        ),
    ],
)
def test_admin_client_signs_in_with_its_secret(client, seeded, credentials, headers):
    # given
    code = _code_for(
        client, "adam", "adam-pass-2026", client_id="crewup-admin", redirect_uri=ADMIN_REDIRECT_URI
    )

    # when
    response = client.post(
        TOKEN_PATH,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": ADMIN_REDIRECT_URI,
            **credentials,
        },
        headers=headers,
    )

    # then
    assert response.status_code == 200
    identity = verify(client, response.json()["id_token"], audience="crewup-admin")
    assert identity["realm_access"] == {"roles": ["admin", "moderator", "user"]}
    access = verify(client, response.json()["access_token"], audience="crewup-api")
    assert access["azp"] == "crewup-admin"


def test_admin_client_with_a_wrong_secret_gets_no_token(client, seeded):
    code = _code_for(
        client, "adam", "adam-pass-2026", client_id="crewup-admin", redirect_uri=ADMIN_REDIRECT_URI
    )

    response = client.post(
        TOKEN_PATH,
        {"grant_type": "authorization_code", "code": code, "redirect_uri": ADMIN_REDIRECT_URI},
        headers={"Authorization": basic_auth("crewup-admin", "not-the-secret")},
    )

    assert response.status_code == 401
    assert not AccessToken.objects.exists()


def test_end_session_signs_out_and_returns_to_the_app(client, seeded):
    # given
    verifier, challenge = pkce_pair()
    code = _code_for(
        client, "bob", "bob-pass-2026", code_challenge=challenge, code_challenge_method="S256"
    )
    tokens = client.post(
        TOKEN_PATH,
        {
            "grant_type": "authorization_code",
            "client_id": "crewup-spa",
            "code": code,
            "redirect_uri": SPA_REDIRECT_URI,
            "code_verifier": verifier,
        },
    ).json()

    # when
    response = client.get(
        f"{OIDC_PATH}/logout",
        {"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": "http://127.0.0.1:8080/"},
    )

    # then
    assert response.status_code == 302
    assert response.url == "http://127.0.0.1:8080/"
    assert "_auth_user_id" not in client.session


def test_end_session_does_not_return_to_an_unregistered_address(client, seeded):
    client.login(username="bob", password="bob-pass-2026")

    response = client.get(
        f"{OIDC_PATH}/logout",
        {"client_id": "crewup-spa", "post_logout_redirect_uri": "https://evil.example/"},
    )

    assert response.status_code == 400
    assert "evil.example" not in response.headers.get("Location", "")


def test_login_page_is_labelled_for_assistive_technology_and_password_managers(client, db):
    response = client.get(LOGIN_PATH)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_username">' in html
    assert '<label for="id_password">' in html
    assert 'autocomplete="username"' in html
    assert 'autocomplete="current-password"' in html
    assert '<html lang="en">' in html


def test_a_failed_sign_in_is_announced(client, seeded):
    response = client.post(LOGIN_PATH, {"username": "alice", "password": "nope"})

    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert "_auth_user_id" not in client.session
