"""A user-service worker for the fault test (`celery -A tests.fault_worker worker`).

The service's own consumer step (the notifier's) and handler of `user.banned`, with a
test-only wrapper around the handler:
- `BAN_APPLY_DELAY_MS`: each ban takes this long, so the worker is caught in flight;
- `BAN_APPLY_HOLD_AT=n`: the n-th ban this process handles writes `BAN_APPLY_HOLD_FILE` and
  hangs inside the handler, so the test's SIGKILL lands mid-event deterministically;
- `BAN_APPLY_LOG`: one line per ban whose transaction committed (an applied effect);
- `FAULT_ACKS_LATE=false`: acknowledge on receipt, as Celery does by default (the
  demonstration that the test can detect a loss).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from celery import Celery
from django.db import transaction

from shared.messaging.consumer_step import EventConsumerStep
from shared.messaging.schemas import UserBanned

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "user_service.settings")

app = Celery("user_service_fault_test")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_default_queue = "user.tasks"

_handled = 0


def _record_applied(event_id: str) -> None:
    with Path(os.environ["BAN_APPLY_LOG"]).open("a") as log:
        log.write(f"{event_id}\n")


def slow_on_user_banned(event: UserBanned) -> None:
    """The notifier's handler, slowed down and observable (see the module docstring)."""
    from shared.notifications.notifier import on_user_banned

    global _handled
    _handled += 1
    if _handled == int(os.environ.get("BAN_APPLY_HOLD_AT", "0")):
        Path(os.environ["BAN_APPLY_HOLD_FILE"]).write_text(str(event.event_id))
        time.sleep(120)  # the test kills the worker here
    time.sleep(int(os.environ.get("BAN_APPLY_DELAY_MS", "0")) / 1000)
    on_user_banned(event)
    transaction.on_commit(lambda: _record_applied(str(event.event_id)))


app.steps["consumer"].add(
    EventConsumerStep.configure(
        service="user",
        handlers={"user.banned": slow_on_user_banned},
        topic="notifications",
        acks_late=os.environ.get("FAULT_ACKS_LATE", "true") == "true",
    )
)
