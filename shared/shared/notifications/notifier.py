"""The notifier: what each domain event tells whom (run by the user service's worker).

Each handler runs inside the transaction that records its event as processed
(`shared.messaging.consumer.event_apply`), so a redelivered event tells nobody twice; the
dedupe key of every notification (the event's id) guards the same within the table. The
handlers read what the event does not carry (names, members, who is going) when they run:
a payload stays small and never holds a location.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from shared.accounts.models import User
from shared.events.models import Event, Participation, ParticipationStatus
from shared.groups.models import Group, MemberRole, Membership
from shared.messaging.schemas import (
    AlertAcknowledged,
    AlertClosed,
    AlertRaised,
    CheckInMissed,
    EventCancelled,
    EventChanged,
    EventReminderDue,
    InviteUsed,
    JoinRequestApproved,
    JoinRequestReceived,
    JoinRequestRejected,
    UserBanned,
    UserUnbanned,
    WaitlistPromoted,
)
from shared.notifications import live
from shared.notifications.kinds import NotificationKind
from shared.notifications.services import notify


def _name(user_id: UUID) -> str:
    user = User.objects.only(*User.SUMMARY_FIELDS).filter(id=user_id).first()
    return user.display_name if user is not None else ""


def _crew_names(group_ids: tuple[UUID, ...]) -> dict[UUID, str]:
    return dict(Group.objects.filter(id__in=group_ids).values_list("id", "name"))


def _members(group_ids: tuple[UUID, ...], *, roles: tuple[str, ...] | None = None) -> list[UUID]:
    memberships = Membership.objects.filter(group_id__in=group_ids)
    if roles is not None:
        memberships = memberships.filter(role__in=roles)
    return list(dict.fromkeys(memberships.order_by("created_at").values_list("user_id", flat=True)))


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _tokens(ack_tokens: dict[str, str]) -> dict[UUID, dict[str, Any]]:
    return {UUID(user_id): {"ack_token": token} for user_id, token in ack_tokens.items()}


# --- Safety ---


def on_alert_raised(event: AlertRaised) -> None:
    """Tell every member of the alert's crews but the sender; their pushes can acknowledge."""
    names = _crew_names(event.group_ids)
    recipients = [user for user in _members(event.group_ids) if user != event.sender_id]
    notify(
        recipient_ids=recipients,
        kind=NotificationKind.ALERT_RAISED,
        payload={
            "alert_id": str(event.alert_id),
            "alert_type": event.alert_type,
            "sender_id": str(event.sender_id),
            "sender_name": _name(event.sender_id),
            "message": event.message,
            "group_ids": [str(group_id) for group_id in event.group_ids],
            "group_names": [names[group_id] for group_id in event.group_ids if group_id in names],
            "has_location": event.has_location,
        },
        dedupe_key=f"alert.raised:{event.alert_id}",
        delivery_data=_tokens(event.ack_tokens),
    )


def on_alert_acknowledged(event: AlertAcknowledged) -> None:
    """Tell the sender who answered, and how (each answer once: the event's id)."""
    notify(
        recipient_ids=[event.sender_id],
        kind=NotificationKind.ALERT_ACKNOWLEDGED,
        payload={
            "alert_id": str(event.alert_id),
            "user_id": str(event.user_id),
            "user_name": _name(event.user_id),
            "acknowledgement": event.acknowledgement,
        },
        dedupe_key=f"alert.acknowledged:{event.event_id}",
    )


def on_alert_closed(event: AlertClosed) -> None:
    """Tell the crews (but the sender) that the alert is over."""
    recipients = [user for user in _members(event.group_ids) if user != event.sender_id]
    notify(
        recipient_ids=recipients,
        kind=NotificationKind.ALERT_RESOLVED,
        payload={
            "alert_id": str(event.alert_id),
            "sender_name": _name(event.sender_id),
            "status": event.status,
        },
        dedupe_key=f"alert.closed:{event.alert_id}",
    )


def on_checkin_missed(event: CheckInMissed) -> None:
    """Tell the crew that a member did not check in by their time."""
    names = _crew_names((event.group_id,))
    recipients = [user for user in _members((event.group_id,)) if user != event.user_id]
    notify(
        recipient_ids=recipients,
        kind=NotificationKind.CHECK_IN_MISSED,
        payload={
            "alert_id": str(event.alert_id),
            "user_id": str(event.user_id),
            "user_name": _name(event.user_id),
            "due_at": _utc(event.due_at),
            "group_id": str(event.group_id),
            "group_name": names.get(event.group_id, ""),
        },
        dedupe_key=f"checkin.missed:{event.timer_id}",
        delivery_data=_tokens(event.ack_tokens),
    )


# --- Crews ---


def on_join_request_received(event: JoinRequestReceived) -> None:
    """Tell the crew's owner and admins that someone asks to join."""
    names = _crew_names((event.group_id,))
    notify(
        recipient_ids=_members((event.group_id,), roles=(MemberRole.OWNER, MemberRole.ADMIN)),
        kind=NotificationKind.JOIN_REQUESTED,
        payload={
            "group_id": str(event.group_id),
            "group_name": names.get(event.group_id, ""),
            "user_id": str(event.user_id),
            "user_name": _name(event.user_id),
        },
        dedupe_key=f"join_request.received:{event.request_id}",
    )


def _decided(event: JoinRequestApproved | JoinRequestRejected, kind: NotificationKind) -> None:
    names = _crew_names((event.group_id,))
    notify(
        recipient_ids=[event.user_id],
        kind=kind,
        payload={"group_id": str(event.group_id), "group_name": names.get(event.group_id, "")},
        dedupe_key=f"{event.routing_key}:{event.request_id}",
    )


