"""DRF authentication with Keycloak bearer tokens."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from shared.accounts.errors import AccountErased
from shared.accounts.models import User
from shared.accounts.services import user_provision_from_claims
from shared.auth.jwks import JWKSUnavailable
from shared.auth.tokens import InvalidToken, TokenClaims, decode_access_token
from shared.core.logging import current_user_id


class IdentityProviderUnavailable(exceptions.APIException):
    status_code = 503
    default_code = "identity_provider_unavailable"
    default_detail = "The identity provider cannot be reached; try again shortly."


def authenticate_bearer(token: str) -> tuple[User, TokenClaims]:
    """Validate a raw access token and return its user (provisioned on first sight) and claims.

    Shared by the REST authentication and the WebSocket middleware.

    Raises:
        InvalidToken, JWKSUnavailable.
        AccountErased: the token's subject erased their account (the token may still be valid).
    """
    claims = decode_access_token(token)
    user = user_provision_from_claims(claims=claims)
    user.roles = claims.roles  # type: ignore[attr-defined]
    current_user_id.set(str(user.id))
    return user, claims


class OIDCJWTAuthentication(BaseAuthentication):
    """`Authorization: Bearer <access token>`; no header means anonymous, a bad token means 401.

    A valid token of an erased account is refused with 401 `account_erased`.
    """

    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[User, TokenClaims] | None:
        parts = get_authorization_header(request).split()
        if not parts:
            return None
        if parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "Malformed Authorization header.", code="invalid_token"
            )
        try:
            return authenticate_bearer(parts[1].decode("ascii"))
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed(
                "Malformed token.", code="invalid_token"
            ) from error
        except InvalidToken as error:
            raise exceptions.AuthenticationFailed(
                f"Invalid token: {error}", code="invalid_token"
            ) from error
        except AccountErased as error:
            raise exceptions.AuthenticationFailed(error.message, code=error.code) from error
        except JWKSUnavailable as error:
            raise IdentityProviderUnavailable() from error

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="crewup"'


class OIDCJWTAuthenticationExtension(OpenApiAuthenticationExtension):
    """Describes the bearer scheme in the OpenAPI schema."""

    target_class = OIDCJWTAuthentication
    name = "keycloakBearer"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
