"""Fault test of the issue: SIGKILL the user-service worker while it handles 200 ban events
(the notifier tells each banned person).

A real `celery worker` subprocess consumes from this session's RabbitMQ vhost and writes to
this session's test database. With late acknowledgement every ban is applied exactly once;
with acknowledgement on receipt (Celery's default) the event in flight at the kill is lost,
which shows the test detects a loss.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import transaction

from shared.accounts.tests.factories import UserFactory
from shared.messaging.consumer_step import event_topology_declare
from shared.messaging.models import ProcessedEvent
from shared.messaging.outbox import outbox_enqueue
from shared.messaging.publisher import outbox_relay
from shared.messaging.schemas import UserBanned
from shared.messaging.testing import WorkerProcess, test_database_url, wait_until
from shared.notifications.kinds import NotificationKind
from shared.notifications.models import Notification

pytest_plugins = ["shared.messaging.testing.plugin"]
pytestmark = pytest.mark.django_db(transaction=True)

SERVICE_DIR = Path(__file__).resolve().parent.parent
BANS = 200
HOLD_AT = 80
CONSUMER = "user.notifications"


def applied_log(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


@pytest.mark.parametrize(
    ("acks_late", "expected_applied"),
    [(True, BANS), (False, BANS - 1)],
    ids=["late_ack_case", "early_ack_loses_one_case"],
)
def test_a_worker_killed_mid_ban_loses_none_and_applies_none_twice(
    bus, tmp_path, acks_late, expected_applied
):
    # given 200 ban events on the user service's queue
    users = UserFactory.create_batch(BANS)
    event_topology_declare(
        bus.connection().channel(),
        service="user",
        routing_keys=["user.banned"],
        topic="notifications",
    )
    with transaction.atomic():
        for user in users:
            outbox_enqueue(event=UserBanned(user_id=user.id, reason="Spam links"))
    assert outbox_relay().published == BANS
    hold_file, log = tmp_path / "in-flight", tmp_path / "applied"
    env = {
        "DJANGO_SETTINGS_MODULE": "user_service.settings",
        "PYTHONPATH": str(SERVICE_DIR),
        "DATABASE_URL": test_database_url(),
        "RABBITMQ_URL": bus.url,
        "BAN_APPLY_DELAY_MS": "10",
        "BAN_APPLY_HOLD_AT": str(HOLD_AT),
        "BAN_APPLY_HOLD_FILE": str(hold_file),
        "BAN_APPLY_LOG": str(log),
        "FAULT_ACKS_LATE": "true" if acks_late else "false",
    }

    # when the worker is killed in the middle of a ban
    first = WorkerProcess.celery(
        "tests.fault_worker", cwd=SERVICE_DIR, env=env, log_path=tmp_path / "first.log"
    ).start()
    try:
        wait_until(hold_file.exists, timeout=60, message=first.output)
    finally:
        first.kill()
    in_flight = hold_file.read_text()
    assert len(applied_log(log)) == HOLD_AT - 1

    # and a new worker takes over
    second = WorkerProcess.celery(
        "tests.fault_worker",
        cwd=SERVICE_DIR,
        env={**env, "BAN_APPLY_HOLD_AT": "0"},
        log_path=tmp_path / "second.log",
    ).start()
    try:
        wait_until(
            lambda: ProcessedEvent.objects.filter(consumer=CONSUMER).count() >= expected_applied,
            timeout=60,
            message=second.output,
        )
    finally:
        second.stop()

    # then
    applied = applied_log(log)
    assert len(applied) == len(set(applied)) == expected_applied  # none twice
    assert ProcessedEvent.objects.filter(consumer=CONSUMER).count() == expected_applied
    assert Notification.objects.filter(kind=NotificationKind.BANNED).count() == expected_applied
    assert (in_flight in applied) is acks_late
    assert bus.depth("user.notifications") == 0
    assert bus.depth("user.notifications.dlq") == 0
