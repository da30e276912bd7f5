"""The safety service's Celery app: check-in timers fire by themselves, notices get retried.

Run (two processes; beat exactly once per deployment), from `safety_service/`:
    celery -A safety_service worker -n safety@%h --concurrency 2
    celery -A safety_service beat -s <state dir>/celerybeat-schedule

Broker: RabbitMQ (`RABBITMQ_URL`), queue `SAFETY_TASK_QUEUE` (`safety.tasks`). A timer gets
an ETA task at its due time when it is set or moved (if due within
`SAFETY_CHECKIN_ETA_HORIZON_SECONDS`); beat's sweep every `SAFETY_CHECKIN_SWEEP_SECONDS` fires
any overdue timer (a worker that was down, a lost message) and queues the ETA tasks of the
timers due before its next run. Firing is idempotent, so a timer scheduled twice fires once.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from typing import Any
from uuid import UUID

from celery import Celery
from django.utils import timezone
from kombu import Exchange, Queue

from shared.safety import hooks

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safety_service.settings")

logger = logging.getLogger(__name__)

CHECKIN_TIMER_FIRE_TASK = "safety_service.tasks.checkin_timer_fire_task"
CHECKIN_TIMER_SWEEP_TASK = "safety_service.tasks.checkin_timer_sweep_task"
ALERT_NOTICE_DELIVER_TASK = "safety_service.tasks.alert_notice_deliver_task"
ALERT_NOTICE_SWEEP_TASK = "safety_service.tasks.alert_notice_sweep_task"
LOCATION_DATA_PURGE_TASK = "safety_service.tasks.location_data_purge_task"
# The first retry of a notice the group service could not take, in seconds.
NOTICE_RETRY_DELAY_SECONDS = 2

app = Celery("safety_service")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.include = ["safety_service.tasks"]


def task_queue() -> Queue:
    """The safety service's own durable queue (read from the settings at each use)."""
    from django.conf import settings

    name = settings.SAFETY_TASK_QUEUE
    return Queue(name, Exchange(name, type="direct"), routing_key=name, durable=True)


@app.on_after_configure.connect
def _configure(sender: Celery, **kwargs: Any) -> None:
    from django.conf import settings

    queue = task_queue()
    sender.conf.task_queues = [queue]
    sender.conf.task_default_queue = queue.name
    sender.conf.task_default_exchange = queue.name
    sender.conf.task_default_routing_key = queue.name
    # Each periodic task re-runs from scratch: a message older than its period is worthless.
    for seconds, task, name in (
        (settings.SAFETY_CHECKIN_SWEEP_SECONDS, CHECKIN_TIMER_SWEEP_TASK, "checkin-timer-sweep"),
        (settings.SAFETY_NOTICE_SWEEP_SECONDS, ALERT_NOTICE_SWEEP_TASK, "alert-notice-sweep"),
        (settings.SAFETY_LOCATION_PURGE_SECONDS, LOCATION_DATA_PURGE_TASK, "location-data-purge"),
    ):
        sender.add_periodic_task(
            seconds, sender.signature(task, options={"expires": seconds}), name=name
        )


def checkin_timer_fire_at(timer_id: UUID, due_at: datetime) -> None:
    """Queue the firing of a timer at `due_at`.

    Side effects: one ETA task message on the safety queue.
    """
    app.send_task(
        CHECKIN_TIMER_FIRE_TASK, args=[str(timer_id)], eta=due_at, queue=task_queue(), retry=False
    )


@hooks.on_checkin_timer_due
def checkin_timer_schedule(timer_id: UUID, due_at: datetime) -> None:
    """Queue the firing of a timer just set or moved, if it falls due within the ETA horizon.

    A timer further ahead is left to the sweep, which queues it when it comes close: a worker
    holds an ETA message unacknowledged until it is due, and RabbitMQ cancels a consumer that
    holds one past its `consumer_timeout` (30 minutes by default).
    Side effects: at most one task message.
    """
    from django.conf import settings

    if (due_at - timezone.now()).total_seconds() <= settings.SAFETY_CHECKIN_ETA_HORIZON_SECONDS:
        checkin_timer_fire_at(timer_id, due_at)


@hooks.on_alert_notice_undelivered
def alert_notice_retry(alert_id: UUID, group_id: UUID, change: str) -> None:
    """Queue another delivery of a notice the group service could not take.

    Side effects: one task message, due in a couple of seconds.
    """
    app.send_task(
        ALERT_NOTICE_DELIVER_TASK,
        args=[str(alert_id), str(group_id), change],
        countdown=NOTICE_RETRY_DELAY_SECONDS,
        queue=task_queue(),
        retry=False,
    )
