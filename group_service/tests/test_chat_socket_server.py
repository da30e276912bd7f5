"""The chat socket as clients meet it: served by a real daphne, over a real WebSocket.

What the ASGI test communicator cannot show: the close frames daphne puts on the wire, and what
a process still counts once a socket is gone.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from shared.groups.tests.factories import GroupFactory, MembershipFactory
from tests.live import (
    close_frame,
    daphne,
    next_frame,
    open_chat,
    open_sockets,
    service_environment,
    settled_open_sockets,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def served(oidc_provider):
    with daphne(service_environment(issuer=oidc_provider.issuer)) as port:
        yield port


def test_a_frame_over_16_kib_is_answered_then_closed_4009_and_the_socket_released(
    served, make_token
):
    crew = GroupFactory()
    token = make_token(sub=crew.created_by.keycloak_id)
    before = open_sockets(served)

    async def scenario() -> list[tuple[dict, int, str]]:
        seen = []
        for _ in range(3):
            chat = await open_chat(served, crew.id, token)
            await chat.send(json.dumps({"type": "message", "body": "x" * 17 * 1024}))
            error = await next_frame(chat, "error")
            seen.append((error, *await close_frame(chat)))
        return seen

    seen = asyncio.run(scenario())

    for error, code, reason in seen:
        assert error["code"] == "frame_too_large"
        assert (code, reason) == (4009, "frame_too_large")
    assert settled_open_sockets(served, before) == before


def test_a_banned_member_is_closed_4403_with_the_reason_in_the_close_frame(served, make_token):
    crew = GroupFactory()
    member = MembershipFactory(group=crew).user
    member.is_banned = True
    member.save(update_fields=["is_banned"])

    async def scenario() -> tuple[dict, int, str]:
        chat = await open_chat(served, crew.id, make_token(sub=member.keycloak_id), ready=False)
        error = await next_frame(chat, "error")
        return (error, *await close_frame(chat))

    error, code, reason = asyncio.run(scenario())

    assert error["code"] == "user_banned"
    assert (code, reason) == (4403, "user_banned")


def test_a_client_without_an_origin_header_chats_through_the_server(served, make_token):
    import websockets

    crew = GroupFactory()
    token = make_token(sub=crew.created_by.keycloak_id)

    async def scenario() -> dict:
        chat = await websockets.connect(
            f"ws://127.0.0.1:{served}/ws/groups/{crew.id}/chat/",
            subprotocols=["crewup.chat.v1", f"bearer.{token}"],
        )
        ready = await next_frame(chat, "ready")
        await chat.close()
        return ready

    assert asyncio.run(scenario())["group_id"] == str(crew.id)
