"""Signing moderators into the console (Django admin) with OpenID Connect.

mozilla-django-oidc runs the authorization code flow (with PKCE) against the identity
provider and verifies the ID token (RS256, the provider's JWKS, the nonce). This backend then
finds the account by the token's `sub`, the same `keycloak_id` the APIs use, so a moderator's
actions in the console and through the API are one person's; and it sets the console rights
from the realm roles, at every sign-in: `moderator` → staff in the "Moderators" group,
`admin` → superuser, anything else → refused. Nobody has a local password.

Used by the moderation service only (`AUTHENTICATION_BACKENDS`).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import SuspiciousOperation
from django.db.models import QuerySet
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from shared.accounts.errors import AccountErased
from shared.accounts.models import User
from shared.accounts.services import user_provision_from_claims
from shared.auth.tokens import TokenClaims
from shared.moderation.services import console_access_sync

logger = logging.getLogger(__name__)


class ModeratorConsoleBackend(OIDCAuthenticationBackend):  # type: ignore[misc]  # untyped
    """Authenticates console users by `sub`; their rights follow their realm roles."""

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        """Return the userinfo claims over the verified ID token's, for the same subject.

        The ID token carries what userinfo may leave out (`exp`, and `realm_access` when the
        provider's mapper does not add it to userinfo).

        Raises:
            SuspiciousOperation: userinfo is about another subject than the ID token.
        """
        userinfo = super().get_userinfo(access_token, id_token, payload)
        if str(userinfo.get("sub")) != str(payload.get("sub")):
            raise SuspiciousOperation("userinfo and ID token name different subjects")
        return {**payload, **userinfo}

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        """Any verified identity may be looked up; the roles decide in `_grant`."""
        return bool(claims.get("sub"))

    def filter_users_by_claims(self, claims: dict[str, Any]) -> QuerySet[User]:
        """Find the account by `sub` (never by e-mail, which a user may change or share)."""
        subject = claims.get("sub")
        if not subject:
            return User.objects.none()
        return User.objects.filter(keycloak_id=str(subject))

    def describe_user_by_claims(self, claims: dict[str, Any]) -> str:
        return f"sub {claims.get('sub')}"

    def create_user(self, claims: dict[str, Any]) -> User:
        """Provision the account as the APIs do, then grant the console rights of its roles."""
        return self._grant(claims)

    def update_user(self, user: User, claims: dict[str, Any]) -> User:
        """Bring the account and its console rights in step with this sign-in's claims."""
        return self._grant(claims)

    def get_user(self, user_id: Any) -> User | None:
        """The session's user, unless they lost console access since (banned, erased, demoted)."""
        user: User | None = super().get_user(user_id)
        if user is None or not (user.is_active and user.is_staff) or user.is_banned_at():
            return None
        return user

    def _grant(self, claims: dict[str, Any]) -> User:
        token_claims = TokenClaims.from_payload({"exp": 0, **claims})
        try:
            user = user_provision_from_claims(claims=token_claims)
        except AccountErased as error:
            logger.warning("console sign-in refused: account erased")
            raise SuspiciousOperation("an erased account cannot sign in to the console") from error
        user = console_access_sync(user_id=user.id, roles=token_claims.roles)
        if user.is_banned_at():
            logger.warning("console sign-in refused: banned", extra={"console_user": str(user.id)})
            raise SuspiciousOperation("a banned user cannot sign in to the console")
        if not user.is_staff:
            logger.warning("console sign-in refused: no role", extra={"console_user": str(user.id)})
            raise SuspiciousOperation("neither the moderator nor the admin role")
        return user
