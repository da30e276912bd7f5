"""What makes django-oauth-toolkit mint Keycloak-shaped tokens.

DOT issues opaque access tokens; CrewUp's services validate JWTs themselves, so the access
token is an RS256 JWT with the claims Keycloak puts in one, signed with the same key (and
`kid`) as the ID token and published in the JWKS. DOT still stores each token string, so
introspection, userinfo and revocation keep working.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from django.conf import settings
from jwcrypto import jwt
from oauth2_provider.models import Application
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.utils import jwk_from_pem
from oauthlib.common import Request

from identity.realm.selectors import service_account_get, user_profile_claims

CLIENT_CREDENTIALS = "client_credentials"

# Keycloak adds the built-in `account` client to the audience of every user's access token.
KEYCLOAK_ACCOUNT_AUDIENCE = "account"


def issuer() -> str:
    """Return the issuer: `iss` of every token and the base of every endpoint URL."""
    return oauth2_settings.OIDC_ISS_ENDPOINT.rstrip("/")


def endpoint_url(name: str) -> str:
    """Return the absolute URL of the OpenID Connect endpoint `name`, where Keycloak has it."""
    return f"{issuer()}/protocol/openid-connect/{name}"


def sign(claims: dict[str, Any]) -> str:
    """Return `claims` as a compact RS256 JWT signed with the realm key, its `kid` in the header."""
    key = jwk_from_pem(oauth2_settings.OIDC_RSA_PRIVATE_KEY)
    token = jwt.JWT(
        header={"alg": "RS256", "typ": "JWT", "kid": key.thumbprint()},
        claims=json.dumps(claims),
    )
    token.make_signed_token(key)
    return token.serialize()


def access_token_generator(request: Request, refresh_token: bool = False) -> str:
    """Mint the access token of a token request: a JWT shaped like Keycloak's.

    oauthlib calls this once the grant is validated, so the request carries the user, the
    client, the granted scopes and the lifetime. A client-credentials grant has no user: as
    in Keycloak, the token is the client's service-account user's (its id is `sub`, its roles
    are the token's), and carries the `client_id` claim.
    """
    now = int(time.time())
    user = request.user
    extra: dict[str, Any] = {}
    if request.grant_type == CLIENT_CREDENTIALS:
        user = service_account_get(client_id=request.client.client_id)
        extra["client_id"] = request.client.client_id
    claims = {
        "exp": now + int(request.expires_in),
        "iat": now,
        "jti": str(uuid.uuid4()),
        "iss": issuer(),
        "aud": [settings.IDENTITY_AUDIENCE, KEYCLOAK_ACCOUNT_AUDIENCE],
        "sub": str(user.pk),
        "typ": "Bearer",
        "azp": request.client.client_id,
        "scope": " ".join(request.scopes or ()),
        **user_profile_claims(user=user),
        **extra,
    }
    return sign(claims)


class KeycloakShapedValidator(OAuth2Validator):
    """DOT's validator, with Keycloak's claims and PKCE policy."""

    # Keycloak applies its `profile`, `email` and `roles` client scopes to every client by
    # default, so ID tokens and userinfo carry those claims whatever scopes were asked for.
    oidc_claim_scope = None

    def get_additional_claims(self, request: Request) -> dict[str, Any]:
        return user_profile_claims(user=request.user)

    def get_id_token_dictionary(self, token, token_handler, request):
        claims, expires_at = super().get_id_token_dictionary(token, token_handler, request)
        claims.update(typ="ID", azp=request.client.client_id)
        return claims, expires_at

    def is_pkce_required(self, client_id: str, request: Request) -> bool:
        # Public clients (the SPA) must use PKCE; a confidential client proves itself with its
        # secret. The client is loaded by the time oauthlib asks; unknown means required.
        client = request.client
        return client is None or client.client_type == Application.CLIENT_PUBLIC

    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs) -> bool:
        # Keycloak's "service accounts enabled": a client may use the client-credentials grant
        # only with a service-account user, whose identity and roles its tokens carry.
        if grant_type == CLIENT_CREDENTIALS and service_account_get(client_id=client_id) is None:
            return False
        return super().validate_grant_type(client_id, grant_type, client, request, *args, **kwargs)

    def validate_jwt_bearer_token(self, token, scopes, request) -> bool:
        # oauthlib sends every bearer token that looks like a JWT here, expecting an ID token;
        # ours are access tokens first.
        return self.validate_bearer_token(token, scopes, request) or super().validate_id_token(
            token, scopes, request
        )
