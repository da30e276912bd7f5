"""The group service's Celery worker: it closes the live chat sockets of banned users.

Run: `celery -A group_service worker -n group@%h -c 1`, as scripts/supervise.sh and the chart
do: the default prefork pool, whose event loop sends the AMQP heartbeats (a `-P solo` worker
needs CELERY_BROKER_HEARTBEAT=0, see shared/shared/settings/common.py). The event consumer
runs in the worker's main process (shared.messaging.consumer_step).
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
