"""The outbox relay against the real RabbitMQ (this session's own vhost)."""

from __future__ import annotations

import socket
import threading
import uuid

import pytest
from django.db import connection, transaction
from kombu import Exchange, Queue

from shared.messaging.models import OutboxMessage
from shared.messaging.outbox import outbox_enqueue
from shared.messaging.publisher import outbox_relay
from shared.messaging.schemas import UserBanned, UserUnbanned
from shared.messaging.testing import url_with_port
from shared.metrics import BAN_EVENTS_PUBLISHED

pytest_plugins = ["shared.messaging.testing.plugin"]


def enqueue(*events):
    with transaction.atomic():
        for event in events:
            outbox_enqueue(event=event)
    return events


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db
def test_relay_publishes_pending_rows_in_order_with_confirms_and_marks_them_sent(bus):
    # given
    probe = bus.probe_queue()
    user_id = uuid.uuid4()
    events = enqueue(
        UserBanned(user_id=user_id, reason="Spam links"),
        UserUnbanned(user_id=user_id, reason="Appeal granted"),
        UserBanned(user_id=uuid.uuid4(), reason="Harassment"),
    )

    # when
    result = outbox_relay()

    # then
    assert (result.published, result.failed, result.pending) == (3, False, 0)
    received = bus.drain(probe.name)
    assert [message.properties["message_id"] for message in received] == [
        str(event.event_id) for event in events
    ]
    assert [message.delivery_info["routing_key"] for message in received] == [
        "user.banned",
        "user.unbanned",
        "user.banned",
    ]
    assert [message.payload for message in received] == [event.to_dict() for event in events]
    assert {message.content_type for message in received} == {"application/json"}
    assert {message.properties["delivery_mode"] for message in received} == {2}
    rows = OutboxMessage.objects.order_by("created_at")
    assert all(row.published_at is not None for row in rows)
    assert [row.attempts for row in rows] == [1, 1, 1]


@pytest.mark.django_db
def test_relay_does_not_publish_a_sent_row_again(bus):
    probe = bus.probe_queue()
    enqueue(UserBanned(user_id=uuid.uuid4(), reason="Spam links"))
    outbox_relay()

    again = outbox_relay()

    assert again.published == 0
    assert len(bus.drain(probe.name)) == 1


@pytest.mark.django_db
def test_relay_counts_published_ban_events(bus):
    bus.probe_queue()
    enqueue(*(UserBanned(user_id=uuid.uuid4(), reason="Spam links") for _ in range(4)))
    before = BAN_EVENTS_PUBLISHED._value.get()

    outbox_relay()

    assert BAN_EVENTS_PUBLISHED._value.get() - before == 4


@pytest.mark.django_db
def test_broker_down_keeps_rows_pending_and_they_go_out_when_it_returns(bus):
    # given: the ban and its outbox row commit without touching the broker
    probe = bus.probe_queue()
    (event,) = enqueue(UserBanned(user_id=uuid.uuid4(), reason="Spam links"))
    down = url_with_port(bus.url, closed_port())

    # when
    result = outbox_relay(url=down)

    # then
    assert (result.published, result.failed, result.pending) == (0, True, 1)
    row = OutboxMessage.objects.get(id=event.event_id)
    assert row.published_at is None
    assert row.attempts == 1
    assert "Connection refused" in row.last_error or "ConnectionRefused" in row.last_error

    # when the broker is back
    result = outbox_relay()

    # then
    assert (result.published, result.pending) == (1, 0)
    assert [message.properties["message_id"] for message in bus.drain(probe.name)] == [
        str(event.event_id)
    ]
    row.refresh_from_db()
    assert (row.attempts, row.last_error) == (2, "")


