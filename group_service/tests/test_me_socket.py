"""The person's own socket `/ws/me/`: notifications and crew changes, live, to them alone."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from group_service.asgi import application
from shared.accounts.tests.factories import UserFactory
from shared.groups.services import group_join
from shared.groups.tests.factories import GroupFactory
from shared.notifications.kinds import NotificationKind
from shared.notifications.services import notifications_mark_all_read, notify

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

ORIGIN = (b"origin", b"http://127.0.0.1:8080")


def me_socket(token: str | None = None) -> WebsocketCommunicator:
    protocols = ["crewup.chat.v1"] + ([f"bearer.{token}"] if token else [])
    return WebsocketCommunicator(application, "/ws/me/", headers=[ORIGIN], subprotocols=protocols)


def token_for(make_token, user) -> str:
    return make_token(sub=user.keycloak_id, username=user.username)


async def connected(communicator: WebsocketCommunicator) -> dict[str, Any]:
    ok, subprotocol = await communicator.connect()
    assert ok
    assert subprotocol == "crewup.chat.v1"
    ready = await communicator.receive_json_from(timeout=3)
    assert ready["type"] == "ready"
    return ready


async def closed_with(communicator: WebsocketCommunicator) -> int:
    while True:
        output = await communicator.receive_output(timeout=3)
        if output["type"] == "websocket.close":
            return output["code"]


def _tell(user: Any, key: str) -> None:
    notify(
        recipient_ids=[user.id],
        kind=NotificationKind.JOIN_APPROVED,
        payload={"group_id": "5f1c2c0e-2a3b-4c5d-8e9f-0a1b2c3d4e5f", "group_name": "Front row"},
        dedupe_key=key,
    )


async def test_a_new_notification_reaches_its_recipient_live_and_nobody_else(make_token):
    # given
    alice, bob = (
        await database_sync_to_async(UserFactory)(),
        await database_sync_to_async(UserFactory)(),
    )
    await database_sync_to_async(_tell)(alice, "before")
    alice_socket, bob_socket = (
        me_socket(token_for(make_token, alice)),
        me_socket(token_for(make_token, bob)),
    )
    assert (await connected(alice_socket))["unread_count"] == 1
    assert (await connected(bob_socket))["unread_count"] == 0
    # when
    await database_sync_to_async(_tell)(alice, "live")
    # then
    frame = await alice_socket.receive_json_from(timeout=3)
    assert frame["type"] == "notification"
    assert frame["unread_count"] == 2
    assert frame["notification"]["payload"]["group_name"] == "Front row"
    assert await bob_socket.receive_nothing(timeout=0.3)
    # and reading everything elsewhere updates the count
    await database_sync_to_async(notifications_mark_all_read)(user_id=alice.id)
    assert await alice_socket.receive_json_from(timeout=3) == {"type": "unread", "unread_count": 0}
    await alice_socket.disconnect()
    await bob_socket.disconnect()


async def test_joining_a_crew_tells_the_members_own_socket(make_token):
    user = await database_sync_to_async(UserFactory)()
    group = await database_sync_to_async(GroupFactory)()
    communicator = me_socket(token_for(make_token, user))
    await connected(communicator)
    await database_sync_to_async(group_join)(group_id=group.id, user_id=user.id)
    frame = await communicator.receive_json_from(timeout=3)
    assert frame == {"type": "membership", "group_id": str(group.id), "change": "joined"}
    await communicator.disconnect()


async def test_without_a_token_the_socket_closes_4401():
    communicator = me_socket()
    ok, _ = await communicator.connect()
    assert ok
    assert await closed_with(communicator) == 4401


async def test_an_auth_frame_signs_in_and_a_ping_is_answered(make_token):
    user = await database_sync_to_async(UserFactory)()
    communicator = me_socket()
    await communicator.connect()
    await communicator.send_json_to({"type": "auth", "token": token_for(make_token, user)})
    assert (await communicator.receive_json_from(timeout=3))["type"] == "ready"
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=3) == {"type": "pong"}
    await communicator.disconnect()


async def test_a_banned_user_is_closed_4403(make_token):
    user = await database_sync_to_async(UserFactory)(is_banned=True)
    communicator = me_socket(token_for(make_token, user))
    await communicator.connect()
    assert await closed_with(communicator) == 4403
