"""The group service's Celery worker: it closes the live chat sockets of banned users.

Run: `celery -A group_service worker -P solo -n group@%h` (see shared.messaging.consumer_step).
"""

from __future__ import annotations

import os

from celery import Celery

from shared.messaging.consumer_step import EventConsumerStep

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "group_service.settings")

# Dotted paths: the subscribers import models, which can load only once Django is set up.
HANDLERS = {"user.banned": "group_service.subscribers.on_user_banned"}

app = Celery("group_service")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each service's tasks on its own queue: workers of one service never take another's tasks.
app.conf.task_default_queue = "group.tasks"
app.steps["consumer"].add(EventConsumerStep.configure(service="group", handlers=HANDLERS))