@pytest.mark.django_db
def test_an_event_no_queue_would_receive_stays_pending(bus):
    # given no consumer queue is bound yet: the exchange would drop the message
    (event,) = enqueue(UserBanned(user_id=uuid.uuid4(), reason="Spam links"))

    result = outbox_relay()

    assert (result.published, result.failed) == (0, True)
    row = OutboxMessage.objects.get(id=event.event_id)
    assert row.published_at is None
    assert "NO_ROUTE" in row.last_error

    # once a queue is bound, the next run delivers it
    probe = bus.probe_queue()
    assert outbox_relay().published == 1
    assert len(bus.drain(probe.name)) == 1


@pytest.mark.django_db
def test_a_row_the_broker_returns_stays_pending_and_the_rest_of_its_batch_goes_out(bus):
    # given the second row goes to a routing key no queue is bound to
    probe = bus.probe_queue(routing_key="user.banned")
    first, second, third = enqueue(
        UserBanned(user_id=uuid.uuid4(), reason="Spam"),
        UserUnbanned(user_id=uuid.uuid4(), reason="Appeal"),
        UserBanned(user_id=uuid.uuid4(), reason="Spam"),
    )

    result = outbox_relay()

    assert (result.published, result.failed, result.pending) == (2, True, 1)
    assert [message.properties["message_id"] for message in bus.drain(probe.name)] == [
        str(first.event_id),
        str(third.event_id),
    ]
    row = OutboxMessage.objects.get(id=second.event_id)
    assert row.published_at is None
    assert "NO_ROUTE" in row.last_error


@pytest.mark.django_db
def test_a_row_the_broker_nacks_stays_pending(bus):
    # given the only queue refuses every message (full at length 0): the broker nacks
    refusing = Queue(
        "test.probe",
        exchange=Exchange("moderation.events", type="topic", durable=True),
        routing_key="#",
        queue_arguments={"x-max-length": 0, "x-overflow": "reject-publish"},
    )
    refusing(bus.connection().default_channel).declare()
    (event,) = enqueue(UserBanned(user_id=uuid.uuid4(), reason="Spam"))

    result = outbox_relay()

    assert (result.published, result.failed) == (0, True)
    row = OutboxMessage.objects.get(id=event.event_id)
    assert (row.published_at, row.attempts, row.last_error) == (None, 1, "nacked by the broker")


@pytest.mark.django_db
def test_rows_are_confirmed_in_batches(bus):
    probe = bus.probe_queue()
    events = enqueue(*(UserBanned(user_id=uuid.uuid4(), reason="Spam") for _ in range(25)))

    result = outbox_relay(batch_size=10)

    assert (result.published, result.pending) == (25, 0)
    assert [message.properties["message_id"] for message in bus.drain(probe.name)] == [
        str(event.event_id) for event in events
    ]


@pytest.mark.django_db(transaction=True)
def test_two_relays_side_by_side_never_publish_a_row_twice(bus):
    # given
    probe = bus.probe_queue()
    events = enqueue(*(UserBanned(user_id=uuid.uuid4(), reason="Spam") for _ in range(300)))
    results = []

    def relay() -> None:
        try:
            results.append(outbox_relay(batch_size=20))
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=relay) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then
    received = [message.properties["message_id"] for message in bus.drain(probe.name)]
    assert sorted(received) == sorted(str(event.event_id) for event in events)
    assert sum(result.published for result in results) == 300
    assert not OutboxMessage.objects.filter(published_at__isnull=True).exists()


@pytest.mark.django_db
def test_a_refused_row_does_not_hold_back_the_batches_behind_it(bus):
    # given the oldest row cannot be routed, and three batches of routable rows follow it
    probe = bus.probe_queue(routing_key="user.banned")
    (refused,) = enqueue(UserUnbanned(user_id=uuid.uuid4(), reason="Appeal"))
    events = enqueue(*(UserBanned(user_id=uuid.uuid4(), reason="Spam") for _ in range(12)))

    result = outbox_relay(batch_size=5)

    assert (result.published, result.failed, result.pending) == (12, True, 1)
    assert len(bus.drain(probe.name)) == len(events)
    assert OutboxMessage.objects.get(id=refused.event_id).attempts == 4  # tried in each batch
