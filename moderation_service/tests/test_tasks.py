"""The moderation service's bus tasks: the relay (on commit and from beat) and ban expiry."""

from __future__ import annotations

import socket
import sys
import time
import types
import uuid
from datetime import UTC, datetime

import pytest
from django.db import transaction

from moderation_service.celery import app
from moderation_service.tasks import ban_expire_due_task, outbox_relay_soon, outbox_relay_task
from moderation_service.wiring import TASK_QUEUE
from shared.messaging.hooks import outbox_written
from shared.messaging.models import OutboxMessage
from shared.messaging.outbox import outbox_enqueue
from shared.messaging.schemas import UserBanned
from shared.messaging.testing import celery_app_broker, url_with_port

pytest_plugins = ["shared.messaging.testing.plugin"]


def ban(*, count: int = 1) -> list[UserBanned]:
    """What the moderation app's ban service does for the bus: an outbox row in its transaction."""
    events = [UserBanned(user_id=uuid.uuid4(), reason="Spam links") for _ in range(count)]
    with transaction.atomic():
        for event in events:
            outbox_enqueue(event=event)
    return events


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db
def test_the_relay_task_publishes_the_pending_rows(bus):
    probe = bus.probe_queue()
    events = ban(count=3)

    published = outbox_relay_task.apply().get()

    assert published == 3
    assert [message.properties["message_id"] for message in bus.drain(probe.name)] == [
        str(event.event_id) for event in events
    ]
    assert not OutboxMessage.objects.filter(published_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_a_committed_ban_queues_the_relay_task_once_per_transaction(bus):
    with celery_app_broker(app, bus.url):
        ban(count=5)

    (task,) = bus.drain(TASK_QUEUE)
    assert task.headers["task"] == "moderation_service.tasks.outbox_relay_task"
    assert task.headers["expires"] is not None


@pytest.mark.django_db(transaction=True)
def test_a_ban_commits_and_returns_quickly_while_the_broker_is_down(bus):
    # given
    down = url_with_port(bus.url, closed_port())

    # when
    with celery_app_broker(app, down):
        started = time.monotonic()
        (event,) = ban()
        elapsed = time.monotonic() - started

    # then
    assert elapsed < 2
    row = OutboxMessage.objects.get(id=event.event_id)
    assert row.published_at is None
    assert bus.depth(TASK_QUEUE) == 0


def test_the_relay_trigger_is_connected_to_the_outbox_hook():
    assert outbox_relay_soon in outbox_written.callbacks


def test_beat_runs_the_relay_and_the_ban_expiry_periodically(settings):
    schedule = app.conf.beat_schedule

    assert schedule["outbox-relay"]["task"] == "moderation_service.tasks.outbox_relay_task"
    assert schedule["outbox-relay"]["schedule"] == settings.OUTBOX_RELAY_INTERVAL_SECONDS == 2.0
    assert schedule["outbox-relay"]["options"] == {"expires": 2.0}
    assert schedule["ban-expire-due"]["task"] == "moderation_service.tasks.ban_expire_due_task"
    assert schedule["ban-expire-due"]["schedule"] == settings.BAN_EXPIRY_INTERVAL_SECONDS
    assert schedule["ban-expire-due"]["options"] == {
        "expires": settings.BAN_EXPIRY_INTERVAL_SECONDS
    }
    assert app.conf.task_default_queue == TASK_QUEUE
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True


def test_the_expiry_task_lifts_the_due_bans_through_the_moderation_app(monkeypatch):
    # given a stand-in for shared.moderation.services (written alongside, in another branch)
    calls = []
    services = types.ModuleType("shared.moderation.services")
    services.ban_expire_due = lambda *, now: calls.append(now) or 2
    if "shared.moderation" not in sys.modules:
        monkeypatch.setitem(sys.modules, "shared.moderation", types.ModuleType("shared.moderation"))
    monkeypatch.setitem(sys.modules, "shared.moderation.services", services)

    # when
    expired = ban_expire_due_task.apply().get()

    # then
    assert expired == 2
    (now,) = calls
    assert now.tzinfo is not None
    assert abs((datetime.now(tz=UTC) - now).total_seconds()) < 5


@pytest.mark.django_db
def test_metrics_export_the_backlog_and_the_published_ban_events(bus, client):
    bus.probe_queue()
    ban(count=2)
    outbox_relay_task.apply()
    ban(count=3)

    body = client.get("/metrics").content.decode()

    assert 'outbox_backlog{service="moderation"} 3.0' in body
    assert "ban_events_published_total{" in body


def test_the_expiry_task_says_so_while_the_moderation_app_is_missing(monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "shared.moderation.services", None)

    assert ban_expire_due_task.apply().get() is None
    assert "ban expiry is not available" in caplog.text
