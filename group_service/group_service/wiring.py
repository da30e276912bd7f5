"""Everything the group service plugs into Celery, in one place.

`connect()` runs once per process, from `GroupServiceConfig.ready()`: Django is set up by then
(the subscribers import models), in the worker too (Celery's Django fix-up sets Django up
before the worker builds its consumer, so the step below is part of it).
"""

from __future__ import annotations

from group_service.celery import app
from group_service.subscribers import on_user_banned
from shared.messaging.consumer_step import EventConsumerStep

TASK_QUEUE = "group.tasks"
EVENT_HANDLERS = {"user.banned": on_user_banned}


def connect() -> None:
    """Route the tasks to the service's queue and consume the moderation events."""
    # Each service's tasks on its own queue: workers of one service never take another's tasks.
    app.conf.task_default_queue = TASK_QUEUE
    app.steps["consumer"].add(EventConsumerStep.configure(service="group", handlers=EVENT_HANDLERS))
