"""The user service's Celery worker: the notifier.

Run (worker, and beat exactly once per deployment):
    celery -A user_service worker -n user@%h --concurrency 2
    celery -A user_service beat -s <state dir>/user-celerybeat-schedule

One consumer step runs in the worker's main process, on the durable queue
`user.notifications`: the notifier turns the domain events of every producer into
notifications (stored, and pushed live to the person's open sockets) and deliveries (push,
e-mail), which the pool's processes send as tasks on `user.tasks`. Beat issues the event
reminders and resends the deliveries that are due again (`user_service.tasks`).

Bans are not applied here: moderation writes the ban state with the ban itself
(`shared.accounts.services.user_ban_state_write`), so it holds with this worker or the
broker down, and no late or reordered `user.banned` event can write it again. The notifier
still takes `user.banned`/`user.unbanned`, to tell the person.
"""

from __future__ import annotations

import os
from typing import Any
from uuid import UUID

from celery import Celery

from shared.messaging.consumer_step import EventConsumerStep
from shared.notifications import hooks
from shared.notifications.kinds import NOTIFIER_ROUTES

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "user_service.settings")

# Dotted paths: the handlers import models, which can load only once Django is set up.
NOTIFIER_HANDLERS = {
    routing_key: f"shared.notifications.notifier.{name}"
    for routing_key, name in NOTIFIER_ROUTES.items()
}
TASK_QUEUE = "user.tasks"
REMINDERS_ISSUE_TASK = "user_service.tasks.reminders_issue_task"
DELIVERIES_SEND_TASK = "user_service.tasks.deliveries_send_task"
DELIVERIES_SWEEP_TASK = "user_service.tasks.deliveries_sweep_task"

app = Celery("user_service")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.include = ["user_service.tasks"]
# Each service's tasks on its own queue: workers of one service never take another's tasks.
app.conf.task_default_queue = TASK_QUEUE
app.steps["consumer"].add(
    EventConsumerStep.configure(service="user", handlers=NOTIFIER_HANDLERS, topic="notifications")
)


@app.on_after_configure.connect
def _schedule_periodic_tasks(sender: Celery, **kwargs: Any) -> None:
    from django.conf import settings

    for seconds, task, name in (
        (settings.NOTIFICATION_REMINDER_SWEEP_SECONDS, REMINDERS_ISSUE_TASK, "reminders-issue"),
        (settings.NOTIFICATION_DELIVERY_SWEEP_SECONDS, DELIVERIES_SWEEP_TASK, "deliveries-sweep"),
    ):
        sender.add_periodic_task(
            seconds, sender.signature(task, options={"expires": seconds}), name=name
        )


@hooks.on_deliveries_created
def deliveries_send_soon(delivery_ids: list[UUID], urgent: bool) -> None:
    """Queue the sending of deliveries just stored; the sweep sends them if this fails.

    Split in chunks, so that the worker's processes (one per core) encrypt and send an alert's
    pushes side by side.
    Side effects: a task message on `user.tasks` per chunk.
    """
    from django.conf import settings

    size = settings.NOTIFICATION_DELIVERY_CHUNK
    for start in range(0, len(delivery_ids), size):
        app.send_task(
            DELIVERIES_SEND_TASK,
            args=[[str(delivery_id) for delivery_id in delivery_ids[start : start + size]]],
            retry=False,
        )
