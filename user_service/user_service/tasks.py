"""The user service's tasks: send notification deliveries, issue event reminders.

Each is idempotent and acknowledged late: a delivery is claimed before it is sent and marked
with its outcome after, a reminder is issued once per event, lead and start time.
"""

from __future__ import annotations

from uuid import UUID

from shared.notifications.delivery import deliveries_due, deliveries_send
from shared.notifications.reminders import event_reminders_issue
from user_service.celery import (
    DELIVERIES_SEND_TASK,
    DELIVERIES_SWEEP_TASK,
    REMINDERS_ISSUE_TASK,
    app,
)


@app.task(name=DELIVERIES_SEND_TASK, acks_late=True, time_limit=120, soft_time_limit=100)
def deliveries_send_task(delivery_ids: list[str]) -> int:
    """Send these deliveries now; return how many went out.

    Side effects: push messages and e-mails; failures are due again after a backoff.
    """
    return deliveries_send(delivery_ids=[UUID(delivery_id) for delivery_id in delivery_ids])


@app.task(name=DELIVERIES_SWEEP_TASK, acks_late=True, time_limit=120, soft_time_limit=100)
def deliveries_sweep_task() -> int:
    """Send the deliveries that are due again (retries) or whose task was lost."""
    return deliveries_send(delivery_ids=deliveries_due())


@app.task(name=REMINDERS_ISSUE_TASK, acks_late=True, time_limit=120, soft_time_limit=100)
def reminders_issue_task() -> int:
    """Issue the event reminders that are due; return how many.

    Side effects: `event.reminder_due` outbox rows (the notifier tells everyone going).
    """
    return event_reminders_issue()
