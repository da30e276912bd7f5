"""The chat socket end to end: real tokens, real PostgreSQL, the real Redis channel layer."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import logging.config
import re
from typing import Any
from unittest import mock

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from prometheus_client import REGISTRY
from redis.exceptions import ResponseError

from group_service.asgi import application
from group_service.fanout import chat_fanout
from shared.accounts.models import User
from shared.accounts.services import user_anonymise
from shared.accounts.tests.factories import UserFactory
from shared.chat import live_state, realtime
from shared.chat.models import Message
from shared.core.redis import async_redis_client
from shared.groups.tests.factories import GroupFactory, MembershipFactory

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

ORIGIN = (b"origin", b"http://127.0.0.1:8080")


@pytest.fixture
def crew():
    group = GroupFactory()
    member = MembershipFactory(group=group).user
    return group, group.created_by, member


def socket(
    group_id: Any, token: str | None = None, *, query: str = "", origin=ORIGIN, headers=()
) -> WebsocketCommunicator:
    protocols = ["crewup.chat.v1"] + ([f"bearer.{token}"] if token else [])
    path = f"/ws/groups/{group_id}/chat/" + (f"?{query}" if query else "")
    headers = [*([origin] if origin else []), *headers]
    return WebsocketCommunicator(application, path, headers=headers, subprotocols=protocols)


async def connect(communicator: WebsocketCommunicator) -> dict[str, Any]:
    connected, subprotocol = await communicator.connect()
    assert connected
    assert subprotocol == "crewup.chat.v1"  # the token is never echoed back
    ready = await communicator.receive_json_from(timeout=3)
    assert ready["type"] == "ready"
    return ready


async def next_of(
    communicator: WebsocketCommunicator, kind: str, timeout: float = 3
) -> dict[str, Any]:
    """The next frame of `kind`, skipping presence and member notices."""
    while True:
        frame = await communicator.receive_json_from(timeout=timeout)
        if frame["type"] == kind:
            return frame


async def closed_with(communicator: WebsocketCommunicator, timeout: float = 3) -> int:
    return (await close_of(communicator, timeout))["code"]


async def close_of(communicator: WebsocketCommunicator, timeout: float = 3) -> dict[str, Any]:
    """The socket's close (code and reason), the frames before it read and dropped."""
    while True:
        output = await communicator.receive_output(timeout=timeout)
        if output["type"] == "websocket.close":
            return output


def open_sockets() -> float:
    return REGISTRY.get_sample_value("websocket_connections_open") or 0.0


def token_for(make_token, user, **kwargs) -> str:
    return make_token(sub=user.keycloak_id, username=user.username, **kwargs)


async def test_members_chat_live_and_messages_are_stored_first(crew, make_token):
    group, owner, member = crew
    alice, bob = (
        socket(group.id, token_for(make_token, owner)),
        socket(group.id, token_for(make_token, member)),
    )
    await connect(alice)
    ready = await connect(bob)
    assert str(owner.id) in ready["online"]
    assert str(member.id) in ready["online"]

    await alice.send_json_to({"type": "message", "body": "Meet at the bar?", "client_id": "c1"})

    ack = await next_of(alice, "ack")
    received = await next_of(bob, "message")
    assert ack == {"type": "ack", "client_id": "c1", "sequence": 1, "id": received["message"]["id"]}
    assert received["message"]["body"] == "Meet at the bar?"
    assert received["message"]["sender"]["id"] == str(owner.id)
    assert (await next_of(alice, "message"))["message"]["sequence"] == 1
    stored = await database_sync_to_async(Message.objects.get)(group=group, sequence=1)
    assert stored.body == "Meet at the bar?"
    await alice.disconnect()
    await bob.disconnect()


async def test_non_member_is_closed_with_4403(crew, make_token):
    from shared.accounts.tests.factories import UserFactory

    group, *_ = crew
    outsider = await database_sync_to_async(UserFactory)()
    communicator = socket(group.id, token_for(make_token, outsider))

    connected, _ = await communicator.connect()

    assert connected
    assert (await communicator.receive_json_from())["code"] == "not_a_member"
    assert await closed_with(communicator) == 4403


