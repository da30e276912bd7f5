"""Writes on accounts. Owned by the user service; every service provisions users through it."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from shared.accounts.models import User
from shared.auth.tokens import TokenClaims
from shared.metrics import USERS_REGISTERED


def user_provision_from_claims(*, claims: TokenClaims) -> User:
    """Return the user behind a validated token, creating the row on first sight.

    This is CrewUp's "registration from Keycloak": the row is made from `sub`, `email`,
    `preferred_username`, `given_name`, `family_name` and the realm roles. Later tokens keep
    those fields in step when Keycloak's copy changed (the roles as a sorted snapshot, which
    moderation reads: a moderator may not ban an admin). Two first requests racing create one
    row.

    Side effects: increments `users_registered_total` when a row is created.
    """
    profile = {
        "username": claims.username,
        "email": claims.email,
        "first_name": claims.given_name,
        "last_name": claims.family_name,
        "realm_roles": sorted(claims.roles),
    }
    user = User.objects.filter(keycloak_id=claims.subject).first()
    if user is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(keycloak_id=claims.subject, **profile)
        except IntegrityError:
            user = User.objects.get(keycloak_id=claims.subject)
        else:
            USERS_REGISTERED.inc()
            return user
    changed = [field for field, value in profile.items() if getattr(user, field) != value]
    if changed:
        for field in changed:
            setattr(user, field, profile[field])
        user.save(update_fields=[*changed, "updated_at"])
    return user
