"""Writes on accounts. Owned by the user service; every service provisions users through it.

Erasing an account touches every domain app and lives in `shared.privacy.erasure`; its last
step, anonymising the row, is `user_anonymise` here. The ban state is moderation's to write,
through `user_ban_state_write` here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import Any, cast
from uuid import UUID
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Field
from django.utils import timezone

from shared.accounts.errors import AccountErased, UserNotFound
from shared.accounts.models import INTEREST_MAX_LENGTH, INTERESTS_MAX_COUNT, ErasedSubject, User
from shared.accounts.user_cache import user_cache
from shared.auth.tokens import TokenClaims
from shared.metrics import USERS_REGISTERED

DELETED_USERNAME_PREFIX = "deleted-user-"

# The profile fields a user edits, by their API names (`display_name` is stored as an override
# of the name from Keycloak).
PROFILE_FIELDS = {
    "display_name": "display_name_override",
    "bio": "bio",
    "avatar_url": "avatar_url",
    "interests": "interests",
    "home_location": "home_location",
    "language": "language",
    "time_zone": "time_zone",
}


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


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

    The last step of erasing an account: `shared.privacy.erasure.user_account_delete` first
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
    """Change the user's own profile: display name, bio, avatar URL, interests, home location,
    and the language and time zone that what CrewUp writes to them (pushes, e-mails) is in.

    Text is trimmed; an empty display name goes back to the name from Keycloak. Interests are
    trimmed, blanks dropped and duplicates (ignoring case) kept once, in the order given.

    Raises:
        UserNotFound: no such user, or an erased account.
        ValidationError: an unknown field, a bio over 500 characters, an avatar URL that is
            not https, more than 20 interests or one over 40 characters, a home location off
            the globe, a language CrewUp does not speak, a time zone that is not an IANA name.
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
    if "time_zone" in values and values["time_zone"] not in _time_zones():
        raise ValidationError({"time_zone": ["Give an IANA time zone, such as Europe/Helsinki."]})
    location = values.get("home_location")
    if location is not None and not (-90 <= location.y <= 90 and -180 <= location.x <= 180):
        raise ValidationError({"home_location": ["Give a latitude and a longitude on Earth."]})
    changed: list[str] = []
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        field = cast("Field[Any, Any]", User._meta.get_field(PROFILE_FIELDS[name]))
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


@transaction.atomic
def user_ban_state_write(
    *, user_id: UUID, banned: bool, until: datetime | None, occurred_at: datetime
) -> User:
    """Write the user's ban state (`is_banned`, `banned_until`, `ban_event_at`); return the row.

    The one write of those columns. Only moderation calls it, in the transaction that writes
    the `Ban` row (`shared.moderation.services`), so the state is committed with the ban or
    lift it follows: the ban holds on the user's next request to any service at once, with no
    broker or worker running, and no consumer of the `user.banned`/`user.unbanned` events
    writes it again (a late or reordered event cannot bring a lifted ban back).

    The one ordering rule: the user row is locked (`SELECT ... FOR UPDATE`, held to the
    caller's commit) before the state is written, so the writes of one user apply one after
    the other, in the order their transactions take the lock; moderation reads the `Ban` rows
    under the same lock, so the state written is always the one they say. `ban_event_at` is
    the `occurred_at` of the write in force (the event's), never earlier than the one before:
    a write whose clock reads earlier (a `now` taken before waiting for the lock) keeps the
    newer time, and its state still applies, so no ban is lost to a clock.

    Raises:
        UserNotFound: no such user.
    Side effects: drops the user from every process's `user_cache` (`user_changed`, through
        the save), so the change holds from the next request.
    """
    user = User.objects.select_for_update().filter(id=user_id).first()
    if user is None:
        raise UserNotFound()
    user.is_banned = banned
    user.banned_until = until if banned else None
    if user.ban_event_at is None or user.ban_event_at < occurred_at:
        user.ban_event_at = occurred_at
    user.save(update_fields=["is_banned", "banned_until", "ban_event_at", "updated_at"])
    return user
