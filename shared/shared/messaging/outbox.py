"""Writing domain events to the outbox, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from shared.messaging.models import OutboxMessage
from shared.messaging.schemas import DomainEvent

# Called after commit to publish soon (the relay task); the periodic relay catches anything missed.
_after_commit_hooks: list[Callable[[], None]] = []


def on_outbox_written(hook: Callable[[], None]) -> None:
    """Register what to run after a transaction wrote outbox rows (e.g. queue the relay task)."""
    if hook not in _after_commit_hooks:
        _after_commit_hooks.append(hook)


def outbox_enqueue(*, event: DomainEvent) -> OutboxMessage:
    """Store `event` for publishing; must run inside the transaction of the change it reports.

    Raises:
        TransactionManagementError: called outside a transaction (the event could outlive a
        rolled-back change, or be lost with a committed one).
    Side effects: the registered hooks run after commit.
    """
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError(
            "outbox_enqueue needs the caller's transaction"
        )
    message = OutboxMessage.objects.create(
        id=event.event_id,
        exchange=event.exchange,
        routing_key=event.routing_key,
        payload=event.to_dict(),
    )
    for hook in _after_commit_hooks:
        transaction.on_commit(hook)
    return message
