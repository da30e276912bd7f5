"""The domain events that cross services, and their wire format (JSON, versioned).

Every event has `event_id` (unique; consumers record it to apply each event once),
`occurred_at` (ISO 8601, UTC), `schema_version` and its payload fields. Each producer has its
topic exchange (`<producer>.events`), keyed `<entity>.<past_verb>`:

- `moderation.events`: a user banned or unbanned;
- `safety.events`: an alert raised, acknowledged or closed, a check-in missed;
- `groups.events`: a join request received, approved or rejected, an invite used;
- `events.events`: an event changed or cancelled, a waitlisted seat given, a reminder due.

Payloads carry ids and the few facts a consumer cannot read later (what changed, a status);
a consumer reads the rest (names, members) when it handles the event.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, ClassVar

MODERATION_EXCHANGE = "moderation.events"
SAFETY_EXCHANGE = "safety.events"
GROUPS_EXCHANGE = "groups.events"
EVENTS_EXCHANGE = "events.events"


class InvalidEvent(ValueError):
    """A message that is not a valid event of its kind (a poison message)."""


def _now() -> datetime:
    return datetime.now(tz=UTC)


@dataclass(frozen=True)
class DomainEvent:
    routing_key: ClassVar[str]
    exchange: ClassVar[str] = MODERATION_EXCHANGE
    schema_version: ClassVar[int] = 1

    event_id: uuid.UUID = field(default_factory=uuid.uuid4, kw_only=True)
    occurred_at: datetime = field(default_factory=_now, kw_only=True)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for name, value in data.items():
            if isinstance(value, uuid.UUID):
                data[name] = str(value)
            elif isinstance(value, datetime):
                data[name] = value.isoformat()
            elif isinstance(value, tuple | list):
                data[name] = [str(item) for item in value]
        return {**data, "schema_version": self.schema_version}

    @classmethod
    def from_dict(cls, data: Any) -> DomainEvent:
        """Parse and validate a received payload.

        Raises:
            InvalidEvent: not a dict, a wrong version, a missing or malformed field.
        """
        if not isinstance(data, dict):
            raise InvalidEvent("an event is a JSON object")
        if data.get("schema_version") != cls.schema_version:
            raise InvalidEvent(f"unsupported schema_version {data.get('schema_version')!r}")
        values: dict[str, Any] = {}
        try:
            for spec in fields(cls):
                raw = data.get(spec.name)
                if raw is None:
                    if spec.name in cls._optional():
                        values[spec.name] = None
                        continue
                    raise InvalidEvent(f"missing field {spec.name}")
                values[spec.name] = cls._parse(spec.name, raw)
        except (TypeError, ValueError) as error:
            raise InvalidEvent(str(error)) from error
        return cls(**values)

    @classmethod
    def _optional(cls) -> frozenset[str]:
        return frozenset()

    @classmethod
    def _parse(cls, name: str, raw: Any) -> Any:
        if name.endswith("_id"):
            return uuid.UUID(str(raw))
        if name.endswith("_ids"):
            if not isinstance(raw, list):
                raise InvalidEvent(f"{name} is a list")
            return tuple(uuid.UUID(str(item)) for item in raw)
        if name.endswith("_at") or name == "until":
            moment = datetime.fromisoformat(str(raw))
            if moment.tzinfo is None:
                raise InvalidEvent(f"{name} has no time zone")
            return moment
        if name.startswith(("is_", "has_")):
            if not isinstance(raw, bool):
                raise InvalidEvent(f"{name} is true or false")
            return raw
        if name in cls._mappings():
            if not isinstance(raw, dict):
                raise InvalidEvent(f"{name} is an object")
            return {str(key): str(value) for key, value in raw.items()}
        if name in cls._lists():
            if not isinstance(raw, list):
                raise InvalidEvent(f"{name} is a list")
            return tuple(str(item) for item in raw)
        return str(raw)

    @classmethod
    def _mappings(cls) -> frozenset[str]:
        """The fields that are objects of strings (the rest are scalars, or lists by name)."""
        return frozenset()

    @classmethod
    def _lists(cls) -> frozenset[str]:
        """The fields that are lists of strings (lists of ids end in `_ids`)."""
        return frozenset()


@dataclass(frozen=True)
class UserBanned(DomainEvent):
    """A moderator banned a user, until `until` (None: until lifted)."""

    routing_key: ClassVar[str] = "user.banned"

    user_id: uuid.UUID
    reason: str
    until: datetime | None = None

    @classmethod
    def _optional(cls) -> frozenset[str]:
        return frozenset({"until"})


@dataclass(frozen=True)
class UserUnbanned(DomainEvent):
    """A ban was lifted by a moderator or ended by itself."""

    routing_key: ClassVar[str] = "user.unbanned"

    user_id: uuid.UUID
    reason: str


# --- Safety (produced by the safety service) ---


@dataclass(frozen=True)
class AlertRaised(DomainEvent):
    """A person raised an alert to their crews (or a missed check-in raised one for them).

    `ack_tokens` maps each member it went to (a user id) to their single-use acknowledgement
    token, which lets a push notification acknowledge without the app (see
    `shared.safety.ack_tokens`).
    """

    routing_key: ClassVar[str] = "alert.raised"
    exchange: ClassVar[str] = SAFETY_EXCHANGE

    alert_id: uuid.UUID
    sender_id: uuid.UUID
    alert_type: str
    message: str
    group_ids: tuple[uuid.UUID, ...]
    has_location: bool
    ack_tokens: dict[str, str] = field(default_factory=dict)

    @classmethod
    def _mappings(cls) -> frozenset[str]:
        return frozenset({"ack_tokens"})


@dataclass(frozen=True)
class AlertAcknowledged(DomainEvent):
    """A crew member answered an alert (seen, on my way, with them)."""

    routing_key: ClassVar[str] = "alert.acknowledged"
    exchange: ClassVar[str] = SAFETY_EXCHANGE

    alert_id: uuid.UUID
    sender_id: uuid.UUID
    user_id: uuid.UUID
    acknowledgement: str


@dataclass(frozen=True)
class AlertClosed(DomainEvent):
    """An alert was resolved, or cancelled by its sender (`status`)."""

    routing_key: ClassVar[str] = "alert.resolved"
    exchange: ClassVar[str] = SAFETY_EXCHANGE

    alert_id: uuid.UUID
    sender_id: uuid.UUID
    status: str
    group_ids: tuple[uuid.UUID, ...]


@dataclass(frozen=True)
class CheckInMissed(DomainEvent):
    """A check-in timer ran out; `alert_id` is the alert it raised to the crew."""

    routing_key: ClassVar[str] = "checkin.missed"
    exchange: ClassVar[str] = SAFETY_EXCHANGE

    timer_id: uuid.UUID
    alert_id: uuid.UUID
    user_id: uuid.UUID
    group_id: uuid.UUID
    due_at: datetime
    ack_tokens: dict[str, str] = field(default_factory=dict)

    @classmethod
    def _mappings(cls) -> frozenset[str]:
        return frozenset({"ack_tokens"})


# --- Crews (produced by the group service) ---


@dataclass(frozen=True)
class JoinRequestReceived(DomainEvent):
    """A user asked to join a crew that approves its members."""

    routing_key: ClassVar[str] = "join_request.received"
    exchange: ClassVar[str] = GROUPS_EXCHANGE

    request_id: uuid.UUID
    group_id: uuid.UUID
    user_id: uuid.UUID


@dataclass(frozen=True)
class JoinRequestApproved(DomainEvent):
    """A crew admin let the requester in."""

    routing_key: ClassVar[str] = "join_request.approved"
    exchange: ClassVar[str] = GROUPS_EXCHANGE

    request_id: uuid.UUID
    group_id: uuid.UUID
    user_id: uuid.UUID


@dataclass(frozen=True)
class JoinRequestRejected(DomainEvent):
    """A crew admin turned the request down."""

    routing_key: ClassVar[str] = "join_request.rejected"
    exchange: ClassVar[str] = GROUPS_EXCHANGE

    request_id: uuid.UUID
    group_id: uuid.UUID
    user_id: uuid.UUID


@dataclass(frozen=True)
class InviteUsed(DomainEvent):
    """Someone joined a crew with an invite link (`created_by_id` made the link)."""

    routing_key: ClassVar[str] = "invite.used"
    exchange: ClassVar[str] = GROUPS_EXCHANGE

    invite_id: uuid.UUID
    group_id: uuid.UUID
    user_id: uuid.UUID
    created_by_id: uuid.UUID


# --- Events (produced by the event service; reminders by the user service's scheduler) ---


@dataclass(frozen=True)
class WaitlistPromoted(DomainEvent):
    """A seat came free and a waitlisted person now goes."""

    routing_key: ClassVar[str] = "participation.promoted"
    exchange: ClassVar[str] = EVENTS_EXCHANGE

    # The event in the calendar (`event_id` is the domain event's own id).
    calendar_event_id: uuid.UUID
    user_id: uuid.UUID


@dataclass(frozen=True)
class EventChanged(DomainEvent):
    """The organizer changed what participants rely on (`changed`: the field names)."""

    routing_key: ClassVar[str] = "event.changed"
    exchange: ClassVar[str] = EVENTS_EXCHANGE

    # The event in the calendar (`event_id` is the domain event's own id).
    calendar_event_id: uuid.UUID
    changed: tuple[str, ...]

    @classmethod
    def _lists(cls) -> frozenset[str]:
        return frozenset({"changed"})


@dataclass(frozen=True)
class EventCancelled(DomainEvent):
    """The organizer cancelled the event, or moderators took it down."""

    routing_key: ClassVar[str] = "event.cancelled"
    exchange: ClassVar[str] = EVENTS_EXCHANGE

    # The event in the calendar (`event_id` is the domain event's own id).
    calendar_event_id: uuid.UUID


@dataclass(frozen=True)
class EventReminderDue(DomainEvent):
    """An event starts in `lead` (24h or 2h) at `starts_at`: remind everyone going."""

    routing_key: ClassVar[str] = "event.reminder_due"
    exchange: ClassVar[str] = EVENTS_EXCHANGE

    # The event in the calendar (`event_id` is the domain event's own id).
    calendar_event_id: uuid.UUID
    lead: str
    starts_at: datetime


EVENT_TYPES: dict[str, type[DomainEvent]] = {
    event_type.routing_key: event_type
    for event_type in (
        UserBanned,
        UserUnbanned,
        AlertRaised,
        AlertAcknowledged,
        AlertClosed,
        CheckInMissed,
        JoinRequestReceived,
        JoinRequestApproved,
        JoinRequestRejected,
        InviteUsed,
        WaitlistPromoted,
        EventChanged,
        EventCancelled,
        EventReminderDue,
    )
}
