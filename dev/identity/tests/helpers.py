"""Helpers of the identity provider's suite: OIDC requests and token checks."""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any

import jwt
from django.test import Client

REALM_PATH = "/realms/crewup"
OIDC_PATH = f"{REALM_PATH}/protocol/openid-connect"
TOKEN_PATH = f"{OIDC_PATH}/token"
AUTH_PATH = f"{OIDC_PATH}/auth"
CERTS_PATH = f"{OIDC_PATH}/certs"
USERINFO_PATH = f"{OIDC_PATH}/userinfo"
SPA_REDIRECT_URI = "http://127.0.0.1:8080/auth/callback"
ADMIN_REDIRECT_URI = "http://127.0.0.1:8005/admin/oidc/callback/"
ISSUER = "http://127.0.0.1:8090/realms/crewup"


def password_grant(
    client: Client, username: str, password: str, *, scope: str = "openid profile email"
):
    return client.post(
        TOKEN_PATH,
        {
            "grant_type": "password",
            "client_id": "crewup-cli",
            "username": username,
            "password": password,
            "scope": scope,
        },
    )


def signing_keys(client: Client) -> dict[str, jwt.PyJWK]:
    """The provider's published keys by `kid`, as a resource server reads them."""
    key_set = jwt.PyJWKSet.from_dict(client.get(CERTS_PATH).json())
    return {key.key_id: key for key in key_set.keys}


def verify(client: Client, token: str, *, audience: str) -> dict[str, Any]:
    """Verify `token` against the provider's JWKS as our services do, and return its claims."""
    key = signing_keys(client)[jwt.get_unverified_header(token)["kid"]]
    return jwt.decode(
        token,
        key=key.key,
        algorithms=["RS256"],
        audience=audience,
        issuer=ISSUER,
        options={"require": ["exp", "iat", "iss", "aud", "sub"]},
    )


def pkce_pair() -> tuple[str, str]:
    """A fresh PKCE code verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def basic_auth(username: str, password: str) -> str:
    """An HTTP Basic `Authorization` header value, as confidential clients send it."""
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