def on_join_request_approved(event: JoinRequestApproved) -> None:
    """Tell the requester they are in; their open app shows the crew at once."""
    _decided(event, NotificationKind.JOIN_APPROVED)
    live.broadcast_membership(
        user_id=event.user_id, group_id=event.group_id, change="request_approved"
    )


def on_join_request_rejected(event: JoinRequestRejected) -> None:
    """Tell the requester the crew said no."""
    _decided(event, NotificationKind.JOIN_REJECTED)
    live.broadcast_membership(
        user_id=event.user_id, group_id=event.group_id, change="request_rejected"
    )


def on_invite_used(event: InviteUsed) -> None:
    """Tell whoever made the invite link that someone joined with it."""
    if event.created_by_id == event.user_id:
        return
    names = _crew_names((event.group_id,))
    notify(
        recipient_ids=[event.created_by_id],
        kind=NotificationKind.INVITE_USED,
        payload={
            "group_id": str(event.group_id),
            "group_name": names.get(event.group_id, ""),
            "user_id": str(event.user_id),
            "user_name": _name(event.user_id),
        },
        dedupe_key=f"invite.used:{event.event_id}",
    )


# --- Events ---


def _event_facts(event_id: UUID) -> Event | None:
    return Event.objects.only("id", "title", "starts_at", "venue_name").filter(id=event_id).first()


def _participants(event_id: UUID, *statuses: str) -> list[UUID]:
    return list(
        Participation.objects.filter(event_id=event_id, status__in=statuses)
        .order_by("created_at")
        .values_list("user_id", flat=True)
    )


# Told about changes and cancellation: everyone who said they would or might come.
TAKING_PART = (
    ParticipationStatus.GOING,
    ParticipationStatus.INTERESTED,
    ParticipationStatus.WAITLISTED,
)


def _event_payload(facts: Event) -> dict[str, Any]:
    return {
        "event_id": str(facts.id),
        "event_title": facts.title,
        "starts_at": _utc(facts.starts_at),
    }


def on_waitlist_promoted(event: WaitlistPromoted) -> None:
    """Tell the person that a seat came free and they now go."""
    facts = _event_facts(event.calendar_event_id)
    if facts is None:
        return
    notify(
        recipient_ids=[event.user_id],
        kind=NotificationKind.WAITLIST_PROMOTED,
        payload=_event_payload(facts),
        dedupe_key=f"participation.promoted:{event.event_id}",
    )


def on_event_changed(event: EventChanged) -> None:
    """Tell everyone taking part what the organizer changed."""
    facts = _event_facts(event.calendar_event_id)
    if facts is None:
        return
    notify(
        recipient_ids=_participants(event.calendar_event_id, *TAKING_PART),
        kind=NotificationKind.EVENT_CHANGED,
        payload={**_event_payload(facts), "changed": list(event.changed)},
        dedupe_key=f"event.changed:{event.event_id}",
    )


def on_event_cancelled(event: EventCancelled) -> None:
    """Tell everyone taking part that the event is off."""
    facts = _event_facts(event.calendar_event_id)
    if facts is None:
        return
    notify(
        recipient_ids=_participants(event.calendar_event_id, *TAKING_PART),
        kind=NotificationKind.EVENT_CANCELLED,
        payload=_event_payload(facts),
        dedupe_key=f"event.cancelled:{event.calendar_event_id}",
    )


def on_event_reminder_due(event: EventReminderDue) -> None:
    """Remind everyone going that the event starts soon (once per lead and start time)."""
    facts = _event_facts(event.calendar_event_id)
    if facts is None or facts.starts_at != event.starts_at:
        return  # moved since: the scheduler issues the reminder of the new time
    notify(
        recipient_ids=_participants(event.calendar_event_id, ParticipationStatus.GOING),
        kind=NotificationKind.EVENT_REMINDER,
        payload={**_event_payload(facts), "venue_name": facts.venue_name, "lead": event.lead},
        dedupe_key=f"event.reminder:{event.calendar_event_id}:{event.lead}:{_utc(event.starts_at)}",
    )


# --- Moderation ---


def on_user_banned(event: UserBanned) -> None:
    """Tell the person they were banned, and until when."""
    notify(
        recipient_ids=[event.user_id],
        kind=NotificationKind.BANNED,
        payload={"until": _utc(event.until) if event.until else None, "reason": event.reason},
        dedupe_key=f"user.banned:{event.event_id}",
    )


def on_user_unbanned(event: UserUnbanned) -> None:
    """Tell the person their ban is over."""
    notify(
        recipient_ids=[event.user_id],
        kind=NotificationKind.UNBANNED,
        payload={},
        dedupe_key=f"user.unbanned:{event.event_id}",
    )


HANDLERS: dict[str, Callable[[Any], None]] = {
    "alert.raised": on_alert_raised,
    "alert.acknowledged": on_alert_acknowledged,
    "alert.resolved": on_alert_closed,
    "checkin.missed": on_checkin_missed,
    "join_request.received": on_join_request_received,
    "join_request.approved": on_join_request_approved,
    "join_request.rejected": on_join_request_rejected,
    "invite.used": on_invite_used,
    "participation.promoted": on_waitlist_promoted,
    "event.changed": on_event_changed,
    "event.cancelled": on_event_cancelled,
    "event.reminder_due": on_event_reminder_due,
    "user.banned": on_user_banned,
    "user.unbanned": on_user_unbanned,
}
"""The notifier's handler of each routing key it consumes (the user service's consumer step)."""
