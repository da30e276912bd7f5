"""The after-commit relay thread: rows a request committed go out without a worker or beat."""

from __future__ import annotations

import uuid

import pytest
from django.db import transaction

from shared.messaging.background import outbox_relay_in_background
from shared.messaging.hooks import outbox_written
from shared.messaging.models import OutboxMessage
from shared.messaging.outbox import outbox_enqueue
from shared.messaging.schemas import SAFETY_EXCHANGE, AlertRaised
from shared.messaging.testing import wait_until

pytest_plugins = ["shared.messaging.testing.plugin"]
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def relay_thread_on():
    """The hook connected, as `MessagingConfig.ready` does in every service (not in tests)."""
    with outbox_written.connected(outbox_relay_in_background):
        yield


def test_committed_rows_are_published_by_the_relay_thread(bus, relay_thread_on):
    probe = bus.probe_queue(exchange=SAFETY_EXCHANGE)
    event = AlertRaised(
        alert_id=uuid.uuid4(),
        sender_id=uuid.uuid4(),
        alert_type="help",
        message="",
        group_ids=(uuid.uuid4(),),
        has_location=False,
    )
    # when a transaction writes an event and commits
    with transaction.atomic():
        outbox_enqueue(event=event)
    # then the thread publishes it, confirmed, without anyone running the relay
    wait_until(
        lambda: OutboxMessage.objects.filter(
            id=event.event_id, published_at__isnull=False
        ).exists(),
        timeout=10,
    )
    (received,) = bus.drain(probe.name)
    assert received.properties["message_id"] == str(event.event_id)
    assert received.delivery_info["routing_key"] == "alert.raised"