async def test_missing_token_is_closed_with_4401_within_a_second(crew):
    group, *_ = crew
    communicator = socket(group.id)
    await communicator.connect()
    loop = asyncio.get_running_loop()
    started = loop.time()

    assert await closed_with(communicator, timeout=2) == 4401
    assert loop.time() - started < 1.5


@pytest.mark.parametrize(
    "token_kwargs",
    [{"expires_in": -120}, {"algorithm": "HS256"}, {"iss": "http://evil.test/realms/crewup"}],
    ids=["expired_case", "hs256_case", "wrong_issuer_case"],
)
async def test_bad_token_is_closed_with_4401(crew, make_token, token_kwargs):
    group, owner, _ = crew
    communicator = socket(group.id, token_for(make_token, owner, **token_kwargs))
    await communicator.connect()

    assert await closed_with(communicator) == 4401


@pytest.mark.parametrize(
    "way", ["subprotocol", "auth_frame"], ids=["subprotocol_case", "frame_case"]
)
async def test_a_still_valid_token_of_an_erased_account_is_closed_with_4401(crew, make_token, way):
    # given: the member's token is still valid, but the user service erased the account
    group, _, member = crew
    token = token_for(make_token, member)
    await database_sync_to_async(user_anonymise)(user_id=member.id)
    # when
    communicator = socket(group.id, token if way == "subprotocol" else None)
    await communicator.connect()
    if way == "auth_frame":
        await communicator.send_json_to({"type": "auth", "token": token})
    # then
    assert (await communicator.receive_json_from())["code"] == "account_erased"
    assert await closed_with(communicator) == 4401
    usernames = await database_sync_to_async(list)(User.objects.values_list("username", flat=True))
    assert member.username not in usernames


async def test_token_in_a_first_message_authenticates(crew, make_token):
    group, owner, _ = crew
    communicator = socket(group.id)
    await communicator.connect()

    await communicator.send_json_to({"type": "auth", "token": token_for(make_token, owner)})

    assert (await next_of(communicator, "ready"))["group_id"] == str(group.id)
    await communicator.disconnect()


@pytest.mark.parametrize(
    "origin", [b"https://evil.example", b"null"], ids=["foreign_site_case", "null_origin_case"]
)
async def test_foreign_origin_is_refused(crew, make_token, origin):
    group, owner, _ = crew
    communicator = socket(group.id, token_for(make_token, owner), origin=(b"origin", origin))

    connected, _ = await communicator.connect()

    assert not connected


async def test_a_client_without_an_origin_header_is_accepted(crew, make_token):
    """The command line, a native app or a bot sends no Origin; its token is what counts."""
    group, owner, _ = crew
    communicator = socket(group.id, token_for(make_token, owner), origin=None)

    ready = await connect(communicator)

    assert ready["group_id"] == str(group.id)
    await communicator.disconnect()


async def test_a_client_without_an_origin_header_still_needs_a_token(crew):
    group, *_ = crew
    communicator = socket(group.id, origin=None)
    await communicator.connect()

    assert (await close_of(communicator, timeout=2))["reason"] == "authentication_required"


async def test_socket_closes_when_the_token_expires_unless_refreshed(crew, make_token):
    group, owner, _ = crew
    communicator = socket(group.id, token_for(make_token, owner, expires_in=2))
    await connect(communicator)

    assert await closed_with(communicator, timeout=5) == 4401


async def test_refreshed_token_keeps_the_socket_open(crew, make_token):
    group, owner, _ = crew
    communicator = socket(group.id, token_for(make_token, owner, expires_in=2))
    await connect(communicator)

    await communicator.send_json_to(
        {"type": "auth", "token": token_for(make_token, owner, expires_in=300)}
    )
    assert (await next_of(communicator, "auth_ok"))["expires_at"] > 0
    await asyncio.sleep(2.5)
    await communicator.send_json_to({"type": "ping"})

    assert (await next_of(communicator, "pong"))["last_sequence"] == 0
    await communicator.disconnect()


