"""The domain events that cross services, and their wire format (JSON, versioned).

Every event has `event_id` (unique; consumers record it to apply each event once),
`occurred_at` (ISO 8601, UTC), `schema_version` and its payload fields.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, ClassVar

MODERATION_EXCHANGE = "moderation.events"


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
        if name.endswith("_at") or name == "until":
            moment = datetime.fromisoformat(str(raw))
            if moment.tzinfo is None:
                raise InvalidEvent(f"{name} has no time zone")
            return moment
        return str(raw)


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


EVENT_TYPES: dict[str, type[DomainEvent]] = {
    event_type.routing_key: event_type for event_type in (UserBanned, UserUnbanned)
}
