"""Keycloak tokens on WebSockets.

A browser cannot set an Authorization header on a WebSocket, and a token in the query string
lands in access logs. So the client offers the token as a subprotocol, `bearer.<jwt>`, beside
the application protocol (`crewup.chat.v1`); the server answers with the application protocol
only, never echoing the token. A client may instead send `{"type": "auth", "token": ...}` as
its first message; the consumer handles that case and token refreshes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.contrib.auth.models import AnonymousUser

from shared.accounts.errors import AccountErased
from shared.api.errors import DatabaseUnavailable
from shared.api.exception_handler import DATABASE_UNAVAILABLE_ERRORS
from shared.auth.drf import authenticate_bearer
from shared.auth.jwks import JWKSUnavailable
from shared.auth.tokens import InvalidToken, TokenClaims

if TYPE_CHECKING:
    from asgiref.typing import ASGIReceiveCallable, ASGISendCallable
    from channels.consumer import _ChannelScope

BEARER_SUBPROTOCOL_PREFIX = "bearer."
# The error `authenticate_token` answers when PostgreSQL is unreachable (the token may be fine).
DATABASE_UNAVAILABLE = DatabaseUnavailable.code


def token_from_subprotocols(scope: Any) -> str | None:
    protocol: str
    for protocol in scope.get("subprotocols") or ():
        if protocol.startswith(BEARER_SUBPROTOCOL_PREFIX):
            return protocol[len(BEARER_SUBPROTOCOL_PREFIX) :]
    return None


async def authenticate_token(token: str) -> tuple[Any, TokenClaims | None, str | None]:
    """Return (user, claims, error code) for a raw token; the user is anonymous on error."""
    try:
        user, claims = await database_sync_to_async(authenticate_bearer)(token)
    except InvalidToken:
        return AnonymousUser(), None, "invalid_token"
    except AccountErased as error:
        return AnonymousUser(), None, error.code
    except JWKSUnavailable:
        return AnonymousUser(), None, "identity_provider_unavailable"
    except DATABASE_UNAVAILABLE_ERRORS:  # the server's trouble, not the token's
        return AnonymousUser(), None, DATABASE_UNAVAILABLE
    return user, claims, None


class JWTAuthMiddleware(BaseMiddleware):
    """Set `scope["user"]`, `scope["token_claims"]` and `scope["auth_error"]` from the subprotocol token."""

    async def __call__(
        self, scope: _ChannelScope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> Any:
        # A copy with the keys this adds (Channels' scope types do not know them).
        authenticated: dict[str, Any] = dict(scope)
        authenticated["user"], authenticated["token_claims"], authenticated["auth_error"] = (
            AnonymousUser(),
            None,
            None,
        )
        token = token_from_subprotocols(scope)
        if token:
            (
                authenticated["user"],
                authenticated["token_claims"],
                authenticated["auth_error"],
            ) = await authenticate_token(token)
        return await super().__call__(cast(Any, authenticated), receive, send)