async def test_reconnecting_client_gets_what_it_missed(crew, make_token):
    group, owner, member = crew
    sender = socket(group.id, token_for(make_token, owner))
    await connect(sender)
    for number in range(3):
        await sender.send_json_to({"type": "message", "body": f"m{number}"})
        await next_of(sender, "ack")

    late = socket(group.id, token_for(make_token, member), query="after=1")
    await connect(late)

    assert [(await next_of(late, "message"))["message"]["sequence"] for _ in range(2)] == [2, 3]
    await sender.disconnect()
    await late.disconnect()


async def test_a_message_resent_after_a_reconnect_is_acknowledged_again_and_stored_once(
    crew, make_token
):
    # given a message stored, whose ack the client did not get before its socket went
    group, owner, member = crew
    reader = socket(group.id, token_for(make_token, member))
    await connect(reader)
    sender = socket(group.id, token_for(make_token, owner))
    await connect(sender)
    await sender.send_json_to({"type": "message", "body": "on my way", "client_id": "c1"})
    first_ack = await next_of(sender, "ack")
    await sender.disconnect()
    # when it reconnects and resends it, then sends a message without a client_id
    again = socket(group.id, token_for(make_token, owner), query="after=1")
    await connect(again)
    await again.send_json_to({"type": "message", "body": "on my way", "client_id": "c1"})
    second_ack = await next_of(again, "ack")
    await again.send_json_to({"type": "message", "body": "as before"})
    third_ack = await next_of(again, "ack")
    # then the same ack, one row for it, and the next message takes the next number
    assert second_ack == first_ack
    assert (first_ack["client_id"], first_ack["sequence"]) == ("c1", 1)
    assert (third_ack["client_id"], third_ack["sequence"]) == (None, 2)
    assert [(await next_of(reader, "message"))["message"]["sequence"] for _ in range(2)] == [1, 2]
    assert (await next_of(again, "message"))["message"]["sequence"] == 2
    rows = await database_sync_to_async(
        lambda: list(Message.objects.filter(group=group).values_list("sequence", "body"))
    )()
    assert rows == [(1, "on my way"), (2, "as before")]
    await again.disconnect()
    await reader.disconnect()


@pytest.mark.parametrize(
    "client_id",
    ["x" * 65, "", 7, {"id": 1}],
    ids=["long_case", "empty_case", "int_case", "dict_case"],
)
async def test_an_invalid_client_id_is_an_error_frame_and_nothing_is_stored(
    crew, make_token, client_id
):
    group, owner, _ = crew
    communicator = socket(group.id, token_for(make_token, owner))
    await connect(communicator)

    await communicator.send_json_to({"type": "message", "body": "hi", "client_id": client_id})

    error = await next_of(communicator, "error")
    assert error["code"] == "invalid"
    assert "client_id" in error["fields"]
    assert "client_id" not in error
    assert not await database_sync_to_async(Message.objects.filter(group=group).exists)()
    await communicator.disconnect()


async def test_the_error_refusing_a_message_carries_its_client_id(crew, make_token):
    group, owner, _ = crew
    communicator = socket(group.id, token_for(make_token, owner))
    await connect(communicator)

    await communicator.send_json_to({"type": "message", "body": "x" * 2001, "client_id": "c9"})

    error = await next_of(communicator, "error")
    assert (error["code"], error["client_id"]) == ("invalid", "c9")
    assert "body" in error["fields"]
    await communicator.disconnect()


async def test_a_dropped_broadcast_is_filled_from_the_database_in_order(crew, make_token):
    group, owner, member = crew
    sender, reader = (
        socket(group.id, token_for(make_token, owner)),
        socket(group.id, token_for(make_token, member)),
    )
    await connect(sender)
    await connect(reader)

    # given the channel layer loses the broadcast of message 1
    with mock.patch.object(realtime, "abroadcast_message", return_value=False):
        await sender.send_json_to({"type": "message", "body": "lost on the way"})
        await next_of(sender, "ack")
    # when message 2 is broadcast normally
    await sender.send_json_to({"type": "message", "body": "arrives"})

    # then the reader gets 1 (from the database) before 2
    first, second = await next_of(reader, "message"), await next_of(reader, "message")
    assert [first["message"]["sequence"], second["message"]["sequence"]] == [1, 2]
    assert first["message"]["body"] == "lost on the way"
    await sender.disconnect()
    await reader.disconnect()


