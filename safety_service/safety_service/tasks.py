"""The safety service's Celery tasks: they call the safety app's services, idempotently.

Every task takes ids only, acknowledges late (a worker killed mid-task leaves its message to
another), has a time limit, and retries a dependency that is down with a growing delay. Their
names are what travels on the wire: they stay as they are when the code moves.

Below them, what queues them for the safety app's hooks (connected in `safety_service.wiring`).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.utils import timezone
from django_guid import clear_guid, set_guid
from kombu import Exchange, Queue

from safety_service.celery import app
from shared.http.errors import ServiceUnavailable
from shared.http.groups import group_safety_notice_locations_purge
from shared.safety.selectors import checkin_timers_due
from shared.safety.services import (
    alert_notice_deliver,
    alert_notices_redeliver,
    checkin_timer_fire,
    checkin_timers_fire_due,
    location_data_purge,
    location_retention_cutoff,
)

# Celery runs an ETA task at or after its time by the worker's clock; this slack keeps one that
# arrives a hair early from waiting for the next sweep.
ETA_SLACK = timedelta(milliseconds=500)
MAX_RETRIES = 8
# The first retry of a notice the group service could not take, in seconds.
NOTICE_RETRY_DELAY_SECONDS = 2


def task_queue() -> Queue:
    """The safety service's own durable queue (read from the settings at each use)."""
    name = settings.SAFETY_TASK_QUEUE
    return Queue(name, Exchange(name, type="direct"), routing_key=name, durable=True)


@contextlib.contextmanager
def _request_id() -> Iterator[None]:
    """Give the task's calls to other services one request id, as a request has."""
    set_guid(uuid.uuid4().hex)
    try:
        yield
    finally:
        clear_guid()


def _backoff(retries: int) -> int:
    return int(min(2 ** (retries + 1), 60))


@app.task(
    name="safety_service.tasks.checkin_timer_fire_task",
    bind=True,
    acks_late=True,
    time_limit=60,
    soft_time_limit=50,
    max_retries=MAX_RETRIES,
)
def checkin_timer_fire_task(self: Any, timer_id: str) -> str | None:
    """Fire a check-in timer at its due time: raise its `missed_check_in` alert.

    Does nothing for a timer checked in, cancelled, fired already, or moved later.
    Side effects: the alert and its notices (`checkin_timer_fire`); a retry while a
        dependency is down.
    """
    with _request_id():
        try:
            alert = checkin_timer_fire(timer_id=UUID(timer_id), now=timezone.now() + ETA_SLACK)
        except ServiceUnavailable as error:
            raise self.retry(exc=error, countdown=_backoff(self.request.retries)) from error
    return str(alert.id) if alert is not None else None


@app.task(
    name="safety_service.tasks.checkin_timer_sweep_task",
    acks_late=True,
    time_limit=300,
    soft_time_limit=280,
)
def checkin_timer_sweep_task() -> int:
    """Fire every overdue timer, then queue the firing of those due before the next sweep.

    The safety net under the ETA tasks: a worker restart, a lost message or a timer set far
    ahead are all caught here. Returns how many alerts were raised.
    Side effects: alerts of overdue timers; ETA task messages.
    """
    with _request_id():
        fired = checkin_timers_fire_due()
        horizon = timezone.now() + timedelta(seconds=2 * settings.SAFETY_CHECKIN_SWEEP_SECONDS)
        for timer_id, due_at in checkin_timers_due(before=horizon, limit=1000):
            checkin_timer_fire_at(timer_id, due_at)
    return fired


@app.task(
    name="safety_service.tasks.alert_notice_deliver_task",
    bind=True,
    acks_late=True,
    time_limit=60,
    soft_time_limit=50,
    max_retries=MAX_RETRIES,
)
def alert_notice_deliver_task(self: Any, alert_id: str, group_id: str, change: str) -> bool:
    """Deliver one alert notice into a crew's chat stream (a retry of a failed delivery).

    Side effects: the chat message and broadcast in the group service; a retry while it is
        down (the notice sweep takes over after the last one).
    """
    with _request_id():
        try:
            return alert_notice_deliver(
                alert_id=UUID(alert_id), group_id=UUID(group_id), change=change
            )
        except ServiceUnavailable as error:
            raise self.retry(exc=error, countdown=_backoff(self.request.retries)) from error


@app.task(
    name="safety_service.tasks.alert_notice_sweep_task",
    acks_late=True,
    time_limit=300,
    soft_time_limit=280,
)
def alert_notice_sweep_task() -> int:
    """Deliver the notices still missing after their retries; returns how many went out."""
    with _request_id():
        return alert_notices_redeliver()


@app.task(
    name="safety_service.tasks.location_data_purge_task",
    acks_late=True,
    time_limit=600,
    soft_time_limit=580,
)
def location_data_purge_task() -> int:
    """Delete location data past `SAFETY_LOCATION_RETENTION_DAYS`; returns trail points deleted.

    Then the group service clears the copies in the crews' chat notices. If it cannot be
    reached the task fails (and is logged); the next run clears everything before its cutoff.
    """
    now = timezone.now()
    deleted = location_data_purge(now=now)
    with _request_id():
        group_safety_notice_locations_purge(before=location_retention_cutoff(now))
    return deleted


def checkin_timer_fire_at(timer_id: UUID, due_at: datetime) -> None:
    """Queue the firing of a timer at `due_at`.

    Side effects: one ETA task message on the safety queue.
    """
    app.send_task(
        checkin_timer_fire_task.name,
        args=[str(timer_id)],
        eta=due_at,
        queue=task_queue(),  # type: ignore[arg-type]  # kombu takes a Queue; the stubs say str
        retry=False,
    )


def checkin_timer_schedule(timer_id: UUID, due_at: datetime) -> None:
    """Queue the firing of a timer just set or moved, if it falls due within the ETA horizon.

    A timer further ahead is left to the sweep, which queues it when it comes close: a worker
    holds an ETA message unacknowledged until it is due, and RabbitMQ cancels a consumer that
    holds one past its `consumer_timeout` (30 minutes by default).
    Side effects: at most one task message.
    """
    if (due_at - timezone.now()).total_seconds() <= settings.SAFETY_CHECKIN_ETA_HORIZON_SECONDS:
        checkin_timer_fire_at(timer_id, due_at)


def alert_notice_retry(alert_id: UUID, group_id: UUID, change: str) -> None:
    """Queue another delivery of a notice the group service could not take.

    Side effects: one task message, due in a couple of seconds.
    """
    app.send_task(
        alert_notice_deliver_task.name,
        args=[str(alert_id), str(group_id), change],
        countdown=NOTICE_RETRY_DELAY_SECONDS,
        queue=task_queue(),  # type: ignore[arg-type]  # kombu takes a Queue; the stubs say str
        retry=False,
    )
