"""Writes of moderation: bans and their end, reports and their handling, content takedowns.

Every function here is a moderator action (or CrewUp acting by itself, for an expiring ban)
and writes one `ModerationAction` audit row in the transaction of the change. The API and the
Django admin console call these same functions, so both paths leave the same trace.

Bans: `user_ban` writes the `Ban`, marks the user banned (`is_banned`, `banned_until`: every
service reads the same users table, so the ban holds on the user's next request anywhere),
writes the audit row and the `UserBanned` outbox row, all in one transaction: if any of them
fails, nothing happened. `user_unban`, `ban_lift` and `ban_expire_due` undo a ban the same
way with `UserUnbanned`. These are the only writers of the user's ban state, each through
`shared.accounts.services.user_ban_state_write` (its docstring has the ordering rule); the
events only tell the other services' runtimes (the group service closes sockets, the notifier
tells the person), which never write the ban state, so a late or reordered event changes
nothing. The relay that publishes the outbox and the consumers are the messaging layer's.

Locking: a ban write locks the user row first, then the user's ban rows, so concurrent bans,
lifts and expiries of one user are served one after the other. A report write locks the
report row first; resolving it may then lock the content or the author (never the reverse).

The interfaces authorize (moderator or admin role, or the admin console's permissions); these
functions check the rules that hold whoever calls: no banning oneself or an admin, reasons of
10-500 characters, an end time in the future.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from django.contrib.auth.models import Group as PermissionGroup
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from shared.accounts.errors import UserNotFound
from shared.accounts.models import User
from shared.accounts.services import user_ban_state_write
from shared.auth.tokens import ROLE_ADMIN, ROLE_MODERATOR
from shared.chat.errors import MessageDeleted, MessageNotFound
from shared.chat.realtime import close_user_sockets
from shared.chat.selectors import chat_can_read, message_get
from shared.chat.services import message_delete
from shared.events.errors import EventAlreadyRemoved
from shared.events.selectors import event_get
from shared.events.services import event_remove
from shared.groups.errors import GroupAlreadyRemoved
from shared.groups.models import MemberRole, Membership
from shared.groups.selectors import group_get
from shared.groups.services import group_remove
from shared.messaging.outbox import outbox_enqueue
from shared.messaging.schemas import UserBanned, UserUnbanned
from shared.metrics import BANS
from shared.moderation.errors import (
    BanAlreadyLifted,
    BanNotFound,
    CannotBanAdmin,
    CannotBanSelf,
    CannotReportSelf,
    ContentAlreadyRemoved,
    ReportClosed,
    ReportNotFound,
    ReportTakenByOther,
    UserAlreadyBanned,
    UserNotBanned,
)
from shared.moderation.models import (
    MODERATOR_REASON_MAX_LENGTH,
    MODERATOR_REASON_MIN_LENGTH,
    OPEN_REPORT_STATUSES,
    REPORT_REASON_MAX_LENGTH,
    ActionCode,
    Ban,
    ModerationAction,
    RemovableTargetType,
    Report,
    ReportResolution,
    ReportStatus,
    ReportTargetType,
    TargetType,
)

logger = logging.getLogger(__name__)

EXPIRED_LIFT_REASON = "The ban reached its end time."
EXPIRY_BATCH_SIZE = 100
# The Django group that carries the moderator role's rights in the admin console.
MODERATORS_GROUP = "Moderators"
# Moderators see every domain app in the console; they change things only through actions.
CONSOLE_APPS = ("accounts", "events", "groups", "chat", "moderation")
CONSOLE_ACTION_PERMISSIONS = ("ban_user", "handle_report", "remove_content")

_REMOVED_ACTION = {
    RemovableTargetType.EVENT: ActionCode.EVENT_REMOVED,
    RemovableTargetType.CREW: ActionCode.CREW_REMOVED,
    RemovableTargetType.MESSAGE: ActionCode.MESSAGE_REMOVED,
}


# --- bans ---


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


def _lock_user(user_id: UUID) -> User:
    user = User.objects.select_for_update().filter(id=user_id).first()
    if user is None:
        raise UserNotFound()
    return user


# --- content ---


@transaction.atomic
def content_remove(
    *,
    moderator_id: UUID,
    target_type: str,
    target_id: UUID,
    reason: str,
    now: datetime | None = None,
) -> ModerationAction:
    """Take an event, a crew or a message down (soft) and return the audit row that says so.

    The owner of an event or a crew still sees it, with the reason; others get 404. A message
    becomes a tombstone in its chat (deleted by a moderator, its place in the sequence kept).

    Raises:
        ValidationError: an unknown `target_type`, or a reason that is not 10-500 characters.
        EventNotFound, GroupNotFound, MessageNotFound: no such content.
        ContentAlreadyRemoved: it was removed (or deleted) already.
    Side effects:
        writes the `<type>.removed` audit row; a removed message is broadcast to its crew's
        live sockets after commit (as any deletion is).
    """
    if target_type not in RemovableTargetType.values:
        raise ValidationError(
            {"target_type": [f"Choose one of {', '.join(RemovableTargetType.values)}."]}
        )
    reason = _valid_reason(reason, "reason")
    removed = _remove(
        moderator_id=moderator_id,
        target_type=RemovableTargetType(target_type),
        target_id=target_id,
        reason=reason,
        now=now or timezone.now(),
    )
    if removed is None:
        raise ContentAlreadyRemoved()
    return removed


def _remove(
    *,
    moderator_id: UUID,
    target_type: RemovableTargetType,
    target_id: UUID,
    reason: str,
    now: datetime,
) -> ModerationAction | None:
    """Remove the content and audit it; None when it was already removed."""
    data: dict[str, Any]
    try:
        if target_type == RemovableTargetType.EVENT:
            event = event_remove(event_id=target_id, reason=reason, now=now)
            data = {"title": event.title, "owner_id": str(event.organizer_id)}
        elif target_type == RemovableTargetType.CREW:
            group = group_remove(
                group_id=target_id, reason=reason, removed_by=moderator_id, now=now
            )
            data = {"name": group.name, "event_id": str(group.event_id)}
        else:
            message = message_get(message_id=target_id)
            if message is None:
                raise MessageNotFound()
            message_delete(
                group_id=message.group_id,
                message_id=message.id,
                actor_id=moderator_id,
                actor_is_moderator=True,
            )
            data = {
                "group_id": str(message.group_id),
                "sequence": message.sequence,
                "owner_id": str(message.sender_id) if message.sender_id else None,
            }
    except (EventAlreadyRemoved, GroupAlreadyRemoved, MessageDeleted):
        return None
    return _audit(
        actor_id=moderator_id,
        action=_REMOVED_ACTION[target_type],
        target_type=TargetType(target_type.value),
        target_id=target_id,
        reason=reason,
        data=data,
    )


# --- reports ---


@transaction.atomic
def report_create(
    *, reporter_id: UUID, target_type: str, target_id: UUID, reason: str
) -> tuple[Report, bool]:
    """Report an event, a crew, a message or a user; return the report and whether it is new.

    The reporter must be able to see what they report (a private event they are not part of,
    a message of a crew they are not in, are "not found"). Reporting the same thing again
    while their first report is still open returns that report.

    Raises:
        ValidationError: an unknown `target_type`, or an empty or too long reason.
        EventNotFound, GroupNotFound, MessageNotFound, UserNotFound: nothing the reporter may
            see has this id.
        CannotReportSelf: a user reported themselves.
    """
    if target_type not in ReportTargetType.values:
        raise ValidationError(
            {"target_type": [f"Choose one of {', '.join(ReportTargetType.values)}."]}
        )
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["Say what is wrong."]})
    if len(reason) > REPORT_REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": [
                    f"Ensure this field has no more than {REPORT_REASON_MAX_LENGTH} characters."
                ]
            }
        )
    author_id = _report_target_author(
        reporter_id=reporter_id, target_type=ReportTargetType(target_type), target_id=target_id
    )
    # Serialise one reporter's reports, so a double click makes one report.
    _lock_user(reporter_id)
    existing = Report.objects.filter(
        reporter_id=reporter_id,
        target_type=target_type,
        target_id=target_id,
        status__in=OPEN_REPORT_STATUSES,
    ).first()
    if existing is not None:
        return existing, False
    report = Report(
        reporter_id=reporter_id,
        target_type=target_type,
        target_id=target_id,
        target_author_id=author_id,
        reason=reason,
    )
    report.full_clean(exclude=["reporter", "target_author"], validate_constraints=False)
    report.save()
    return report, True


def _report_target_author(
    *, reporter_id: UUID, target_type: ReportTargetType, target_id: UUID
) -> UUID | None:
    """Check the reporter may see the target and return whose it is."""
    if target_type == ReportTargetType.EVENT:
        return event_get(event_id=target_id, viewer_id=reporter_id).organizer_id
    if target_type == ReportTargetType.CREW:
        group = group_get(group_id=target_id, viewer_id=reporter_id)
        owner = (
            Membership.objects.filter(group=group, role=MemberRole.OWNER)
            .values_list("user_id", flat=True)
            .first()
        )
        return owner or group.created_by_id
    if target_type == ReportTargetType.MESSAGE:
        message = message_get(message_id=target_id)
        if message is None or not chat_can_read(group_id=message.group_id, user_id=reporter_id):
            raise MessageNotFound()
        return message.sender_id
    if target_id == reporter_id:
        raise CannotReportSelf()
    if not User.objects.filter(id=target_id, deleted_at__isnull=True).exists():
        raise UserNotFound()
    return target_id


@transaction.atomic
def report_take(*, report_id: UUID, moderator_id: UUID, now: datetime | None = None) -> Report:
    """Take an open report into review: it is assigned to the moderator. Taking it again is a no-op.

    Raises:
        ReportNotFound: no such report.
        ReportClosed: it was resolved or dismissed.
        ReportTakenByOther: another moderator is reviewing it.
    Side effects:
        writes the `report.taken` audit row.
    """
    report = _lock_report(report_id)
    if report.is_closed:
        raise ReportClosed()
    if report.status == ReportStatus.IN_REVIEW:
        if report.assigned_to_id == moderator_id:
            return report
        raise ReportTakenByOther()
    report.status = ReportStatus.IN_REVIEW
    report.assigned_to_id = moderator_id
    report.save(update_fields=["status", "assigned_to", "updated_at"])
    _audit(
        actor_id=moderator_id,
        action=ActionCode.REPORT_TAKEN,
        target_type=TargetType.REPORT,
        target_id=report.id,
        data=_report_data(report),
    )
    return report


@transaction.atomic
def report_resolve(
    *,
    report_id: UUID,
    moderator_id: UUID,
    action: str,
    note: str,
    ban_until: datetime | None = None,
    now: datetime | None = None,
) -> Report:
    """Close a report: dismiss it, remove the reported content, or ban its author.

    Any moderator may resolve an open report or one in review (a team shares the queue). The
    note is the reason given to the takedown or the ban (10-500 characters). Content already
    removed, or an author already banned, does not stop the report from being resolved; the
    audit row says so.

    Raises:
        ValidationError: an unknown action, a note that is not 10-500 characters, a
            `ban_until` without `ban_author` or not in the future, `remove_content` on a
            reported user, or `ban_author` where nobody wrote the content.
        ReportNotFound: no such report.
        ReportClosed: it was resolved or dismissed already.
        CannotBanSelf, CannotBanAdmin, UserNotFound: from `user_ban`.
        EventNotFound, GroupNotFound, MessageNotFound: the content no longer exists.
    Side effects:
        writes the `report.resolved` or `report.dismissed` audit row, plus those of the
        takedown or the ban (and its `UserBanned` outbox row).
    """
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if action not in ReportResolution.values:
        errors["action"] = [f"Choose one of {', '.join(ReportResolution.values)}."]
    note = _clean_reason(note, "note", errors)
    if ban_until is not None and action != ReportResolution.BAN_AUTHOR:
        errors["ban_until"] = ["Only a ban has an end time."]
    _check_future(ban_until, "ban_until", now, errors)
    if errors:
        raise ValidationError(errors)
    report = _lock_report(report_id)
    if report.is_closed:
        raise ReportClosed()
    outcome: dict[str, Any] = {}
    if action == ReportResolution.REMOVE_CONTENT:
        if report.target_type == ReportTargetType.USER:
            raise ValidationError(
                {"action": ["A user is not content to remove; ban them instead."]}
            )
        removed = _remove(
            moderator_id=moderator_id,
            target_type=RemovableTargetType(report.target_type),
            target_id=report.target_id,
            reason=note,
            now=now,
        )
        outcome["already_removed"] = removed is None
    elif action == ReportResolution.BAN_AUTHOR:
        if report.target_author_id is None:
            raise ValidationError(
                {"action": ["Nobody wrote this content; there is no one to ban."]}
            )
        in_force = Ban.objects.in_force_at(now).filter(user_id=report.target_author_id).first()
        if in_force is None:
            in_force = user_ban(
                moderator_id=moderator_id,
                user_id=report.target_author_id,
                reason=note,
                until=ban_until,
                now=now,
            )
            outcome["already_banned"] = False
        else:
            outcome["already_banned"] = True
        outcome["ban_id"] = str(in_force.id)
    report.status = (
        ReportStatus.DISMISSED if action == ReportResolution.DISMISS else ReportStatus.RESOLVED
    )
    report.resolution = action
    report.resolution_note = note
    report.resolved_at = now
    report.resolved_by_id = moderator_id
    report.assigned_to_id = report.assigned_to_id or moderator_id
    report.save(
        update_fields=[
            "status",
            "resolution",
            "resolution_note",
            "resolved_at",
            "resolved_by",
            "assigned_to",
            "updated_at",
        ]
    )
    _audit(
        actor_id=moderator_id,
        action=(
            ActionCode.REPORT_DISMISSED
            if action == ReportResolution.DISMISS
            else ActionCode.REPORT_RESOLVED
        ),
        target_type=TargetType.REPORT,
        target_id=report.id,
        reason=note,
        data={**_report_data(report), "resolution": action, **outcome},
    )
    return report


def _lock_report(report_id: UUID) -> Report:
    report = Report.objects.select_for_update().filter(id=report_id).first()
    if report is None:
        raise ReportNotFound()
    return report


def _report_data(report: Report) -> dict[str, Any]:
    return {"target_type": report.target_type, "target_id": str(report.target_id)}


# --- the admin console's rights ---


@transaction.atomic
def console_access_sync(*, user_id: UUID, roles: Iterable[str]) -> User:
    """Give the user the console rights of their realm roles, as of their latest sign-in.

    `admin` → superuser and staff; `moderator` → staff, in the "Moderators" group (view every
    domain app, ban and unban, handle reports, remove content); any other → no console
    access. Called at each admin sign-in, so a role taken away in the identity provider is
    taken away here at the next one. Also refreshes the `realm_roles` snapshot.

    Raises:
        UserNotFound: no such user.
    """
    roles = frozenset(roles)
    user = _lock_user(user_id)
    is_admin = ROLE_ADMIN in roles
    is_moderator = is_admin or ROLE_MODERATOR in roles
    changes = {
        "is_staff": is_moderator,
        "is_superuser": is_admin,
        "realm_roles": sorted(roles),
    }
    changed = [name for name, value in changes.items() if getattr(user, name) != value]
    for name in changed:
        setattr(user, name, changes[name])
    if changed:
        user.save(update_fields=[*changed, "updated_at"])
    group = moderators_group_ensure()
    if is_moderator and not is_admin:
        user.groups.add(group)
    else:
        user.groups.remove(group)
    return user


def moderators_group_ensure() -> PermissionGroup:
    """Return the "Moderators" permission group, creating it and keeping its rights in step.

    Its rights: view every model of the domain apps, and the moderation actions.
    """
    group, _ = PermissionGroup.objects.get_or_create(name=MODERATORS_GROUP)
    wanted = Permission.objects.filter(
        content_type__app_label__in=CONSOLE_APPS, codename__startswith="view_"
    ) | Permission.objects.filter(
        content_type__app_label="moderation", codename__in=CONSOLE_ACTION_PERMISSIONS
    )
    group.permissions.set(wanted)
    return group


# --- helpers ---


def _audit(
    *,
    actor_id: UUID | None,
    action: str,
    target_type: str,
    target_id: UUID,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> ModerationAction:
    entry = ModerationAction.objects.create(
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        reason=reason,
        data=data or {},
    )
    logger.info(
        "moderation action",
        extra={
            "action": action,
            "actor_id": str(actor_id) if actor_id else None,
            "target": f"{target_type}:{target_id}",
        },
    )
    return entry


def _clean_reason(value: str, field: str, errors: dict[str, list[str]]) -> str:
    value = (value or "").strip()
    if not MODERATOR_REASON_MIN_LENGTH <= len(value) <= MODERATOR_REASON_MAX_LENGTH:
        errors[field] = [
            f"Give a reason of {MODERATOR_REASON_MIN_LENGTH} to {MODERATOR_REASON_MAX_LENGTH} "
            f"characters ({len(value)} given)."
        ]
    return value


def _valid_reason(value: str, field: str) -> str:
    errors: dict[str, list[str]] = {}
    value = _clean_reason(value, field, errors)
    if errors:
        raise ValidationError(errors)
    return value


def _check_future(
    moment: datetime | None, field: str, now: datetime, errors: dict[str, list[str]]
) -> None:
    if moment is None:
        return
    if timezone.is_naive(moment):
        errors[field] = ["Give a time zone (e.g. 2026-06-01T20:00:00+02:00)."]
    elif moment <= now:
        errors[field] = ["The end time must be in the future."]