async def test_a_dropped_last_message_still_arrives(crew, make_token):
    group, owner, member = crew
    sender, reader = (
        socket(group.id, token_for(make_token, owner)),
        socket(group.id, token_for(make_token, member)),
    )
    await connect(sender)
    await connect(reader)
    await sender.send_json_to({"type": "message", "body": "first"})
    assert (await next_of(reader, "message"))["message"]["sequence"] == 1

    with mock.patch.object(realtime, "abroadcast_message", return_value=False):
        await sender.send_json_to({"type": "message", "body": "last, and lost"})
        await next_of(sender, "ack")

    frame = await next_of(reader, "message", timeout=4)
    assert (frame["message"]["sequence"], frame["message"]["body"]) == (2, "last, and lost")
    await sender.disconnect()
    await reader.disconnect()


async def test_a_burst_is_rate_limited_without_dropping_the_socket(crew, make_token):
    group, owner, _ = crew
    communicator = socket(group.id, token_for(make_token, owner))
    await connect(communicator)

    for number in range(25):
        await communicator.send_json_to({"type": "message", "body": f"spam {number}"})
    frames: list[dict[str, Any]] = []
    while len(frames) < 25 + 20:  # 25 answers and 20 broadcasts, whenever presence comes
        frame = await communicator.receive_json_from(timeout=5)
        if frame["type"] != "presence":
            frames.append(frame)

    acks = [f for f in frames if f["type"] == "ack"]
    limited = [f for f in frames if f["type"] == "error"]
    assert len(acks) == 20
    assert len(limited) == 5
    assert limited[0]["code"] == "rate_limited"
    assert limited[0]["retry_after"] > 0
    await communicator.send_json_to({"type": "ping"})
    assert (await next_of(communicator, "pong"))["type"] == "pong"
    assert await database_sync_to_async(Message.objects.filter(group=group).count)() == 20
    await communicator.disconnect()


async def test_a_frame_over_16_kib_gets_an_error_frame_then_close_4009_with_its_reason(
    crew, make_token
):
    group, owner, _ = crew
    communicator = socket(group.id, token_for(make_token, owner))
    await connect(communicator)

    await communicator.send_to(text_data='{"type": "message", "body": "' + "x" * 1_000_000 + '"}')

    assert (await next_of(communicator, "error"))["code"] == "frame_too_large"
    close = await close_of(communicator)
    assert (close["code"], close["reason"]) == (4009, "frame_too_large")
    assert not await database_sync_to_async(Message.objects.filter(group=group).exists)()


async def test_too_long_message_is_an_error_frame(crew, make_token):
    group, owner, _ = crew
    communicator = socket(group.id, token_for(make_token, owner))
    await connect(communicator)

    await communicator.send_json_to({"type": "message", "body": "x" * 2001})

    error = await next_of(communicator, "error")
    assert error["code"] == "invalid"
    assert "body" in error["fields"]
    await communicator.disconnect()


async def test_edit_and_delete_are_seen_live(crew, make_token):
    group, owner, member = crew
    sender, reader = (
        socket(group.id, token_for(make_token, owner)),
        socket(group.id, token_for(make_token, member)),
    )
    await connect(sender)
    await connect(reader)
    await sender.send_json_to({"type": "message", "body": "typo"})
    message_id = (await next_of(sender, "ack"))["id"]

    await sender.send_json_to({"type": "edit", "message_id": message_id, "body": "fixed"})
    edited = await next_of(reader, "message_edited")
    await sender.send_json_to({"type": "delete", "message_id": message_id})
    deleted = await next_of(reader, "message_deleted")

    assert edited["message"]["body"] == "fixed"
    assert edited["message"]["edited_at"]
    assert deleted["message"]["body"] == ""
    assert deleted["message"]["deleted_at"]
    await sender.disconnect()
    await reader.disconnect()


