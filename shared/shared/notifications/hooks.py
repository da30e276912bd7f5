"""What the notifications app asks of the runtime that hosts it, after a commit.

`shared` cannot queue the user service's Celery tasks, so the notifier fires
`deliveries_created(delivery_ids, urgent)` after the commit that stored them, and the user
service connects what sends them at start-up (`user_service/user_service/wiring.py`). A
callback that raises (the broker is down) is logged and skipped (`shared.core.hooks`): the
deliveries are stored, and the worker's periodic sweep sends what is still pending.
"""

from __future__ import annotations

from uuid import UUID

from shared.core.hooks import Hook

deliveries_created: Hook[[list[UUID], bool]] = Hook("notifications.deliveries_created")
