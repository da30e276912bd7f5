"""The user service's Celery worker: it applies ban events to the accounts.

Run: `celery -A user_service worker -P solo -n user@%h` (see shared.messaging.consumer_step).
"""

from __future__ import annotations

import os

from celery import Celery

from shared.messaging.consumer_step import EventConsumerStep

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "user_service.settings")

# Dotted paths: the subscribers import models, which can load only once Django is set up.
HANDLERS = {
    "user.banned": "user_service.subscribers.on_user_banned",
    "user.unbanned": "user_service.subscribers.on_user_unbanned",
}

app = Celery("user_service")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each service's tasks on its own queue: workers of one service never take another's tasks.
app.conf.task_default_queue = "user.tasks"
app.steps["consumer"].add(EventConsumerStep.configure(service="user", handlers=HANDLERS))
