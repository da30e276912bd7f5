"""Everything the user service plugs into Celery and into the shared apps, in one place.

`connect()` runs once per process, from `UserServiceConfig.ready()`: Django is set up by then
(the notifier and the tasks import models), in the web processes as in the worker and beat
(Celery's Django fix-up sets Django up before either starts, so the consumer step is added
before the worker builds its consumer).
"""

from __future__ import annotations

from django.conf import settings

from shared.messaging.consumer_step import EventConsumerStep
from shared.notifications import hooks, notifier
from user_service.celery import app
from user_service.tasks import deliveries_send_soon, deliveries_sweep_task, reminders_issue_task

TASK_QUEUE = "user.tasks"


def connect() -> None:
    """Route the tasks, consume the notifier's events, schedule the sweeps, connect the hook."""
    # Each service's tasks on its own queue: workers of one service never take another's tasks.
    app.conf.task_default_queue = TASK_QUEUE
    app.steps["consumer"].add(
        EventConsumerStep.configure(
            service="user", handlers=notifier.HANDLERS, topic="notifications"
        )
    )
    for seconds, task, name in (
        (settings.NOTIFICATION_REMINDER_SWEEP_SECONDS, reminders_issue_task, "reminders-issue"),
        (settings.NOTIFICATION_DELIVERY_SWEEP_SECONDS, deliveries_sweep_task, "deliveries-sweep"),
    ):
        app.add_periodic_task(seconds, task.signature(options={"expires": seconds}), name=name)
    hooks.deliveries_created.connect(deliveries_send_soon)
