"""The group service's Celery worker: it closes the live chat sockets of banned users.

Run: `celery -A group_service worker -n group@%h -c 1`, as scripts/supervise.sh and the chart
do: the default prefork pool, whose event loop sends the AMQP heartbeats (a `-P solo` worker
needs CELERY_BROKER_HEARTBEAT=0, see shared/shared/settings/common.py). The event consumer
runs in the worker's main process (shared.messaging.consumer_step); it is wired in
`group_service.wiring`, once Django is set up.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "group_service.settings")

app = Celery("group_service")
app.config_from_object("django.conf:settings", namespace="CELERY")
