"""The moderation service's tasks: publish the outbox, end the temporary bans that are due.

Both are idempotent triggers with no arguments, re-run by beat; they do not retry themselves
(the next periodic run is the retry) and are acknowledged late (`CELERY_TASK_ACKS_LATE`).
Their names are what travels on the wire: they stay as they are when the code moves.

The relay also runs right after each commit that wrote outbox rows (`outbox_relay_soon`).
Queueing it needs the broker: when that is down the trigger logs and returns (the ban is
already committed), and beat's next run publishes the backlog once the broker is back.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from django.utils import timezone
from django.utils.module_loading import import_string

from moderation_service.celery import app
from shared.messaging.publisher import outbox_relay

logger = logging.getLogger(__name__)

# The moderation app's service (written alongside); resolved when the task runs.
BAN_EXPIRE_DUE = "shared.moderation.services.ban_expire_due"
# A trigger that waited longer than this is useless: a later run has done or will do the work.
TRIGGER_EXPIRES_SECONDS = 60


@app.task(
    name="moderation_service.tasks.outbox_relay_task",
    acks_late=True,
    time_limit=120,
    soft_time_limit=100,
)
def outbox_relay_task() -> int:
    """Publish the pending outbox rows; return how many were published.

    Side effects: messages on `moderation.events`; rows marked sent.
    """
    return outbox_relay().published


@app.task(
    name="moderation_service.tasks.ban_expire_due_task",
    acks_late=True,
    time_limit=60,
    soft_time_limit=50,
)
def ban_expire_due_task() -> Any:
    """Lift the temporary bans whose end time has passed, through the moderation app.

    Returns what `ban_expire_due` returns, or None (logged) while the moderation app that
    defines it is not installed.
    Side effects: the moderation service's (an unban event per ban, through the outbox).
    """
    try:
        ban_expire_due = import_string(BAN_EXPIRE_DUE)
    except ImportError as error:
        logger.error("ban expiry is not available: %s", error)
        return None
    return ban_expire_due(now=timezone.now())


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


def outbox_relay_soon() -> None:
    """Queue the relay task for rows just committed; log and return if the broker is away.

    Runs after commit in the request (or admin action) that banned: it must never fail it.
    A kept connection that broke (the broker restarted) is replaced once.
    Side effects: one task message on `moderation.tasks`.
    """
    for attempt in (1, 2):
        try:
            app.send_task(
                outbox_relay_task.name,
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
