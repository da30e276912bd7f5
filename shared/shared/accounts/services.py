"""Writes on accounts. Owned by the user service; every service provisions users through it.

Erasing an account touches every domain app and lives in `shared.accounts.erasure`; its last
step, anonymising the row, is `user_anonymise` here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from shared.accounts.errors import AccountErased, UserNotFound
from shared.accounts.models import INTEREST_MAX_LENGTH, INTERESTS_MAX_COUNT, ErasedSubject, User
from shared.accounts.user_cache import user_cache, user_changed
from shared.auth.tokens import TokenClaims
from shared.metrics import USERS_REGISTERED

logger = logging.getLogger(__name__)

DELETED_USERNAME_PREFIX = "deleted-user-"

# The profile fields a user edits, by their API names (`display_name` is stored as an override
# of the name from Keycloak).
PROFILE_FIELDS = {
    "display_name": "display_name_override",
    "bio": "bio",
    "avatar_url": "avatar_url",
    "interests": "interests",
    "home_location": "home_location",
}


def user_provision_from_claims(*, claims: TokenClaims) -> User:
    """Return the user behind a validated token, creating the row on first sight.

    This is CrewUp's "registration from Keycloak": the row is made from `sub`, `email`,
    `preferred_username`, `given_name`, `family_name` and the realm roles. Later tokens keep
    those fields in step when Keycloak's copy changed (the roles as a sorted snapshot, which
    moderation reads: a moderator may not ban an admin). Two first requests racing create one
    row. The row comes from `user_cache` when this process read it lately and nothing has
    changed it since (see there).

    An erased subject stays erased: its row was anonymised and its `sub` recorded in
    `ErasedSubject`, so a token of it, however valid, finds no row and makes none. That check
    costs a query only where a row is missing (a first sign-in, or an erased subject).

    Raises:
        AccountErased: the token's subject erased their account.
    Side effects: increments `users_registered_total` when a row is created.
    """
    profile = {
        "username": claims.username,
        "email": claims.email,
        "first_name": claims.given_name,
        "last_name": claims.family_name,
        "realm_roles": sorted(claims.roles),
    }
    user = user_cache.get(claims.subject)
    if user is None:
        generation = user_cache.generation
        # `get`, not `first()`: on a unique key an ORDER BY only costs.
        try:
            user = User.objects.get(keycloak_id=claims.subject)
        except User.DoesNotExist:
            user = None
        else:
            user_cache.put(claims.subject, user, generation=generation)
    if user is not None and user.deleted_at is not None:
        raise AccountErased()
    if user is None:
        digest = ErasedSubject.digest_of(claims.subject)
        if ErasedSubject.objects.filter(subject_digest=digest).exists():
            raise AccountErased()
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


@transaction.atomic
def user_anonymise(*, user_id: UUID, now: datetime | None = None) -> User:
    """Clear every personal field of the user's row, and refuse its subject's tokens for good.

    The last step of erasing an account: `shared.accounts.erasure.user_account_delete` first
    undoes what the user took part in, then calls this. The row stays (others' data points
    to it): username `deleted-user-<8 hex>`, e-mail, names, profile and roles cleared,
    inactive, `deleted_at` set, and `keycloak_id` replaced, while the subject's digest goes
    to `ErasedSubject`, so no token of it signs in or makes a new account again.

    Raises:
        UserNotFound: no such user, or an account already erased.
    Side effects: every process drops the user from its user cache (the row changed).
    """
    now = now or timezone.now()
    user = User.objects.select_for_update().filter(id=user_id, deleted_at__isnull=True).first()
    if user is None:
        raise UserNotFound()
    ErasedSubject.objects.update_or_create(
        subject_digest=ErasedSubject.digest_of(user.keycloak_id), defaults={"erased_at": now}
    )
    user.username = f"{DELETED_USERNAME_PREFIX}{user.id.hex[:8]}"
    user.keycloak_id = f"deleted:{user.id}"
    user.email = ""
    user.first_name = ""
    user.last_name = ""
    user.display_name_override = ""
    user.bio = ""
    user.avatar_url = ""
    user.interests = []
    user.home_location = None
    user.realm_roles = []
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.last_login = None
    user.last_seen_at = None
    user.deleted_at = now
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    return user


@transaction.atomic
def user_profile_update(*, user_id: UUID, data: Mapping[str, Any]) -> User:
    """Change the user's own profile: display name, bio, avatar URL, interests, home location.

    Text is trimmed; an empty display name goes back to the name from Keycloak. Interests are
    trimmed, blanks dropped and duplicates (ignoring case) kept once, in the order given.

    Raises:
        UserNotFound: no such user, or an erased account.
        ValidationError: an unknown field, a bio over 500 characters, an avatar URL that is
            not https, more than 20 interests or one over 40 characters, a home location off
            the globe.
    """
    unknown = sorted(set(data) - set(PROFILE_FIELDS))
    if unknown:
        raise ValidationError({name: ["This field cannot be changed."] for name in unknown})
    user = User.objects.select_for_update().filter(id=user_id, deleted_at__isnull=True).first()
    if user is None:
        raise UserNotFound()
    values = dict(data)
    for name in ("display_name", "bio", "avatar_url"):
        if name in values:
            values[name] = (values[name] or "").strip()
    if "interests" in values:
        values["interests"] = _clean_interests(values["interests"])
    location = values.get("home_location")
    if location is not None and not (-90 <= location.y <= 90 and -180 <= location.x <= 180):
        raise ValidationError({"home_location": ["Give a latitude and a longitude on Earth."]})
    changed: list[str] = []
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        field = User._meta.get_field(PROFILE_FIELDS[name])
        if getattr(user, field.name) == value:
            continue
        try:
            setattr(user, field.name, field.clean(value, user))
        except ValidationError as error:
            errors[name] = error.messages
        changed.append(field.name)
    if errors:
        raise ValidationError(errors)
    if changed:
        user.save(update_fields=[*changed, "updated_at"])
    return user


def _clean_interests(interests: Any) -> list[str]:
    if not isinstance(interests, list | tuple) or not all(isinstance(i, str) for i in interests):
        raise ValidationError({"interests": ["Give a list of short texts."]})
    kept: list[str] = []
    seen: set[str] = set()
    for interest in interests:
        interest = " ".join(interest.split())
        if interest and interest.casefold() not in seen:
            seen.add(interest.casefold())
            kept.append(interest)
    errors = []
    if len(kept) > INTERESTS_MAX_COUNT:
        errors.append(f"Give at most {INTERESTS_MAX_COUNT} interests.")
    if any(len(interest) > INTEREST_MAX_LENGTH for interest in kept):
        errors.append(f"Each interest has at most {INTEREST_MAX_LENGTH} characters.")
    if errors:
        raise ValidationError({"interests": errors})
    return kept


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
    if updated:
        user_changed(user_id)
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
