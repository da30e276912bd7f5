"""The moderation service's tasks: publish the outbox, end the temporary bans that are due.

Both are idempotent triggers with no arguments, re-run by beat; they do not retry themselves
(the next periodic run is the retry) and are acknowledged late (`CELERY_TASK_ACKS_LATE`).
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils import timezone
from django.utils.module_loading import import_string

from moderation_service.celery import BAN_EXPIRE_DUE_TASK, OUTBOX_RELAY_TASK, app
from shared.messaging.publisher import outbox_relay

logger = logging.getLogger(__name__)

# The moderation app's service (written alongside); resolved when the task runs.
BAN_EXPIRE_DUE = "shared.moderation.services.ban_expire_due"


@app.task(name=OUTBOX_RELAY_TASK, acks_late=True, time_limit=120, soft_time_limit=100)
def outbox_relay_task() -> int:
    """Publish the pending outbox rows; return how many were published.

    Side effects: messages on `moderation.events`; rows marked sent.
    """
    return outbox_relay().published


@app.task(name=BAN_EXPIRE_DUE_TASK, acks_late=True, time_limit=60, soft_time_limit=50)
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
