"""The process's chat writer: the sockets' messages stored together, broadcast in their order."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from unittest import mock

import pytest
from channels.db import database_sync_to_async
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from group_service import writer as writer_module
from group_service.writer import ChatWriter
from shared.chat import realtime
from shared.chat.models import Message
from shared.chat.services import SocketMessage, message_send, message_send_from_sockets
from shared.groups.tests.factories import GroupFactory, MembershipFactory

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def crew():
    group = GroupFactory()
    return group, [group.created_by, *(MembershipFactory(group=group).user for _ in range(2))]


@pytest.fixture
def broadcasts():
    sent: list[int] = []

    async def broadcast(message: Message) -> bool:
        sent.append(message.sequence)
        return True

    with mock.patch.object(realtime, "abroadcast_message", side_effect=broadcast):
        yield sent


def stored(group) -> list[tuple[int, str]]:
    return list(Message.objects.filter(group=group).values_list("sequence", "body"))


async def test_what_came_meanwhile_is_stored_in_one_call_and_broadcast_in_order(crew, broadcasts):
    group, users = crew
    calls: list[int] = []

    def counted(messages):
        calls.append(len(messages))
        return message_send_from_sockets(messages)

    chat = ChatWriter()
    with mock.patch.object(writer_module, "message_send_from_sockets", side_effect=counted):
        messages = await asyncio.gather(
            *(
                chat.store(SocketMessage(group_id=group.id, sender=user, body=f"from {number}"))
                for number, user in enumerate(users)
            )
        )

    assert calls == [3]
    assert [(m.sequence, m.body) for m in messages] == [(1, "from 0"), (2, "from 1"), (3, "from 2")]
    assert broadcasts == [1, 2, 3]
    assert await database_sync_to_async(stored)(group) == [
        (1, "from 0"),
        (2, "from 1"),
        (3, "from 2"),
    ]


async def test_an_invalid_body_fails_only_its_own_socket(crew, broadcasts):
    group, users = crew
    chat = ChatWriter()

    outcomes = await asyncio.gather(
        chat.store(SocketMessage(group_id=group.id, sender=users[0], body="fine")),
        chat.store(SocketMessage(group_id=group.id, sender=users[1], body="")),
        return_exceptions=True,
    )

    assert outcomes[0].sequence == 1
    assert isinstance(outcomes[1], ValidationError)
    assert broadcasts == [1]


async def test_a_message_that_fails_the_statement_fails_alone(crew, broadcasts):
    group, users = crew
    chat = ChatWriter()

    outcomes = await asyncio.gather(
        chat.store(SocketMessage(group_id=group.id, sender=users[0], body="first")),
        chat.store(SocketMessage(group_id=uuid.uuid4(), sender=users[1], body="crew gone")),
        chat.store(SocketMessage(group_id=group.id, sender=users[2], body="second")),
        return_exceptions=True,
    )

    assert [outcomes[0].sequence, outcomes[2].sequence] == [1, 2]
    assert not isinstance(outcomes[1], Message)
    assert broadcasts == [1, 2]
    assert await database_sync_to_async(stored)(group) == [(1, "first"), (2, "second")]


async def test_a_socket_that_stopped_waiting_has_its_message_stored_all_the_same(crew, broadcasts):
    group, users = crew
    chat = ChatWriter()
    waiting = asyncio.ensure_future(
        chat.store(SocketMessage(group_id=group.id, sender=users[0], body="sent, then gone"))
    )
    await asyncio.sleep(0)
    waiting.cancel()

    await chat.store(SocketMessage(group_id=group.id, sender=users[1], body="after"))

    assert await database_sync_to_async(stored)(group) == [(1, "sent, then gone"), (2, "after")]
    assert broadcasts == [1, 2]


async def test_a_repeated_client_id_is_answered_with_the_stored_message_and_not_broadcast(
    crew, broadcasts
):
    group, users = crew
    chat = ChatWriter()
    # given a message stored under its client_id
    first = await chat.store(
        SocketMessage(group_id=group.id, sender=users[0], body="hi", client_id="c1")
    )
    # when it comes again, twice in one batch, beside a new one
    answers = await asyncio.gather(
        chat.store(SocketMessage(group_id=group.id, sender=users[0], body="hi", client_id="c1")),
        chat.store(SocketMessage(group_id=group.id, sender=users[1], body="new", client_id="c1")),
        chat.store(SocketMessage(group_id=group.id, sender=users[1], body="new", client_id="c1")),
    )
    # then each repeat gets the stored message; only new messages are stored and broadcast
    assert [(m.id, m.sequence) for m in answers] == [
        (first.id, 1),
        (answers[1].id, 2),
        (answers[1].id, 2),
    ]
    assert broadcasts == [1, 2]
    assert await database_sync_to_async(stored)(group) == [(1, "hi"), (2, "new")]


async def test_a_client_id_stored_elsewhere_at_the_same_moment_is_answered_as_a_repeat(
    crew, broadcasts
):
    # given another process storing the same key, not yet committed
    group, users = crew
    holding = threading.Event()

    def other_process() -> None:
        try:
            with transaction.atomic():
                message_send(group_id=group.id, sender_id=users[0].id, body="hi", client_id="c1")
                holding.set()
                time.sleep(0.5)
        finally:
            connection.close()

    thread = threading.Thread(target=other_process)
    thread.start()
    assert await asyncio.to_thread(holding.wait, 5)
    # when this process's socket stores it (its statement waits, then hits the unique index)
    answer = await ChatWriter().store(
        SocketMessage(group_id=group.id, sender=users[0], body="hi", client_id="c1")
    )
    await asyncio.to_thread(thread.join)
    # then it is answered with the other's message, stored once and not broadcast from here
    assert answer.sequence == 1
    assert broadcasts == []
    assert await database_sync_to_async(stored)(group) == [(1, "hi")]


def statements_of(call) -> list[str]:
    """The SQL that `call()` sends on the writer's thread's connection."""
    seen: list[str] = []

    def record(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    def run() -> None:
        with connection.execute_wrapper(record):
            call()

    writer_module._database_thread.submit(run).result()
    return seen


async def test_a_batch_costs_one_statement_on_the_writers_own_connection(crew, broadcasts):
    group, users = crew
    chat = ChatWriter()
    await chat.store(SocketMessage(group_id=group.id, sender=users[0], body="warm"))
    batch = [SocketMessage(group_id=group.id, sender=users[1], body="again")]

    seen = await asyncio.to_thread(statements_of, lambda: writer_module._store(batch))

    # no health check (SELECT 1) before it, no transaction around it: the insert alone
    assert len(seen) == 1
    assert seen[0].lstrip().upper().startswith("WITH")


async def test_a_batch_that_finds_its_connection_broken_is_stored_on_a_new_one(crew, broadcasts):
    group, users = crew
    chat = ChatWriter()
    await chat.store(SocketMessage(group_id=group.id, sender=users[0], body="before"))
    # given the writer's connection closed by the server (as a restarted PostgreSQL does)
    pid = await asyncio.get_running_loop().run_in_executor(
        writer_module._database_thread, lambda: connection.connection.info.backend_pid
    )
    await database_sync_to_async(terminate)(pid)

    message = await chat.store(SocketMessage(group_id=group.id, sender=users[1], body="after"))

    assert message.sequence == 2
    assert broadcasts == [1, 2]
    assert await database_sync_to_async(stored)(group) == [(1, "before"), (2, "after")]


def terminate(pid: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
