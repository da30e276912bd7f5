"""Check-in timers fire by themselves: a real Celery worker, the real RabbitMQ, the real services.

The worker subprocess runs `celery -A safety_service worker` on this run's own queue, against
the test database, the live group and event services and the test identity provider (for
its service token). Nobody calls the timer's firing: the ETA task queued when it was set does,
or beat's sweep when that message is lost.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from safety_service.tasks import checkin_timer_sweep_task
from shared.groups.tests.factories import GroupFactory, MembershipFactory
from shared.safety.models import Alert, AlertType, CheckInStatus, CheckInTimer
from shared.safety.tests.factories import CheckInTimerFactory
from shared.safety.tests.fakes import SERVICE_CLIENT_ID, SERVICE_CLIENT_SECRET
from shared.testing.factories import point_near
from tests import live as live_processes
from tests.test_end_to_end import in_thread, next_frame, open_chat

pytestmark = pytest.mark.django_db(transaction=True)

CHECK_INS = "/api/v1/safety/check-ins/"


def wait_until(predicate: Callable[[], bool], *, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s: {message}")
        time.sleep(0.1)


def start_safety_worker(live_services: Any, queue: str) -> live_processes.Process:
    """A safety worker on `queue`, calling the live services as the safety service."""
    worker = live_processes.safety_worker(
        {
            **live_services.env,
            "SAFETY_TASK_QUEUE": queue,
            "GROUP_SERVICE_URL": live_services.group.url,
            "EVENT_SERVICE_URL": live_services.event.url,
            "SERVICE_CLIENT_ID": SERVICE_CLIENT_ID,
            "SERVICE_CLIENT_SECRET": SERVICE_CLIENT_SECRET,
        }
    )
    wait_until(
        lambda: "ready." in worker.log_path.read_text(errors="replace") or not worker.alive(),
        timeout=60,
        message="the worker to start",
    )
    assert worker.alive(), worker.output()
    return worker


@pytest.fixture
def start_worker(live: Any, settings: Any) -> Iterator[Callable[[], live_processes.Process]]:
    """Start workers on a queue of this test's own; they exit before the database is flushed.

    A worker that outlived its test could still be firing a timer (holding its rows) while the
    next test flushes the database, or raise an alert into it.
    """
    settings.SAFETY_TASK_QUEUE = f"{django_settings.SAFETY_TASK_QUEUE}.{uuid.uuid4().hex[:6]}"
    workers: list[live_processes.Process] = []

    def start() -> live_processes.Process:
        workers.append(start_safety_worker(live, settings.SAFETY_TASK_QUEUE))
        return workers[-1]

    yield start
    for process in workers:
        process.stop()
    delete_queue(settings.SAFETY_TASK_QUEUE)


@pytest.fixture
def worker(start_worker: Callable[[], live_processes.Process]) -> live_processes.Process:
    """One worker on this test's own queue."""
    return start_worker()


def delete_queue(name: str) -> None:
    from kombu import Connection

    from safety_service.celery import app

    with Connection(app.conf.broker_url, connect_timeout=2) as connection:
        connection.default_channel.queue_delete(name)


@pytest.fixture
def crew() -> tuple[Any, Any, Any]:
    group = GroupFactory()
    return group, group.created_by, MembershipFactory(group=group).user


