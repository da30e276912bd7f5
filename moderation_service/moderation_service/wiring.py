"""Everything the moderation service plugs into Celery and into the shared apps, in one place.

`connect()` runs once per process, from `ModerationServiceConfig.ready()`: Django is set up by
then (the tasks import models), in the web processes (which queue the relay after a ban) as
in the worker and beat (Celery's Django fix-up sets Django up before either starts).
"""

from __future__ import annotations

from django.conf import settings
from kombu import Queue

from moderation_service.celery import app
from moderation_service.tasks import (
    TRIGGER_EXPIRES_SECONDS,
    ban_expire_due_task,
    outbox_relay_soon,
    outbox_relay_task,
)
from shared.messaging.hooks import outbox_written

TASK_QUEUE = "moderation.tasks"


def connect() -> None:
    """Route the tasks to the service's queue, schedule them, and queue the relay on commit."""
    # Each service's tasks on its own queue: workers of one service never take another's tasks.
    app.conf.task_default_queue = TASK_QUEUE
    # Every task here is an idempotent trigger re-run by beat: messages older than a minute
    # (queued while no worker ran) are dropped by the broker rather than piling up.
    app.conf.task_queues = [
        Queue(
            TASK_QUEUE,
            durable=True,
            queue_arguments={"x-message-ttl": TRIGGER_EXPIRES_SECONDS * 1000},
        )
    ]
    # A periodic run older than its period is worthless: the next one is on its way.
    for seconds, task, name in (
        (settings.OUTBOX_RELAY_INTERVAL_SECONDS, outbox_relay_task, "outbox-relay"),
        (settings.BAN_EXPIRY_INTERVAL_SECONDS, ban_expire_due_task, "ban-expire-due"),
    ):
        app.add_periodic_task(seconds, task.signature(options={"expires": seconds}), name=name)
    # The ban's own process publishes its event soon; beat's relay catches what it misses.
    outbox_written.connect(outbox_relay_soon)
