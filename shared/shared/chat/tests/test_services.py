"""Storing chat messages: numbers per crew, in order, without gaps, in one statement."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from shared.chat.models import ChatStream, Message
from shared.chat.services import SocketMessage, message_send, message_send_from_sockets
from shared.groups.tests.factories import GroupFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def stored(group) -> list[tuple[int, str]]:
    return list(Message.objects.filter(group=group).values_list("sequence", "body"))


def test_messages_of_several_crews_are_numbered_per_crew_in_list_order_in_one_statement():
    first, second = GroupFactory(), GroupFactory()
    message_send(group_id=first.id, sender_id=first.created_by_id, body="already there")
    alice, bob = first.created_by, second.created_by
    drafts = [
        SocketMessage(group_id=first.id, sender=alice, body="a1"),
        SocketMessage(group_id=second.id, sender=bob, body="b1"),
        SocketMessage(group_id=first.id, sender=alice, body="  a2  "),
        SocketMessage(group_id=second.id, sender=bob, body="b2"),
    ]

    with CaptureQueriesContext(connection) as queries:
        outcomes = message_send_from_sockets(drafts)

    assert len(queries) == 1
    assert [(m.group_id, m.sequence, m.body) for m in outcomes] == [
        (first.id, 2, "a1"),
        (second.id, 1, "b1"),
        (first.id, 3, "a2"),
        (second.id, 2, "b2"),
    ]
    assert stored(first) == [(1, "already there"), (2, "a1"), (3, "a2")]
    assert stored(second) == [(1, "b1"), (2, "b2")]
    assert ChatStream.objects.get(group=first).last_sequence == 3
    assert all(not m._state.adding and m.created_at and m.sender for m in outcomes)


def test_an_invalid_body_is_answered_with_its_error_and_leaves_no_gap():
    crew = GroupFactory()
    sender = crew.created_by

    outcomes = message_send_from_sockets(
        [
            SocketMessage(group_id=crew.id, sender=sender, body="one"),
            SocketMessage(group_id=crew.id, sender=sender, body="   "),
            SocketMessage(group_id=crew.id, sender=sender, body="x" * 2001),
            SocketMessage(group_id=crew.id, sender=sender, body="two"),
        ]
    )

    assert isinstance(outcomes[1], ValidationError)
    assert isinstance(outcomes[2], ValidationError)
    assert [outcomes[0].sequence, outcomes[3].sequence] == [1, 2]
    assert stored(crew) == [(1, "one"), (2, "two")]


@pytest.mark.django_db(transaction=True)  # foreign keys are checked at commit
def test_a_failed_statement_stores_none_of_them():
    crew = GroupFactory()
    sender = crew.created_by
    drafts = [
        SocketMessage(group_id=crew.id, sender=sender, body="fine"),
        SocketMessage(group_id=uuid.uuid4(), sender=sender, body="to a crew that is gone"),
    ]

    with pytest.raises(DatabaseError):
        message_send_from_sockets(drafts)

    assert stored(crew) == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_to_one_crew_get_every_number_once():
    crew = GroupFactory()
    senders = [crew.created_by, *(MembershipFactory(group=crew).user for _ in range(3))]
    errors: list[BaseException] = []

    def write(sender) -> None:
        try:
            for number in range(10):
                message_send_from_sockets(
                    [SocketMessage(group_id=crew.id, sender=sender, body=f"{number}")] * 2
                )
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(sender,)) for sender in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert [sequence for sequence, _ in stored(crew)] == list(range(1, 81))
