"""Everything the safety service plugs into Celery and into the shared apps, in one place.

`connect()` runs once per process, from `SafetyServiceConfig.ready()`: Django is set up by
then (the tasks import models), in the web processes (which schedule timers and retry
notices) as in the worker and beat (Celery's Django fix-up sets Django up before either
starts).
"""

from __future__ import annotations

from django.conf import settings

from safety_service.celery import app
from safety_service.tasks import (
    alert_notice_retry,
    alert_notice_sweep_task,
    checkin_timer_schedule,
    checkin_timer_sweep_task,
    location_data_purge_task,
    task_queue,
)
from shared.safety import hooks


def connect() -> None:
    """Route the tasks to the service's queue, schedule the sweeps, connect the app's hooks."""
    # The safety service's own queue: no other service's worker takes its tasks.
    queue = task_queue()
    app.conf.task_queues = [queue]
    app.conf.update(
        task_default_queue=queue.name,
        task_default_exchange=queue.name,
        task_default_routing_key=queue.name,
    )
    # Each periodic task re-runs from scratch: a message older than its period is worthless.
    for seconds, task, name in (
        (settings.SAFETY_CHECKIN_SWEEP_SECONDS, checkin_timer_sweep_task, "checkin-timer-sweep"),
        (settings.SAFETY_NOTICE_SWEEP_SECONDS, alert_notice_sweep_task, "alert-notice-sweep"),
        (settings.SAFETY_LOCATION_PURGE_SECONDS, location_data_purge_task, "location-data-purge"),
    ):
        app.add_periodic_task(seconds, task.signature(options={"expires": seconds}), name=name)
    hooks.checkin_timer_due.connect(checkin_timer_schedule)
    hooks.alert_notice_undelivered.connect(alert_notice_retry)
