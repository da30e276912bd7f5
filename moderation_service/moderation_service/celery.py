"""The moderation service's Celery app: the outbox relay and ban expiry, run by worker and beat.

Run (two processes; beat exactly once per deployment):
    celery -A moderation_service worker -n moderation@%h --concurrency 2
    celery -A moderation_service beat -s <state dir>/celerybeat-schedule

The app's queue, its periodic tasks and the outbox hook that queues the relay after each
commit are wired in `moderation_service.wiring`, once Django is set up; the tasks are in
`moderation_service.tasks`.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moderation_service.settings")

app = Celery("moderation_service")
app.config_from_object("django.conf:settings", namespace="CELERY")
