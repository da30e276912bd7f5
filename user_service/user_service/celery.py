"""The user service's Celery worker: ban events to the accounts, and the notifier.

Run (worker, and beat exactly once per deployment):
    celery -A user_service worker -n user@%h --concurrency 2
    celery -A user_service beat -s <state dir>/user-celerybeat-schedule

Two consumer steps run in the worker's main process, each on its own durable queue:
`user.moderation-events` applies bans to the accounts, and `user.notifications` (the
notifier) turns the domain events of every producer into notifications (stored, and pushed
live to the person's open sockets) and pending deliveries (push, e-mail). Beat issues the
event reminders (`user_service.tasks`).
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery

from shared.messaging.consumer_step import EventConsumerStep

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "user_service.settings")

# Dotted paths: the subscribers import models, which can load only once Django is set up.
HANDLERS = {
    "user.banned": "user_service.subscribers.on_user_banned",
    "user.unbanned": "user_service.subscribers.on_user_unbanned",
}
NOTIFIER_HANDLERS = {
    routing_key: f"shared.notifications.notifier.{name}"
    for routing_key, name in {
        "alert.raised": "on_alert_raised",
        "alert.acknowledged": "on_alert_acknowledged",
        "alert.resolved": "on_alert_closed",
        "checkin.missed": "on_checkin_missed",
        "join_request.received": "on_join_request_received",
        "join_request.approved": "on_join_request_approved",
        "join_request.rejected": "on_join_request_rejected",
        "invite.used": "on_invite_used",
        "participation.promoted": "on_waitlist_promoted",
        "event.changed": "on_event_changed",
        "event.cancelled": "on_event_cancelled",
        "event.reminder_due": "on_event_reminder_due",
        "user.banned": "on_user_banned",
        "user.unbanned": "on_user_unbanned",
    }.items()
}
TASK_QUEUE = "user.tasks"
REMINDERS_ISSUE_TASK = "user_service.tasks.reminders_issue_task"

app = Celery("user_service")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.include = ["user_service.tasks"]
# Each service's tasks on its own queue: workers of one service never take another's tasks.
app.conf.task_default_queue = TASK_QUEUE
app.steps["consumer"].add(EventConsumerStep.configure(service="user", handlers=HANDLERS))
app.steps["consumer"].add(
    EventConsumerStep.configure(service="user", handlers=NOTIFIER_HANDLERS, topic="notifications")
)


@app.on_after_configure.connect
def _schedule_periodic_tasks(sender: Celery, **kwargs: Any) -> None:
    from django.conf import settings

    seconds = settings.NOTIFICATION_REMINDER_SWEEP_SECONDS
    sender.add_periodic_task(
        seconds,
        sender.signature(REMINDERS_ISSUE_TASK, options={"expires": seconds}),
        name="reminders-issue",
    )
