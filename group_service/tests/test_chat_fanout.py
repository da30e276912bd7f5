"""The process's chat fan-out: one channel per crew, its events handed to the sockets here."""

from __future__ import annotations

import asyncio
import time
from typing import Any
from unittest import mock

import pytest
from channels.layers import get_channel_layer

from group_service.consumers import ChatConsumer
from group_service.fanout import REJOIN_SECONDS, CrewFanout, chat_fanout
from shared.chat import realtime
from shared.groups.tests.factories import GroupFactory, MembershipFactory
from shared.metrics import CHAT_DELIVERY_SECONDS
from tests.test_chat_socket import connect, next_of, socket, token_for

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def crew():
    group = GroupFactory()
    members = [MembershipFactory(group=group).user for _ in range(2)]
    return group, [group.created_by, *members]


async def test_a_crews_sockets_in_one_process_join_its_group_once(crew, make_token):
    group, users = crew
    layer = get_channel_layer()
    sockets = [socket(group.id, token_for(make_token, user)) for user in users]
    with mock.patch.object(layer, "group_add", wraps=layer.group_add) as group_add:
        for each in sockets:
            await connect(each)

    joined = [call.args[0] for call in group_add.call_args_list]
    assert joined.count(realtime.chat_group_name(group.id)) == 1
    assert len(chat_fanout().crews[realtime.chat_group_name(group.id)].sockets) == 3
    await sockets[0].send_json_to({"type": "message", "body": "to all three"})
    for each in sockets:
        assert (await next_of(each, "message"))["message"]["body"] == "to all three"
    for each in sockets:
        await each.disconnect()


async def test_the_crew_is_left_with_its_last_socket_and_joined_again_by_the_next(crew, make_token):
    group, users = crew
    name = realtime.chat_group_name(group.id)
    first = socket(group.id, token_for(make_token, users[0]))
    await connect(first)
    await first.disconnect()
    assert name not in chat_fanout().crews

    again, other = (
        socket(group.id, token_for(make_token, users[0])),
        socket(group.id, token_for(make_token, users[1])),
    )
    await connect(again)
    await connect(other)
    await other.send_json_to({"type": "message", "body": "still here"})

    assert (await next_of(again, "message"))["message"]["body"] == "still here"
    assert len(chat_fanout().crews[name].sockets) == 2
    await again.disconnect()
    await other.disconnect()


async def test_messages_reach_each_socket_once_in_order_while_one_fills_a_gap(crew, make_token):
    group, users = crew
    sender, reader = (
        socket(group.id, token_for(make_token, users[0])),
        socket(group.id, token_for(make_token, users[1])),
    )
    await connect(sender)
    await connect(reader)
    with mock.patch.object(realtime, "abroadcast_message", return_value=False):
        await sender.send_json_to({"type": "message", "body": "lost"})
        await next_of(sender, "ack")

    for number in range(10):
        await sender.send_json_to({"type": "message", "body": f"m{number}"})

    seen = [(await next_of(reader, "message"))["message"]["sequence"] for _ in range(11)]
    assert seen == list(range(1, 12))
    await sender.send_json_to({"type": "ping"})
    assert (await next_of(sender, "pong"))["type"] == "pong"
    await sender.disconnect()
    await reader.disconnect()


##### What a socket does with an event from the fan-out


def consumer(
    *, last_sequence: int = 4, live: bool = True, joined: bool = True, taking: bool = False
) -> ChatConsumer:
    socket = ChatConsumer()
    socket.joined, socket.live, socket.taking = joined, live, taking
    socket.last_sequence, socket.last_delivery_at = last_sequence, 0.0
    socket.tasks = {"settle": mock.Mock(done=lambda: False)}
    socket.inbox = asyncio.Queue()
    socket.base_send = mock.AsyncMock()
    return socket


def message(sequence: int) -> dict[str, Any]:
    frame = f'{{"type": "message", "message": {{"sequence": {sequence}}}}}'
    return {"type": "chat.message", "message": {"sequence": sequence}, "text": frame}


async def test_the_next_message_is_sent_at_once():
    socket = consumer(last_sequence=4)

    await socket.take(message(5))

    socket.base_send.assert_awaited_once_with(
        {"type": "websocket.send", "text": message(5)["text"]}
    )
    assert socket.last_sequence == 5
    assert socket.last_delivery_at > 0
    assert socket.inbox.empty()


