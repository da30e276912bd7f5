"""The moderation service's Celery app: the outbox relay and ban expiry, run by worker and beat.

Run (two processes; beat exactly once per deployment):
    celery -A moderation_service worker -n moderation@%h --concurrency 2
    celery -A moderation_service beat -s <state dir>/celerybeat-schedule

The relay runs right after each commit that wrote outbox rows (`outbox_relay_soon`) and every
`OUTBOX_RELAY_INTERVAL_SECONDS` from beat. Queueing the relay task needs the broker: when it is
down the hook logs and returns (the ban is already committed), and beat's next run publishes
the backlog once the broker is back.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from celery import Celery
from kombu import Queue

from shared.messaging.hooks import on_outbox_written

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moderation_service.settings")

logger = logging.getLogger(__name__)

TASK_QUEUE = "moderation.tasks"
OUTBOX_RELAY_TASK = "moderation_service.tasks.outbox_relay_task"
BAN_EXPIRE_DUE_TASK = "moderation_service.tasks.ban_expire_due_task"
# A trigger that waited longer than this is useless: a later run has done or will do the work.
TRIGGER_EXPIRES_SECONDS = 60

app = Celery("moderation_service")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.include = ["moderation_service.tasks"]
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


@app.on_after_configure.connect
def _schedule_periodic_tasks(sender: Celery, **kwargs: Any) -> None:
    from django.conf import settings

    relay_every = settings.OUTBOX_RELAY_INTERVAL_SECONDS
    expire_every = settings.BAN_EXPIRY_INTERVAL_SECONDS
    sender.add_periodic_task(
        relay_every,
        sender.signature(OUTBOX_RELAY_TASK, options={"expires": relay_every}),
        name="outbox-relay",
    )
    sender.add_periodic_task(
        expire_every,
        sender.signature(BAN_EXPIRE_DUE_TASK, options={"expires": expire_every}),
        name="ban-expire-due",
    )


# The trigger's own connection (per process and thread), made to try once: a pooled connection
# would retry for the whole connect timeout while the broker is down.
_trigger = threading.local()


def _trigger_connection() -> Any:
    connection = getattr(_trigger, "connection", None)
    key = (os.getpid(), app.conf.broker_write_url or app.conf.broker_url)
    if connection is None or getattr(_trigger, "key", None) != key:
        _trigger_connection_drop()
        connection = app.connection_for_write(transport_options={"max_retries": 0})
        _trigger.connection, _trigger.key = connection, key
    return connection


def _trigger_connection_drop() -> None:
    connection, _trigger.connection = getattr(_trigger, "connection", None), None
    if connection is not None and getattr(_trigger, "key", (None,))[0] == os.getpid():
        try:
            connection.release()
        except Exception:  # already broken
            logger.debug("closing the relay trigger connection failed", exc_info=True)


@on_outbox_written
def outbox_relay_soon() -> None:
    """Queue the relay task for rows just committed; log and return if the broker is away.

    Runs after commit in the request (or admin action) that banned: it must never fail it.
    A kept connection that broke (the broker restarted) is replaced once.
    Side effects: one task message on `moderation.tasks`.
    """
    for attempt in (1, 2):
        try:
            app.send_task(
                OUTBOX_RELAY_TASK,
                retry=False,
                expires=TRIGGER_EXPIRES_SECONDS,
                connection=_trigger_connection(),
            )
        except Exception as error:  # the broker is down: beat publishes the rows once it is back
            _trigger_connection_drop()
            if attempt == 2:
                logger.warning("could not queue the outbox relay", extra={"error": repr(error)})
        else:
            return
