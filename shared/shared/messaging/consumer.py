"""Applying a received domain event exactly once per consumer.

The broker delivers at least once (a redelivery after a worker died, a relay that published a
row twice). Each consumer records `ProcessedEvent(consumer, event_id)` in the same transaction
as the handler's writes, so a second delivery of the same event finds the record and does
nothing, and a handler that fails leaves no record behind.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.db import connection, transaction
from django.utils import timezone

from shared.core.sql import table
from shared.messaging.models import ProcessedEvent
from shared.messaging.schemas import EVENT_TYPES, DomainEvent, InvalidEvent
from shared.metrics import BAN_EVENTS_APPLIED

EventHandler = Callable[[Any], None]

BAN_EVENT_TYPES = frozenset({"user.banned", "user.unbanned"})


def event_parse(*, routing_key: str, body: Any) -> DomainEvent:
    """Return the event a message carries, validated against the schema of its routing key.

    Raises:
        InvalidEvent: an unknown routing key or a payload that is not a valid event of its kind.
    """
    event_type = EVENT_TYPES.get(routing_key)
    if event_type is None:
        raise InvalidEvent(f"no event type for routing key {routing_key!r}")
    return event_type.from_dict(body)


def _processed_event_record(*, consumer: str, event_id: UUID) -> bool:
    """Insert the record unless it exists; return whether this call inserted it.

    One statement (`ON CONFLICT DO NOTHING`) instead of get_or_create's select, savepoint and
    insert: a delivery racing another of the same event waits on the unique key, then sees
    the conflict once the other commits (or inserts if the other rolled back).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table(ProcessedEvent)} (consumer, event_id, processed_at) VALUES (%s, %s, %s) "  # noqa: S608 - the table name is ours
            "ON CONFLICT (consumer, event_id) DO NOTHING",
            [consumer, event_id, timezone.now()],
        )
        return bool(cursor.rowcount == 1)


def event_apply(*, consumer: str, event: DomainEvent, handler: EventHandler) -> bool:
    """Run `handler(event)` unless `consumer` applied this event before; return whether it ran.

    The handler and the `ProcessedEvent` record commit together: either both or neither. Two
    deliveries of the same event racing each other serialize on the record's unique key.

    Raises:
        Whatever the handler raises (the transaction is rolled back, nothing is recorded).
    Side effects: the handler's; `ban_events_applied_total` incremented when a ban event ran.
    """
    with transaction.atomic():
        if not _processed_event_record(consumer=consumer, event_id=event.event_id):
            return False
        handler(event)
    if event.routing_key in BAN_EVENT_TYPES:
        BAN_EVENTS_APPLIED.inc()
    return True
