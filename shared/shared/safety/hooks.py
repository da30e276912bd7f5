"""What the safety app asks of the runtime that hosts it, after a commit.

The app's services cannot import a service's Celery tasks (`shared` never imports a service),
so the safety service registers callbacks at start-up (in `safety_service.celery`):

- `on_checkin_timer_due(callback)`: a timer was set or moved; `callback(timer_id, due_at)`
  schedules its firing.
- `on_alert_notice_undelivered(callback)`: the group service could not take an alert notice
  now; `callback(alert_id, group_id, change)` retries later.

Callbacks run in the thread that committed, in registration order; one that raises (the
broker is down) is logged and skipped, because the write has committed. The safety service's
periodic sweeps catch up with anything a callback could not schedule.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

logger = logging.getLogger(__name__)

CheckInDueCallback = Callable[[UUID, datetime], None]
NoticeUndeliveredCallback = Callable[[UUID, UUID, str], None]

_checkin_due: list[CheckInDueCallback] = []
_notice_undelivered: list[NoticeUndeliveredCallback] = []


def on_checkin_timer_due(callback: CheckInDueCallback) -> CheckInDueCallback:
    """Register `callback(timer_id, due_at)`; registering twice is a no-op."""
    if callback not in _checkin_due:
        _checkin_due.append(callback)
    return callback


def on_alert_notice_undelivered(callback: NoticeUndeliveredCallback) -> NoticeUndeliveredCallback:
    """Register `callback(alert_id, group_id, change)`; registering twice is a no-op."""
    if callback not in _notice_undelivered:
        _notice_undelivered.append(callback)
    return callback


def off_checkin_timer_due(callback: CheckInDueCallback) -> None:
    """Unregister `callback`; unknown callbacks are ignored."""
    if callback in _checkin_due:
        _checkin_due.remove(callback)


def off_alert_notice_undelivered(callback: NoticeUndeliveredCallback) -> None:
    """Unregister `callback`; unknown callbacks are ignored."""
    if callback in _notice_undelivered:
        _notice_undelivered.remove(callback)


def checkin_timer_due(timer_id: UUID, due_at: datetime) -> None:
    """Tell the callbacks that a timer now falls due at `due_at`."""
    _dispatch(_checkin_due, timer_id, due_at)


def alert_notice_undelivered(alert_id: UUID, group_id: UUID, change: str) -> None:
    """Tell the callbacks that an alert notice still has to reach a crew's chat."""
    _dispatch(_notice_undelivered, alert_id, group_id, change)


def _dispatch(callbacks: list[Any], *args: Any) -> None:
    for callback in list(callbacks):
        try:
            callback(*args)
        except Exception:  # the write has committed; the periodic sweeps catch up
            logger.exception(
                "safety hook failed",
                extra={"callback": getattr(callback, "__qualname__", repr(callback))},
            )
