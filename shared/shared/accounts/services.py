"""Writes on accounts. Owned by the user service; every service provisions users through it."""

from __future__ import annotations

import logging
from datetime import datetime
from uuid import UUID

from django.db import IntegrityError, transaction

from shared.accounts.models import User
from shared.auth.tokens import TokenClaims
from shared.metrics import USERS_REGISTERED

logger = logging.getLogger(__name__)


def user_provision_from_claims(*, claims: TokenClaims) -> User:
    """Return the user behind a validated token, creating the row on first sight.

    This is CrewUp's "registration from Keycloak": the row is made from `sub`, `email`,
    `preferred_username`, `given_name` and `family_name`. Later tokens keep those fields in
    step when Keycloak's copy changed. Two first requests racing create one row.

    Side effects: increments `users_registered_total` when a row is created.
    """
    profile = {
        "username": claims.username,
        "email": claims.email,
        "first_name": claims.given_name,
        "last_name": claims.family_name,
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


def _user_for_ban_event(*, user_id: UUID, occurred_at: datetime, event_id: UUID) -> User | None:
    """Lock the user row; return None when it is missing or a newer ban event is in force."""
    user = User.objects.select_for_update().filter(id=user_id).first()
    if user is None:
        logger.warning("ban event %s names an unknown user %s", event_id, user_id)
        return None
    if user.ban_event_at is not None and occurred_at < user.ban_event_at:
        logger.info(
            "ban event %s (%s) is older than the one in force (%s); ignored",
            event_id,
            occurred_at.isoformat(),
            user.ban_event_at.isoformat(),
        )
        return None
    return user


@transaction.atomic
def user_ban_apply(
    *, user_id: UUID, until: datetime | None, occurred_at: datetime, event_id: UUID
) -> bool:
    """Mark the user banned until `until` (None: until lifted); return whether it changed the row.

    Idempotent, and safe when events arrive out of order: a ban that happened before the ban
    or unban now in force (`ban_event_at`) changes nothing. An unknown user changes nothing.

    Side effects: none beyond the row; every service's `NotBanned` reads it on the next request.
    """
    user = _user_for_ban_event(user_id=user_id, occurred_at=occurred_at, event_id=event_id)
    if user is None:
        return False
    user.is_banned = True
    user.banned_until = until
    user.ban_event_at = occurred_at
    user.save(update_fields=["is_banned", "banned_until", "ban_event_at", "updated_at"])
    return True


@transaction.atomic
def user_ban_lift(*, user_id: UUID, occurred_at: datetime, event_id: UUID) -> bool:
    """Lift the user's ban; return whether it changed the row.

    An unban lifts only if it is not older than the ban now in force (a ban issued after it,
    delivered before it, stays). Idempotent; an unknown user changes nothing.

    Side effects: none beyond the row.
    """
    user = _user_for_ban_event(user_id=user_id, occurred_at=occurred_at, event_id=event_id)
    if user is None:
        return False
    user.is_banned = False
    user.banned_until = None
    user.ban_event_at = occurred_at
    user.save(update_fields=["is_banned", "banned_until", "ban_event_at", "updated_at"])
    return True
