"""Validation of Keycloak access tokens: RS256 only, `exp`, `iss` and audience required."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import jwt
from django.conf import settings

from shared.auth.jwks import get_jwks_cache

ROLE_USER = "user"
ROLE_MODERATOR = "moderator"
ROLE_ADMIN = "admin"
# Held only by the service accounts of CrewUp's own services (client-credentials tokens),
# never by a person: it opens the internal endpoints one service offers another.
ROLE_SERVICE = "service"


class InvalidToken(Exception):
    """The token is malformed, wrongly signed, expired or meant for someone else."""


@dataclass(frozen=True)
class TokenClaims:
    """What CrewUp reads from a validated access token."""

    subject: str
    username: str
    email: str
    given_name: str
    family_name: str
    roles: frozenset[str]
    expires_at: int
    raw: dict[str, Any]

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> TokenClaims:
        realm_access = payload.get("realm_access") or {}
        roles = realm_access.get("roles") if isinstance(realm_access, dict) else None
        return cls(
            subject=str(payload["sub"]),
            username=str(payload.get("preferred_username") or payload["sub"])[:255],
            email=str(payload.get("email") or "")[:254],
            given_name=str(payload.get("given_name") or "")[:150],
            family_name=str(payload.get("family_name") or "")[:150],
            roles=frozenset(str(role) for role in roles)
            if isinstance(roles, list)
            else frozenset(),
            expires_at=int(payload["exp"]),
            raw=payload,
        )


class VerifiedTokenCache:
    """Claims of tokens already verified, so a client's next request skips the RSA check.

    A client sends the same token on every request for its lifetime. An entry is the exact
    token string, kept until the token expires or `max_age_seconds` passes (whichever comes
    first, so a key removed from the JWKS stops being trusted soon); least recently used
    entries go first when full.
    """

    def __init__(self, *, max_entries: int = 10_000, max_age_seconds: float = 60.0) -> None:
        self.max_entries = max_entries
        self.max_age_seconds = max_age_seconds
        self._entries: OrderedDict[str, tuple[float, TokenClaims]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, token: str) -> TokenClaims | None:
        now = time.time()
        with self._lock:
            entry = self._entries.get(token)
            if entry is None:
                return None
            valid_until, claims = entry
            if now >= valid_until:
                del self._entries[token]
                return None
            self._entries.move_to_end(token)
            return claims

    def put(self, token: str, claims: TokenClaims) -> None:
        valid_until = min(float(claims.expires_at), time.time() + self.max_age_seconds)
        with self._lock:
            self._entries[token] = (valid_until, claims)
            self._entries.move_to_end(token)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


verified_tokens = VerifiedTokenCache()


def decode_access_token(token: str) -> TokenClaims:
    """Verify `token` against the issuer's keys and return its claims.

    A token verified in the last minute is answered from `verified_tokens` (expiry still holds).

    Raises:
        InvalidToken: anything short of a valid RS256 token from our issuer for our audience.
        JWKSUnavailable: the issuer's keys could not be fetched and none are cached.
    """
    claims = verified_tokens.get(token)
    if claims is None:
        claims = _verify(token)
        verified_tokens.put(token, claims)
    return claims


def _verify(token: str) -> TokenClaims:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise InvalidToken("malformed token") from error
    if header.get("alg") != "RS256":
        raise InvalidToken("only RS256 tokens are accepted")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise InvalidToken("token has no key id")
    key = get_jwks_cache().get_signing_key(kid)
    if key is None:
        raise InvalidToken("unknown signing key")
    try:
        payload = jwt.decode(
            token,
            key=key.key,
            algorithms=["RS256"],
            audience=settings.OIDC_AUDIENCE,
            issuer=settings.OIDC_ISSUER,
            leeway=settings.OIDC_LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
    except jwt.PyJWTError as error:
        raise InvalidToken(str(error)) from error
    return TokenClaims.from_payload(payload)
