"""The issue's outage test end to end: stop RabbitMQ, ban 20 users, start it: all 20 delivered.

Real processes: the moderation service's Celery worker and beat (the relay) and the user
service's worker (the consumer: its notifier tells each banned person), against this
session's RabbitMQ vhost and test database.
RabbitMQ is shared with other runs, so the outage is played by a TCP proxy in front of it that
refuses connections and cuts the open ones (`BrokerProxy`): for every process here the
broker is gone, and then back on the same address.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
from django.db import transaction

from moderation_service.celery import app
from shared.accounts.tests.factories import UserFactory
from shared.messaging.models import OutboxMessage
from shared.messaging.outbox import outbox_enqueue
from shared.messaging.schemas import UserBanned
from shared.messaging.testing import (
    BrokerProxy,
    WorkerProcess,
    celery_app_broker,
    test_database_url,
    wait_until,
)
from shared.notifications.kinds import NotificationKind
from shared.notifications.models import Notification

pytest_plugins = ["shared.messaging.testing.plugin"]
pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def broker(bus):
    proxy = BrokerProxy(bus.url).start()
    yield proxy
    proxy.stop()


@pytest.fixture
def processes(broker, tmp_path):
    env = {
        "DATABASE_URL": test_database_url(),
        "RABBITMQ_URL": broker.url,
        "OUTBOX_RELAY_INTERVAL_SECONDS": "0.5",
        "BAN_EXPIRY_INTERVAL_SECONDS": "3600",
    }
    started = [
        WorkerProcess.celery(
            "moderation_service",
            cwd=ROOT / "moderation_service",
            env={**env, "DJANGO_SETTINGS_MODULE": "moderation_service.settings"},
            log_path=tmp_path / "moderation-worker.log",
        ),
        WorkerProcess.celery(
            "moderation_service",
            "beat",
            cwd=ROOT / "moderation_service",
            env={**env, "DJANGO_SETTINGS_MODULE": "moderation_service.settings"},
            log_path=tmp_path / "moderation-beat.log",
            extra=["--schedule", str(tmp_path / "celerybeat-schedule")],
        ),
        WorkerProcess.celery(
            "user_service",
            cwd=ROOT / "user_service",
            env={**env, "DJANGO_SETTINGS_MODULE": "user_service.settings"},
            log_path=tmp_path / "user-worker.log",
        ),
    ]
    for process in started:
        process.start()
    yield started
    for process in started:
        process.stop()


def logs(processes) -> str:
    return "\n".join(process.output() for process in processes)


def test_bans_made_while_rabbitmq_is_down_are_all_delivered_when_it_returns(bus, broker, processes):
    # given every process is up and the user service's queue exists
    users = UserFactory.create_batch(20)
    # (four Celery processes start at once: on two busy cores that took over 30 s)
    wait_until(
        lambda: bus.queue_exists("user.notifications"),
        timeout=90,
        message=lambda: logs(processes),
    )

    # when RabbitMQ goes away and moderators ban 20 users
    broker.stop()
    started = time.monotonic()
    with celery_app_broker(app, broker.url):
        for user in users:
            with transaction.atomic():  # the moderation service's ban transaction
                outbox_enqueue(event=UserBanned(user_id=user.id, reason="Spam links"))
    elapsed = time.monotonic() - started

    # then every ban committed at once, and none could be delivered
    assert elapsed < 5
    time.sleep(1)
    assert OutboxMessage.objects.filter(published_at__isnull=True).count() == 20
    assert not Notification.objects.exists()

    # when RabbitMQ is back
    broker.start()

    # then the relay publishes the backlog and the user service handles every ban event
    ids = [user.id for user in users]
    banned_told = Notification.objects.filter(kind=NotificationKind.BANNED)
    wait_until(
        lambda: banned_told.filter(recipient_id__in=ids).count() == 20,
        timeout=45,
        message=lambda: logs(processes),
    )
    assert not OutboxMessage.objects.filter(published_at__isnull=True).exists()
    assert banned_told.count() == 20
    assert uuid.UUID(str(users[0].id))  # the ids are the accounts' own
