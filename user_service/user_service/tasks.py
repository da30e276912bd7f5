"""The user service's tasks: issue the event reminders that are due (beat runs it).

Idempotent and acknowledged late: a reminder is issued once per event, lead and start time.
"""

from __future__ import annotations

from shared.notifications.reminders import event_reminders_issue
from user_service.celery import REMINDERS_ISSUE_TASK, app


@app.task(name=REMINDERS_ISSUE_TASK, acks_late=True, time_limit=120, soft_time_limit=100)
def reminders_issue_task() -> int:
    """Issue the event reminders that are due; return how many.

    Side effects: `event.reminder_due` outbox rows (the notifier tells everyone going).
    """
    return event_reminders_issue()