async def test_typing_reaches_the_others(crew, make_token):
    group, owner, member = crew
    typist, reader = (
        socket(group.id, token_for(make_token, owner)),
        socket(group.id, token_for(make_token, member)),
    )
    await connect(typist)
    await connect(reader)

    await typist.send_json_to({"type": "typing"})

    assert (await next_of(reader, "typing"))["user_id"] == str(owner.id)
    await typist.disconnect()
    await reader.disconnect()


async def test_closing_all_sockets_of_a_user(crew, make_token):
    group, _owner, member = crew
    communicator = socket(group.id, token_for(make_token, member))
    await connect(communicator)

    await database_sync_to_async(realtime.close_user_sockets)(member.id)

    frame = await next_of(communicator, "error")
    assert frame["code"] == "user_banned"
    close = await close_of(communicator)
    assert (close["code"], close["reason"]) == (4403, "user_banned")


async def test_a_crew_taken_down_by_a_moderator_closes_every_socket_on_it(crew, make_token):
    from shared.groups.services import group_remove

    group, owner, member = crew
    sockets = [socket(group.id, token_for(make_token, user)) for user in (owner, member)]
    for each in sockets:
        await connect(each)
    moderator = await database_sync_to_async(UserFactory)(realm_roles=["moderator"])

    await database_sync_to_async(group_remove)(
        group_id=group.id, removed_by=moderator.id, reason="Selling tickets at scalper prices."
    )

    for each in sockets:
        assert (await next_of(each, "error"))["code"] == "crew_removed"
        assert await closed_with(each) == 4403


async def test_a_message_still_queued_when_the_member_is_cut_off_is_not_stored(crew):
    from group_service.consumers import ChatConsumer

    group, _owner, member = crew
    consumer = ChatConsumer()
    consumer.group_id, consumer.user = group.id, member
    consumer.joined = False  # what `user_disconnect` leaves behind (removed, banned, taken down)

    await consumer.store_message("one more thing", client_id="c-1")

    assert not await database_sync_to_async(
        Message.objects.filter(group_id=group.id, body="one more thing").exists
    )()


async def test_removed_member_is_cut_off_and_the_crew_is_told(crew, make_token):
    from shared.groups.services import group_member_remove

    group, owner, member = crew
    removed, other = (
        socket(group.id, token_for(make_token, member)),
        socket(group.id, token_for(make_token, owner)),
    )
    await connect(removed)
    await connect(other)

    await database_sync_to_async(group_member_remove)(
        group_id=group.id, actor_id=owner.id, user_id=member.id
    )

    assert await closed_with(removed) == 4403
    notice = await next_of(other, "message")
    assert notice["message"]["kind"] == "system"
    assert notice["message"]["data"] == {
        "event": "member_left",
        "user_id": str(member.id),
        "reason": "removed",
    }
    # the cut-off socket is let go: the crew's events reach only the one left, and the removed
    # member is no longer online
    crews = chat_fanout().crews
    assert len(crews[realtime.chat_group_name(group.id)].sockets) == 1
    assert await live_state.presence_online(group_id=group.id) == [str(owner.id)]
    await other.disconnect()
    assert realtime.chat_group_name(group.id) not in crews


async def test_an_error_that_ends_the_consumer_still_releases_the_socket(crew, make_token):
    group, owner, _ = crew
    before = open_sockets()
    communicator = socket(group.id, token_for(make_token, owner))
    await connect(communicator)
    assert open_sockets() == before + 1

    # when a handler raises (an event the consumer has no handler for)
    await get_channel_layer().group_send(
        realtime.user_group_name(owner.id), {"type": "no.such.event"}
    )

    # then the client is told, and the socket closed with the code that says "reconnect"
    assert (await next_of(communicator, "error"))["code"] == "server_error"
    assert await close_of(communicator) == {
        "type": "websocket.close",
        "code": 4011,
        "reason": "server_error",
    }
    await communicator.wait(timeout=3)  # the consumer ended without raising
    # and the gauge and the presence entry were released all the same
    assert open_sockets() == before
    assert str(owner.id) not in await live_state.presence_online(group_id=group.id)


