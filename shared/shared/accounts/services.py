"""Writes on accounts. Owned by the user service; every service provisions users through it."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

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


def _ban_event_update(
    *, user_id: UUID, occurred_at: datetime, event_id: UUID, **changes: Any
) -> bool:
    """Write `changes` unless a newer ban event is in force; return whether the row changed.

    One conditional UPDATE: atomic on its own, and under concurrent updates PostgreSQL
    re-checks the condition on the newest row version, so the later event always wins.
    """
    updated = (
        User.objects.filter(id=user_id)
        .filter(Q(ban_event_at__isnull=True) | Q(ban_event_at__lte=occurred_at))
        .update(**changes, ban_event_at=occurred_at, updated_at=timezone.now())
    )
    if not updated:
        if User.objects.filter(id=user_id).exists():
            logger.info(
                "ban event %s (%s) is older than the one in force; ignored",
                event_id,
                occurred_at.isoformat(),
            )
        else:
            logger.warning("ban event %s names an unknown user %s", event_id, user_id)
    return bool(updated)


# One statement each, so no transaction of their own: inside the consumer's transaction they
# commit with the event's processed record.
def user_ban_apply(
    *, user_id: UUID, until: datetime | None, occurred_at: datetime, event_id: UUID
) -> bool:
    """Mark the user banned until `until` (None: until lifted); return whether it changed the row.

    Idempotent, and safe when events arrive out of order: a ban that happened before the ban
    or unban now in force (`ban_event_at`) changes nothing. An unknown user changes nothing.

    Side effects: none beyond the row; every service's `NotBanned` reads it on the next request.
    """
    return _ban_event_update(
        user_id=user_id,
        occurred_at=occurred_at,
        event_id=event_id,
        is_banned=True,
        banned_until=until,
    )


def user_ban_lift(*, user_id: UUID, occurred_at: datetime, event_id: UUID) -> bool:
    """Lift the user's ban; return whether it changed the row.

    An unban lifts only if it is not older than the ban now in force (a ban issued after it,
    delivered before it, stays). Idempotent; an unknown user changes nothing.

    Side effects: none beyond the row.
    """
    return _ban_event_update(
        user_id=user_id,
        occurred_at=occurred_at,
        event_id=event_id,
        is_banned=False,
        banned_until=None,
    )