@pytest.mark.parametrize(
    ("state", "event"),
    [
        ({"last_sequence": 4}, message(6)),  # a gap first: filled from the database
        ({"live": False}, message(5)),  # `ready` not sent yet
        ({"taking": True}, message(5)),  # an earlier event is being handled
        ({"joined": False}, message(5)),  # cut off: the inbox's turn drops it
        ({}, {"type": "chat.message", "message": {"sequence": 5}}),  # an older process's event
        ({}, {"type": "chat.typing", "user_id": "u"}),
    ],
    ids=[
        "gap_case",
        "not_live_case",
        "taking_case",
        "cut_off_case",
        "no_frame_case",
        "not_a_message_case",
    ],
)
async def test_anything_else_waits_in_the_inbox(state, event):
    socket = consumer(**state)

    await socket.take(event)

    socket.base_send.assert_not_awaited()
    assert socket.inbox.get_nowait() == event


async def test_a_message_never_passes_one_waiting_in_the_inbox():
    socket = consumer(last_sequence=4)
    socket.inbox.put_nowait({"type": "chat.presence", "online": []})

    await socket.take(message(5))

    socket.base_send.assert_not_awaited()
    assert socket.inbox.qsize() == 2


async def test_a_socket_marks_an_event_from_its_inbox_as_being_handled_until_done():
    socket = consumer()
    socket.inbox.put_nowait(message(5))

    taken = await socket.next_taken()
    assert socket.taking
    await socket.chat_taken(taken)

    socket.base_send.assert_awaited_once_with(
        {"type": "websocket.send", "text": message(5)["text"]}
    )
    assert socket.last_sequence == 5
    assert not socket.taking


async def test_a_message_from_an_older_process_is_encoded_here():
    socket = consumer(last_sequence=4)

    await socket.deliver({"type": "chat.message", "message": {"sequence": 5}})

    socket.base_send.assert_awaited_once_with(
        {"type": "websocket.send", "text": '{"type": "message", "message": {"sequence": 5}}'}
    )


async def test_an_event_naming_one_socket_goes_to_that_socket_only(crew):
    group, _ = crew
    fanout = CrewFanout(get_channel_layer(), realtime.chat_group_name(group.id))
    first, second = mock.Mock(channel_name="a"), mock.Mock(channel_name="b")
    first.take, second.take = mock.AsyncMock(), mock.AsyncMock()
    fanout.sockets = {"a": first, "b": second}

    await fanout.route({"type": "chat.settle", "socket": "b"})
    await fanout.route({"type": "chat.presence", "online": []})

    assert first.take.await_count == 1
    assert second.take.await_count == 2


async def test_one_socket_failing_does_not_keep_an_event_from_the_others(crew):
    group, _ = crew
    fanout = CrewFanout(get_channel_layer(), realtime.chat_group_name(group.id))
    broken, fine = mock.Mock(channel_name="a"), mock.Mock(channel_name="b")
    broken.take = mock.AsyncMock(side_effect=RuntimeError("gone"))
    fine.take = mock.AsyncMock()
    fanout.sockets = {"a": broken, "b": fine}

    await fanout.route(message(1))

    fine.take.assert_awaited_once_with(message(1))


async def test_the_crew_joins_its_group_again_for_its_sockets_heartbeats_at_most_so_often(
    crew, make_token
):
    group, users = crew
    communicator = socket(group.id, token_for(make_token, users[0]))
    await connect(communicator)
    joined = chat_fanout().crews[realtime.chat_group_name(group.id)]
    layer = get_channel_layer()

    with mock.patch.object(layer, "group_add", new=mock.AsyncMock()) as group_add:
        await chat_fanout().rejoin(group.id)  # joined just now
        joined.joined_at -= REJOIN_SECONDS
        await chat_fanout().rejoin(group.id)
        await chat_fanout().rejoin(group.id)

    group_add.assert_awaited_once_with(realtime.chat_group_name(group.id), joined.channel)
    await communicator.disconnect()


def delivery_count() -> float:
    samples = CHAT_DELIVERY_SECONDS.collect()[0].samples
    return next(sample.value for sample in samples if sample.name.endswith("_count"))


async def test_a_message_handed_to_the_crews_sockets_is_timed_once_for_the_process(crew):
    group, _ = crew
    fanout = CrewFanout(get_channel_layer(), realtime.chat_group_name(group.id))
    sockets = [consumer(last_sequence=4) for _ in range(3)]
    fanout.sockets = {str(number): each for number, each in enumerate(sockets)}
    before = delivery_count()

    await fanout.route({**message(5), "created_ts": time.time() - 0.02})
    await fanout.route({"type": "chat.presence", "online": []})  # not a message: not timed

    assert delivery_count() - before == 1
    assert all(each.base_send.await_count == 1 for each in sockets)
