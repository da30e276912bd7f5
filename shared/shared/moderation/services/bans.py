"""Bans and their end: by a moderator, or by CrewUp once a temporary ban's time is up.

`user_ban` writes the `Ban`, marks the user banned (`is_banned`, `banned_until`: every
service reads the same users table, so the ban holds on the user's next request anywhere),
writes the audit row and the `UserBanned` outbox row, all in one transaction: if any of them
fails, nothing happened. `user_unban`, `ban_lift` and `ban_expire_due` undo a ban the same
way with `UserUnbanned`. These are the only writers of the user's ban state, each through
`shared.accounts.services.user_ban_state_write` (its docstring has the ordering rule); the
events only tell the other services' runtimes (the group service closes sockets, the notifier
tells the person), which never write the ban state, so a late or reordered event changes
nothing. The relay that publishes the outbox and the consumers are the messaging layer's.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from shared.accounts.models import User
from shared.accounts.services import user_ban_state_write
from shared.auth.tokens import ROLE_ADMIN
from shared.chat.realtime import close_user_sockets
from shared.messaging.outbox import outbox_enqueue
from shared.messaging.schemas import UserBanned, UserUnbanned
from shared.metrics import BANS
from shared.moderation.errors import (
    BanAlreadyLifted,
    BanNotFound,
    CannotBanAdmin,
    CannotBanSelf,
    UserAlreadyBanned,
    UserNotBanned,
)
from shared.moderation.models import ActionCode, Ban, TargetType
from shared.moderation.services._common import (
    _audit,
    _check_future,
    _clean_reason,
    _lock_user,
    _valid_reason,
)

EXPIRED_LIFT_REASON = "The ban reached its end time."
EXPIRY_BATCH_SIZE = 100


@transaction.atomic
def user_ban(
    *,
    moderator_id: UUID,
    user_id: UUID,
    reason: str,
    until: datetime | None = None,
    now: datetime | None = None,
) -> Ban:
    """Ban a user now, until `until` (None: until lifted), and tell every service.

    A ban whose end time has passed but that `ban_expire_due` has not lifted yet is closed
    first (audited as expired); it does not stand in the way of a new ban.

    Raises:
        ValidationError: the reason is not 10-500 characters, or `until` is naive or not in
            the future.
        CannotBanSelf: the moderator named themselves.
        UserNotFound: no such user.
        CannotBanAdmin: the user held the `admin` role on their last token.
        UserAlreadyBanned: a ban of the user is in force.
    Side effects:
        writes the `UserBanned` outbox row (published by the relay after commit), the
        `user.banned` audit row; after commit, closes the user's chat sockets (channel
        layer) and increments `bans_total`.
    """
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    reason = _clean_reason(reason, "reason", errors)
    _check_future(until, "until", now, errors)
    if errors:
        raise ValidationError(errors)
    if moderator_id == user_id:
        raise CannotBanSelf()
    user = _lock_user(user_id)
    if ROLE_ADMIN in user.realm_roles:
        raise CannotBanAdmin()
    current = Ban.objects.select_for_update().filter(user=user, lifted_at__isnull=True).first()
    if current is not None:
        if current.is_in_force_at(now):
            raise UserAlreadyBanned()
        # Its end passed before the expiry task came by: close it, but publish no unban, since
        # the new ban follows at once (an unban racing it on the bus would be wrong).
        _close_ban(current, actor_id=None, reason=EXPIRED_LIFT_REASON, now=now)
        _audit(
            actor_id=None,
            action=ActionCode.USER_BAN_EXPIRED,
            target_type=TargetType.USER,
            target_id=user.id,
            reason=EXPIRED_LIFT_REASON,
            data={"ban_id": str(current.id)},
        )
    ban = Ban(user=user, reason=reason, starts_at=now, until=until, created_by_id=moderator_id)
    ban.full_clean(exclude=["user", "created_by"], validate_constraints=False)
    ban.save()
    user_ban_state_write(user_id=user.id, banned=True, until=until, occurred_at=now)
    _audit(
        actor_id=moderator_id,
        action=ActionCode.USER_BANNED,
        target_type=TargetType.USER,
        target_id=user.id,
        reason=reason,
        data={"ban_id": str(ban.id), "until": until.isoformat() if until else None},
    )
    outbox_enqueue(event=UserBanned(user_id=user.id, reason=reason, until=until, occurred_at=now))
    # Their open chat sockets close as soon as the ban commits, not only when the event has
    # crossed the relay, the broker and the group service's worker: with any of those down, an
    # open socket kept storing the banned user's messages. The event closes them again.
    transaction.on_commit(lambda: close_user_sockets(user.id))
    transaction.on_commit(BANS.inc)
    return ban


@transaction.atomic
def user_unban(
    *, moderator_id: UUID, user_id: UUID, reason: str, now: datetime | None = None
) -> Ban:
    """Lift the user's ban (the one not lifted yet) and tell every service.

    Raises:
        ValidationError: the reason is not 10-500 characters.
        UserNotFound: no such user.
        UserNotBanned: the user has no ban to lift.
    Side effects:
        writes the `UserUnbanned` outbox row and the `user.unbanned` audit row.
    """
    reason = _valid_reason(reason, "reason")
    user = _lock_user(user_id)
    ban = Ban.objects.select_for_update().filter(user=user, lifted_at__isnull=True).first()
    if ban is None:
        raise UserNotBanned()
    return _lift(
        ban,
        user=user,
        actor_id=moderator_id,
        reason=reason,
        action=ActionCode.USER_UNBANNED,
        now=now or timezone.now(),
    )


@transaction.atomic
def ban_lift(*, moderator_id: UUID, ban_id: UUID, reason: str, now: datetime | None = None) -> Ban:
    """Lift one ban by its id; the same as `user_unban` for the ban's user.

    Raises:
        ValidationError: the reason is not 10-500 characters.
        BanNotFound: no such ban.
        BanAlreadyLifted: the ban was lifted already (by a moderator, or as it ended).
    Side effects:
        writes the `UserUnbanned` outbox row and the `user.unbanned` audit row.
    """
    reason = _valid_reason(reason, "reason")
    user_id = Ban.objects.filter(id=ban_id).values_list("user_id", flat=True).first()
    if user_id is None:
        raise BanNotFound()
    user = _lock_user(user_id)
    ban = Ban.objects.select_for_update().get(id=ban_id)
    if ban.lifted_at is not None:
        raise BanAlreadyLifted()
    return _lift(
        ban,
        user=user,
        actor_id=moderator_id,
        reason=reason,
        action=ActionCode.USER_UNBANNED,
        now=now or timezone.now(),
    )


def ban_expire_due(*, now: datetime | None = None, batch_size: int = EXPIRY_BATCH_SIZE) -> int:
    """Lift every temporary ban whose end time has passed; return how many were lifted.

    Each ban is lifted in its own transaction, through the same path as a moderator's lift
    (audit row `user.ban_expired` with no actor, `UserUnbanned` outbox row), so one failure
    does not hold back the others. Safe to run concurrently: a ban lifted meanwhile is skipped.
    Meant for a periodic task.

    Side effects:
        writes one `UserUnbanned` outbox row and one audit row per ban lifted.
    """
    now = now or timezone.now()
    lifted = 0
    while True:
        due = list(
            Ban.objects.not_lifted()
            .filter(until__lte=now)
            .order_by("until", "id")
            .values_list("id", "user_id")[:batch_size]
        )
        for ban_id, user_id in due:
            lifted += _expire_one(ban_id=ban_id, user_id=user_id, now=now)
        if len(due) < batch_size:
            return lifted


def _expire_one(*, ban_id: UUID, user_id: UUID, now: datetime) -> int:
    with transaction.atomic():
        user = _lock_user(user_id)
        ban = (
            Ban.objects.select_for_update()
            .filter(id=ban_id, lifted_at__isnull=True, until__lte=now)
            .first()
        )
        if ban is None:
            return 0
        _lift(
            ban,
            user=user,
            actor_id=None,
            reason=EXPIRED_LIFT_REASON,
            action=ActionCode.USER_BAN_EXPIRED,
            now=now,
        )
    return 1


def _lift(
    ban: Ban, *, user: User, actor_id: UUID | None, reason: str, action: str, now: datetime
) -> Ban:
    _close_ban(ban, actor_id=actor_id, reason=reason, now=now)
    user_ban_state_write(user_id=user.id, banned=False, until=None, occurred_at=now)
    _audit(
        actor_id=actor_id,
        action=action,
        target_type=TargetType.USER,
        target_id=user.id,
        reason=reason,
        data={"ban_id": str(ban.id)},
    )
    outbox_enqueue(event=UserUnbanned(user_id=user.id, reason=reason, occurred_at=now))
    return ban


def _close_ban(ban: Ban, *, actor_id: UUID | None, reason: str, now: datetime) -> None:
    ban.lifted_at = now
    ban.lifted_by_id = actor_id
    ban.lift_reason = reason
    ban.save(update_fields=["lifted_at", "lifted_by", "lift_reason", "updated_at"])
