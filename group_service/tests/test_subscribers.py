"""The group service's ban handler end to end: a ban event on the real RabbitMQ, consumed by
the service's consumer step, closes the user's live chat socket through the real Redis layer."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connection, transaction
from django.utils import timezone

from group_service.asgi import application
from group_service.celery import app
from group_service.subscribers import on_user_banned
from group_service.wiring import EVENT_HANDLERS
from shared.groups.tests.factories import GroupFactory, MembershipFactory
from shared.messaging.consumer_step import EventConsumerStep
from shared.messaging.models import ProcessedEvent
from shared.messaging.outbox import outbox_enqueue
from shared.messaging.publisher import outbox_relay
from shared.messaging.schemas import UserBanned

pytest_plugins = ["shared.messaging.testing.plugin"]
pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://127.0.0.1:8080")


@pytest.fixture
def member():
    return MembershipFactory(group=GroupFactory())


async def open_socket(membership, make_token) -> WebsocketCommunicator:
    user = membership.user
    token = make_token(sub=user.keycloak_id, username=user.username)
    communicator = WebsocketCommunicator(
        application,
        f"/ws/groups/{membership.group_id}/chat/",
        headers=[ORIGIN],
        subprotocols=["crewup.chat.v1", f"bearer.{token}"],
    )
    connected, _ = await communicator.connect()
    assert connected
    while (await communicator.receive_json_from(timeout=3))["type"] != "ready":
        pass
    return communicator


async def closed_with(communicator: WebsocketCommunicator, timeout: float = 3) -> int | None:
    while True:
        output = await communicator.receive_output(timeout=timeout)
        if output["type"] == "websocket.close":
            return output["code"]


def publish_and_consume(bus, event: UserBanned) -> None:
    """Write the ban to the outbox, relay it, and let the group service's step consume it."""
    try:
        channel = bus.connection().channel()
        step = EventConsumerStep.configure(service="group", handlers=EVENT_HANDLERS)()
        consumers = step.get_consumers(channel)
        for consumer in consumers:
            consumer.consume()
        with transaction.atomic():
            outbox_enqueue(event=event)
        assert outbox_relay().published == 1
        while True:
            try:
                bus.connection().drain_events(timeout=0.3)
            except TimeoutError:
                break
        for consumer in consumers:
            consumer.cancel()
    finally:
        connection.close()


@pytest.mark.asyncio
async def test_a_ban_event_closes_the_users_open_chat_socket(bus, member, make_token):
    # given
    communicator = await open_socket(member, make_token)
    event = UserBanned(user_id=member.user_id, reason="Harassment in chat")

    # when
    await asyncio.to_thread(publish_and_consume, bus, event)

    # then
    assert await closed_with(communicator) == 4403
    assert await database_sync_to_async(
        ProcessedEvent.objects.filter(consumer="group", event_id=event.event_id).exists
    )()
    assert bus.depth("group.moderation-events.dlq") == 0


@pytest.mark.asyncio
async def test_a_ban_that_already_ended_closes_nothing(bus, member, make_token):
    communicator = await open_socket(member, make_token)
    event = UserBanned(
        user_id=member.user_id,
        reason="Harassment in chat",
        until=timezone.now() - timedelta(minutes=1),
    )

    await asyncio.to_thread(publish_and_consume, bus, event)

    await communicator.send_json_to({"type": "message", "body": "still here", "client_id": "c1"})
    while (frame := await communicator.receive_json_from(timeout=3))["type"] != "ack":
        assert frame["type"] != "error"
    await communicator.disconnect()


@pytest.mark.django_db
def test_the_worker_consumes_bans_only_with_late_acknowledgement():
    (step,) = [step for step in app.steps["consumer"] if getattr(step, "service", "") == "group"]

    assert step.handlers == {"user.banned": on_user_banned}
    assert step.acks_late is True
    assert app.conf.task_default_queue == "group.tasks"