async def test_a_failed_heartbeat_is_logged_and_the_next_one_tries_again(
    crew, make_token, monkeypatch, caplog
):
    # given a socket that beats every 0.1 s, and its crew's presence entry in Redis (a sorted
    # set) replaced by a string, which Redis refuses to update as a sorted set
    caplog.set_level(logging.WARNING, logger="group_service")
    monkeypatch.setattr(live_state, "PRESENCE_REFRESH_SECONDS", 0.1)
    group, owner, _ = crew
    communicator = socket(group.id, token_for(make_token, owner))
    await connect(communicator)
    presence_key = f"crewup:presence:{group.id}"
    await async_redis_client().set(presence_key, "not a sorted set")

    # when the heartbeat beats
    async def heartbeat_failure() -> logging.LogRecord:
        while True:
            for record in caplog.records:
                if record.getMessage() == "a chat socket's heartbeat failed":
                    return record
            await asyncio.sleep(0.05)

    failure = await asyncio.wait_for(heartbeat_failure(), timeout=3)

    # then the failure is logged, with what Redis said, and the socket stays open
    assert failure.levelno == logging.WARNING
    assert failure.exc_info is not None
    assert isinstance(failure.exc_info[1], ResponseError)
    assert "WRONGTYPE" in str(failure.exc_info[1])
    await communicator.send_json_to({"type": "ping"})
    assert (await next_of(communicator, "pong"))["type"] == "pong"
    # and once Redis takes the entry again, a later beat puts the member back online
    await async_redis_client().delete(presence_key)

    async def back_online() -> None:
        while str(owner.id) not in await live_state.presence_online(group_id=group.id):
            await asyncio.sleep(0.05)

    await asyncio.wait_for(back_online(), timeout=3)
    await communicator.disconnect()


@pytest.fixture
def log_stream():
    """The group service's log lines, as the JSON the deployed process writes."""
    stream = io.StringIO()
    config = {**settings.LOGGING, "handlers": {**settings.LOGGING["handlers"]}}
    config["handlers"]["stdout"] = {**config["handlers"]["stdout"], "stream": stream}
    config["loggers"] = {
        "group_service": {"handlers": ["stdout"], "level": "INFO", "propagate": False}
    }
    logging.config.dictConfig(config)
    yield stream
    logging.config.dictConfig(settings.LOGGING)


def log_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def test_socket_log_lines_carry_the_handshake_request_id(crew, log_stream):
    group, *_ = crew
    request_id = "0123456789abcdef0123456789abcdef"
    communicator = socket(
        group.id, headers=[(b"x-request-id", request_id.encode()), (b"host", b"127.0.0.1")]
    )
    await communicator.connect()
    await closed_with(communicator, timeout=2)  # no token: closed after a second

    lines = {line["message"]: line for line in log_lines(log_stream)}
    assert lines["socket opened"]["request_id"] == request_id
    assert lines["socket opened"]["host"] == "127.0.0.1"
    assert lines["socket opened"]["path"] == f"/ws/groups/{group.id}/chat/"
    closed = lines["socket closed by the server"]
    assert (closed["request_id"], closed["code"]) == (request_id, 4401)
    assert closed["reason"] == "authentication_required"


async def test_a_socket_without_a_request_id_logs_with_one_of_its_own(crew, log_stream):
    group, *_ = crew
    communicator = socket(group.id, headers=[(b"x-request-id", b"not an id")])
    await communicator.connect()
    await closed_with(communicator, timeout=2)

    (opened,) = [line for line in log_lines(log_stream) if line["message"] == "socket opened"]
    assert re.fullmatch(r"[0-9a-f]{32}", opened["request_id"])
