"""Writing domain events to the outbox, inside the caller's transaction."""

from __future__ import annotations

from django.db import transaction

from shared.messaging.hooks import outbox_written
from shared.messaging.models import OutboxMessage
from shared.messaging.schemas import DomainEvent


def outbox_enqueue(*, event: DomainEvent) -> OutboxMessage:
    """Store `event` for publishing; must run inside the transaction of the change it reports.

    Raises:
        TransactionManagementError: called outside a transaction (the event could outlive a
        rolled-back change, or be lost with a committed one).
    Side effects: `outbox_written` fires after commit.
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
    # Once per transaction: a transaction that writes many events triggers one relay run.
    queued = {func for _, func, _ in transaction.get_connection().run_on_commit}
    if outbox_written.callbacks and outbox_written.fire not in queued:
        transaction.on_commit(outbox_written.fire)
    return message
