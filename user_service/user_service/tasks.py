"""The user service's tasks: send notification deliveries, issue event reminders.

Each is idempotent and acknowledged late: a delivery is claimed before it is sent and marked
with its outcome after, a reminder is issued once per event, lead and start time. Their names
are what travels on the wire: they stay as they are when the code moves.

Below them, what queues the sending for the notifications app's hook (connected in
`user_service.wiring`).
"""

from __future__ import annotations

from uuid import UUID

from django.conf import settings

from shared.notifications.delivery import deliveries_due, deliveries_send
from shared.notifications.reminders import event_reminders_issue
from user_service.celery import app


@app.task(
    name="user_service.tasks.deliveries_send_task",
    acks_late=True,
    time_limit=120,
    soft_time_limit=100,
)
def deliveries_send_task(delivery_ids: list[str]) -> int:
    """Send these deliveries now; return how many went out.

    Side effects: push messages and e-mails; failures are due again after a backoff.
    """
    return deliveries_send(delivery_ids=[UUID(delivery_id) for delivery_id in delivery_ids])


@app.task(
    name="user_service.tasks.deliveries_sweep_task",
    acks_late=True,
    time_limit=120,
    soft_time_limit=100,
)
def deliveries_sweep_task() -> int:
    """Send the deliveries that are due again (retries) or whose task was lost."""
    return deliveries_send(delivery_ids=deliveries_due())


@app.task(
    name="user_service.tasks.reminders_issue_task",
    acks_late=True,
    time_limit=120,
    soft_time_limit=100,
)
def reminders_issue_task() -> int:
    """Issue the event reminders that are due; return how many.

    Side effects: `event.reminder_due` outbox rows (the notifier tells everyone going).
    """
    return event_reminders_issue()


def deliveries_send_soon(delivery_ids: list[UUID], urgent: bool) -> None:
    """Queue the sending of deliveries just stored; the sweep sends them if this fails.

    Split in chunks, so that the worker's processes (one per core) encrypt and send an alert's
    pushes side by side.
    Side effects: a task message on `user.tasks` per chunk.
    """
    size = settings.NOTIFICATION_DELIVERY_CHUNK
    for start in range(0, len(delivery_ids), size):
        app.send_task(
            deliveries_send_task.name,
            args=[[str(delivery_id) for delivery_id in delivery_ids[start : start + size]]],
            retry=False,
        )
