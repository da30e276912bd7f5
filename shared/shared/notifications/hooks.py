"""What the notifications app asks of the runtime that hosts it, after a commit.

`shared` cannot import the user service's Celery tasks, so the user service registers, at
start-up (`user_service.celery`), what sends the deliveries just stored:
`on_deliveries_created(callback)`, called as `callback(delivery_ids, urgent)` after commit.
A callback that raises (the broker is down) is logged and skipped: the deliveries are stored,
and the worker's periodic sweep sends what is still pending.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from uuid import UUID

logger = logging.getLogger(__name__)

DeliveriesCallback = Callable[[list[UUID], bool], None]

_deliveries_created: list[DeliveriesCallback] = []


def on_deliveries_created(callback: DeliveriesCallback) -> DeliveriesCallback:
    """Register `callback(delivery_ids, urgent)`; registering twice is a no-op."""
    if callback not in _deliveries_created:
        _deliveries_created.append(callback)
    return callback


def deliveries_created(delivery_ids: list[UUID], urgent: bool) -> None:
    """Tell the registered callbacks about deliveries just committed."""
    for callback in list(_deliveries_created):
        try:
            callback(delivery_ids, urgent)
        except Exception:  # committed already; the sweep sends them
            logger.exception("a deliveries callback failed")
