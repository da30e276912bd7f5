"""The event consumer step against the real RabbitMQ: the step runs in this process, on a real
channel of this session's vhost; the worker subprocess tests live in the services' suites."""

from __future__ import annotations

import contextlib
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from shared.accounts.errors import UserNotFound
from shared.accounts.models import User
from shared.accounts.services import user_ban_state_write
from shared.accounts.tests.factories import UserFactory
from shared.messaging.consumer_step import EventConsumerStep, event_topology_declare
from shared.messaging.models import ProcessedEvent
from shared.messaging.schemas import UserBanned
from shared.metrics import BAN_EVENTS_APPLIED

pytest_plugins = ["shared.messaging.testing.plugin"]

QUEUE = "test.moderation-events"
DLQ = "test.moderation-events.dlq"


class Handler:
    """Apply bans (a real DB effect) and count the calls; fail the first `failures` calls."""

    def __init__(self, failures: int = 0) -> None:
        self.calls = 0
        self.failures = failures

    def __call__(self, event: UserBanned) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise RuntimeError("the handler crashed")
        # An event about nobody is done with, as the services' handlers do.
        with contextlib.suppress(UserNotFound):
            user_ban_state_write(
                user_id=event.user_id,
                banned=True,
                until=event.until,
                occurred_at=event.occurred_at,
            )


@pytest.fixture
def fast_retries(settings):
    settings.EVENT_CONSUMER_RETRY_BACKOFF_SECONDS = 0
    settings.EVENT_CONSUMER_MAX_DELIVERIES = 3


def start_step(bus, handler, *, acks_late=True):
    step = EventConsumerStep.configure(
        service="test", handlers={"user.banned": handler}, acks_late=acks_late
    )()
    channel = bus.connection().channel()
    consumers = step.get_consumers(channel)
    for consumer in consumers:
        consumer.consume()
    return consumers


def drain(bus, *, idle: float = 0.3) -> None:
    """Deliver to the step until nothing arrives for `idle` seconds."""
    while True:
        try:
            bus.connection().drain_events(timeout=idle)
        except TimeoutError:
            return


def stop(consumers) -> None:
    for consumer in consumers:
        consumer.cancel()


@pytest.mark.django_db
def test_an_event_is_applied_recorded_and_acknowledged(bus):
    # given
    user = UserFactory()
    handler = Handler()
    consumers = start_step(bus, handler)
    event = UserBanned(
        user_id=user.id, reason="Spam links", until=timezone.now() + timedelta(days=1)
    )
    before = BAN_EVENTS_APPLIED._value.get()

    # when
    bus.publish_raw(event.to_dict(), routing_key="user.banned", message_id=str(event.event_id))
    drain(bus)
    stop(consumers)

    # then
    user.refresh_from_db()
    assert (user.is_banned, user.banned_until, user.ban_event_at) == (
        True,
        event.until,
        event.occurred_at,
    )
    assert ProcessedEvent.objects.filter(consumer="test", event_id=event.event_id).exists()
    assert BAN_EVENTS_APPLIED._value.get() - before == 1
    assert (bus.depth(QUEUE), bus.depth(DLQ)) == (0, 0)


@pytest.mark.django_db
def test_the_same_event_twice_has_the_effect_of_one(bus):
    user = UserFactory()
    handler = Handler()
    consumers = start_step(bus, handler)
    event = UserBanned(user_id=user.id, reason="Spam links")

    for _ in range(2):
        bus.publish_raw(event.to_dict(), routing_key="user.banned")
    drain(bus)
    stop(consumers)

    assert handler.calls == 1
    assert ProcessedEvent.objects.filter(event_id=event.event_id).count() == 1
    assert (bus.depth(QUEUE), bus.depth(DLQ)) == (0, 0)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ({"schema_version": 1, "event_id": "not-a-uuid"}, None),
        ({"schema_version": 99}, None),
        ("not an object", None),
        ("{ truncated json", "application/json"),
        ("plain text", "text/plain"),
    ],
    ids=[
        "bad_field_case",
        "wrong_version_case",
        "not_an_object_case",
        "broken_json_case",
        "not_json_case",
    ],
)
@pytest.mark.django_db
def test_a_poison_message_goes_to_the_dead_letter_queue_once(bus, body, content_type):
    # given
    handler = Handler()
    consumers = start_step(bus, handler)

    # when
    bus.publish_raw(
        body, routing_key="user.banned", message_id="poison-1", content_type=content_type
    )
    drain(bus)
    stop(consumers)

    # then: not handled, not requeued, kept in the DLQ for a human
    assert handler.calls == 0
    assert bus.depth(QUEUE) == 0
    (dead,) = bus.drain(DLQ)
    assert dead.properties["message_id"] == "poison-1"
    assert not ProcessedEvent.objects.exists()


