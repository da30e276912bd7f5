"""What the safety app asks of the runtime that hosts it, after a commit.

The app's services cannot queue a service's Celery tasks (`shared` never imports a service),
so they fire these hooks, which the safety service connects at start-up
(`safety_service/safety_service/wiring.py`):

- `checkin_timer_due(timer_id, due_at)`: a timer was set or moved; schedule its firing.
- `alert_notice_undelivered(alert_id, group_id, change)`: the group service could not take an
  alert notice now; retry it later.

A callback that raises (the broker is down) is logged and skipped (`shared.core.hooks`): the
safety service's periodic sweeps catch up with anything a callback could not schedule.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from shared.core.hooks import Hook

checkin_timer_due: Hook[[UUID, datetime]] = Hook("safety.checkin_timer_due")
alert_notice_undelivered: Hook[[UUID, UUID, str]] = Hook("safety.alert_notice_undelivered")
