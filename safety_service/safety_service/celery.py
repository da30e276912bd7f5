"""The safety service's Celery app: check-in timers fire by themselves, notices get retried.

Run (two processes; beat exactly once per deployment), from `safety_service/`:
    celery -A safety_service worker -n safety@%h --concurrency 2
    celery -A safety_service beat -s <state dir>/celerybeat-schedule

Broker: RabbitMQ (`RABBITMQ_URL`), queue `SAFETY_TASK_QUEUE` (`safety.tasks`). A timer gets
an ETA task at its due time when it is set or moved (if due within
`SAFETY_CHECKIN_ETA_HORIZON_SECONDS`); beat's sweep every `SAFETY_CHECKIN_SWEEP_SECONDS` fires
any overdue timer (a worker that was down, a lost message) and queues the ETA tasks of the
timers due before its next run. Firing is idempotent, so a timer scheduled twice fires once.

The queue, the periodic tasks and the safety app's hooks are wired in `safety_service.wiring`,
once Django is set up; the tasks are in `safety_service.tasks`.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safety_service.settings")

app = Celery("safety_service")
app.config_from_object("django.conf:settings", namespace="CELERY")