@pytest.mark.django_db
def test_a_handler_that_keeps_failing_is_retried_a_bounded_number_of_times_then_dead_lettered(
    bus, fast_retries
):
    # given
    user = UserFactory()
    handler = Handler(failures=100)
    consumers = start_step(bus, handler)
    event = UserBanned(user_id=user.id, reason="Spam links")

    # when
    bus.publish_raw(event.to_dict(), routing_key="user.banned", message_id=str(event.event_id))
    drain(bus)
    stop(consumers)

    # then
    assert handler.calls == 3  # EVENT_CONSUMER_MAX_DELIVERIES
    (dead,) = bus.drain(DLQ)
    assert dead.properties["message_id"] == str(event.event_id)
    assert not ProcessedEvent.objects.exists()
    assert User.objects.get(id=user.id).is_banned is False


@pytest.mark.django_db
def test_a_handler_that_fails_once_is_retried_and_applies_once(bus, fast_retries):
    user = UserFactory()
    handler = Handler(failures=1)
    consumers = start_step(bus, handler)
    event = UserBanned(user_id=user.id, reason="Spam links")

    bus.publish_raw(event.to_dict(), routing_key="user.banned")
    drain(bus)
    stop(consumers)

    assert handler.calls == 2
    assert ProcessedEvent.objects.filter(event_id=event.event_id).count() == 1
    assert User.objects.get(id=user.id).is_banned is True
    assert (bus.depth(QUEUE), bus.depth(DLQ)) == (0, 0)


def test_the_retry_delay_grows_and_is_capped(settings):
    settings.EVENT_CONSUMER_RETRY_BACKOFF_SECONDS = 0.5
    settings.EVENT_CONSUMER_RETRY_BACKOFF_MAX_SECONDS = 3

    delays = [EventConsumerStep.retry_delay(delivery) for delivery in (1, 2, 3, 4, 5)]

    assert delays == [0.5, 1.0, 2.0, 3.0, 3.0]


@pytest.mark.django_db
def test_the_queue_is_a_durable_quorum_queue_bound_to_the_handled_keys_only(bus):
    channel = bus.connection().channel()
    queue = event_topology_declare(channel, service="test", routing_keys=["user.banned"])

    bus.publish_raw({"irrelevant": True}, routing_key="user.unbanned")  # not bound: dropped

    assert queue.durable is True
    assert queue.queue_arguments["x-queue-type"] == "quorum"
    assert queue.queue_arguments["x-dead-letter-exchange"] == "test.dead-letter"
    assert [binding.routing_key for binding in queue.bindings] == ["user.banned"]
    assert bus.depth(QUEUE) == 0


def test_a_step_needs_handlers():
    with pytest.raises(ValueError, match="at least one handler"):
        EventConsumerStep.configure(service="test", handlers={})


@pytest.mark.django_db
def test_an_unknown_user_is_acknowledged_and_recorded(bus):
    handler = Handler()
    consumers = start_step(bus, handler)
    event = UserBanned(user_id=uuid.uuid4(), reason="Spam links")

    bus.publish_raw(event.to_dict(), routing_key="user.banned")
    drain(bus)
    stop(consumers)

    assert handler.calls == 1
    assert (bus.depth(QUEUE), bus.depth(DLQ)) == (0, 0)