def test_a_missed_check_in_raises_the_alert_by_itself(live, crew, worker, make_token, auth_client):
    # given: a worker, and a member of the crew on its chat
    group, walker, friend = crew
    where = point_near(65.584, 22.154, 1)

    async def scenario() -> tuple[int, dict[str, Any]]:
        chat = await open_chat(live.group.port, group.id, make_token(sub=friend.keycloak_id))
        # when: the walker sets a check-in two seconds ahead, and does not check in
        response = await in_thread(
            lambda: auth_client(user=walker).post(
                CHECK_INS,
                {
                    "group_id": str(group.id),
                    "due_at": (timezone.now() + timedelta(seconds=2)).isoformat(),
                    "message": "Walking home along the river.",
                    "location": {"lat": where.y, "lng": where.x},
                },
                format="json",
            )
        )
        # then: the crew gets the alert live, with the last known location
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while True:
            try:
                frame = await next_frame(chat, "safety_alert", change="raised")
                break
            except TimeoutError:
                if loop.time() > deadline:
                    raise
        await chat.close()
        return response.status_code, frame

    status, frame = asyncio.run(scenario())

    assert status == 201
    alert = Alert.objects.get()
    assert (alert.alert_type, alert.sender_id) == (AlertType.MISSED_CHECK_IN, walker.id)
    assert frame["alert_id"] == str(alert.id)
    assert frame["alert"]["alert_type"] == "missed_check_in"
    assert frame["alert"]["location"] == {"lat": where.y, "lng": where.x}
    assert frame["alert"]["message"] == "Walking home along the river."
    timer = CheckInTimer.objects.get()
    assert (timer.status, timer.fired_alert) == (CheckInStatus.FIRED, alert)
    assert alert.created_at >= timer.due_at
    assert datetime.fromisoformat(frame["alert"]["check_in_due_at"]) == timer.due_at


def test_a_timer_checked_in_in_time_does_not_fire(live, crew, worker, auth_client):
    group, walker, _ = crew
    client = auth_client(user=walker)
    due = timezone.now() + timedelta(seconds=2)
    timer_id = client.post(
        CHECK_INS, {"group_id": str(group.id), "due_at": due.isoformat()}, format="json"
    ).json()["id"]

    client.post(f"{CHECK_INS}{timer_id}/check-in/", {}, format="json")
    time.sleep(max(0.0, (due - timezone.now()).total_seconds()) + 2)

    assert not Alert.objects.exists()
    assert CheckInTimer.objects.get().status == CheckInStatus.CHECKED_IN


def test_a_timer_survives_a_worker_crash(live, crew, start_worker, auth_client):
    # given: a worker holding the timer's ETA message
    group, walker, _ = crew
    first = start_worker()
    due = timezone.now() + timedelta(seconds=4)
    auth_client(user=walker).post(
        CHECK_INS, {"group_id": str(group.id), "due_at": due.isoformat()}, format="json"
    )
    wait_until(
        lambda: "checkin_timer_fire_task" in first.log_path.read_text(errors="replace"),
        timeout=10,
        message="the worker to receive the ETA task",
    )
    # when: it dies before the time, without acknowledging, and another worker starts
    first.kill()
    start_worker()
    # then: the message went back to the queue and the new worker fires the timer on time
    wait_until(lambda: Alert.objects.exists(), timeout=20, message="the timer to fire")
    alert = Alert.objects.get()
    assert alert.alert_type == AlertType.MISSED_CHECK_IN
    assert alert.created_at >= due
    assert CheckInTimer.objects.get().status == CheckInStatus.FIRED


def test_the_sweep_fires_an_overdue_timer_whose_schedule_was_lost(live, crew):
    # given: an overdue timer that no task was ever queued for
    group, walker, _ = crew
    timer = CheckInTimerFactory(
        user=walker, group=group, due_at=timezone.now() - timedelta(minutes=3)
    )
    # when: beat runs the sweep (here, in this process)
    fired = checkin_timer_sweep_task.apply().get()
    # then: the alert went out through the group service, and the timer is done
    assert fired == 1
    alert = Alert.objects.get()
    assert alert.targets.get().delivered_at is not None
    timer.refresh_from_db()
    assert (timer.status, timer.fired_alert) == (CheckInStatus.FIRED, alert)


def test_the_sweep_schedules_timers_set_beyond_the_eta_horizon(live, crew, worker):
    # given: a timer set with no ETA task (as one set hours ahead is), now about to fall due
    group, walker, _ = crew
    due = timezone.now() + timedelta(seconds=3)
    CheckInTimerFactory(user=walker, group=group, due_at=due)
    # when: the sweep runs before it falls due
    assert checkin_timer_sweep_task.apply().get() == 0
    # then: the ETA task it queued fires the timer at its time, in the worker
    wait_until(lambda: Alert.objects.exists(), timeout=20, message="the timer to fire")
    assert Alert.objects.get().created_at >= due
