"""Storing chat messages: numbers per crew, in order, without gaps, in one statement."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from shared.chat.models import ChatStream, Message
from shared.chat.services import (
    RepeatedMessage,
    SocketMessage,
    message_send,
    message_send_from_sockets,
)
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


def test_a_message_resent_with_its_client_id_answers_the_stored_one_and_leaves_no_gap():
    # given a message stored under its client_id
    crew = GroupFactory()
    sender = crew.created_by
    (first,) = message_send_from_sockets(
        [SocketMessage(group_id=crew.id, sender=sender, body="hello", client_id="c1")]
    )
    # when the client sends it again (its ack was lost), with a new message after it
    outcomes = message_send_from_sockets(
        [
            SocketMessage(group_id=crew.id, sender=sender, body="hello", client_id="c1"),
            SocketMessage(group_id=crew.id, sender=sender, body="next", client_id="c2"),
        ]
    )
    # then the repeat answers the stored message, and the next one takes the next number
    assert isinstance(outcomes[0], RepeatedMessage)
    assert (outcomes[0].message.id, outcomes[0].message.sequence) == (first.id, 1)
    assert outcomes[0].message.sender == sender
    assert outcomes[1].sequence == 2
    assert stored(crew) == [(1, "hello"), (2, "next")]
    assert ChatStream.objects.get(group=crew).last_sequence == 2


def test_a_client_id_repeated_within_one_batch_is_stored_once_in_one_statement():
    crew = GroupFactory()
    alice, bob = crew.created_by, MembershipFactory(group=crew).user

    with CaptureQueriesContext(connection) as queries:
        outcomes = message_send_from_sockets(
            [
                SocketMessage(group_id=crew.id, sender=alice, body="hi", client_id="c1"),
                SocketMessage(group_id=crew.id, sender=alice, body="hi", client_id="c1"),
                SocketMessage(group_id=crew.id, sender=bob, body="yo"),
                SocketMessage(group_id=crew.id, sender=bob, body="yo"),
            ]
        )

    assert len(queries) == 1
    assert isinstance(outcomes[1], RepeatedMessage)
    assert outcomes[1].message is outcomes[0]
    assert [outcomes[0].sequence, outcomes[2].sequence, outcomes[3].sequence] == [1, 2, 3]
    assert stored(crew) == [(1, "hi"), (2, "yo"), (3, "yo")]


def test_two_senders_and_two_crews_may_use_the_same_client_id():
    crew, other_crew = GroupFactory(), GroupFactory()
    alice, bob = crew.created_by, MembershipFactory(group=crew).user
    MembershipFactory(group=other_crew, user=alice)

    outcomes = message_send_from_sockets(
        [
            SocketMessage(group_id=crew.id, sender=alice, body="from alice", client_id="c1"),
            SocketMessage(group_id=crew.id, sender=bob, body="from bob", client_id="c1"),
            SocketMessage(group_id=other_crew.id, sender=alice, body="elsewhere", client_id="c1"),
        ]
    )

    assert all(isinstance(outcome, Message) for outcome in outcomes)
    assert stored(crew) == [(1, "from alice"), (2, "from bob")]
    assert stored(other_crew) == [(1, "elsewhere")]


@pytest.mark.parametrize("client_id", ["", "x" * 65], ids=["empty_case", "too_long_case"])
def test_an_invalid_client_id_is_refused_and_nothing_is_stored(client_id):
    crew = GroupFactory()

    (outcome,) = message_send_from_sockets(
        [SocketMessage(group_id=crew.id, sender=crew.created_by, body="hi", client_id=client_id)]
    )

    assert isinstance(outcome, ValidationError)
    assert "client_id" in outcome.message_dict
    assert stored(crew) == []


def test_message_send_with_a_client_id_already_stored_returns_it_and_broadcasts_nothing(
    django_capture_on_commit_callbacks,
):
    crew = GroupFactory()
    first = message_send(
        group_id=crew.id, sender_id=crew.created_by_id, body="hello", client_id="c1"
    )

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        again = message_send(
            group_id=crew.id, sender_id=crew.created_by_id, body="hello", client_id="c1"
        )

    assert (again.id, again.sequence) == (first.id, 1)
    assert callbacks == []
    assert stored(crew) == [(1, "hello")]
    assert ChatStream.objects.get(group=crew).last_sequence == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_client_id_sent_twice_at_once_is_stored_once_and_both_get_it():
    # given one request storing a message, not yet committed
    crew = GroupFactory()
    sender_id = crew.created_by_id
    holding = threading.Event()
    answers: list[Message] = []

    def first_request() -> None:
        try:
            with transaction.atomic():
                answers.append(
                    message_send(group_id=crew.id, sender_id=sender_id, body="hi", client_id="c1")
                )
                holding.set()
                time.sleep(0.5)
        finally:
            connection.close()

    thread = threading.Thread(target=first_request)
    thread.start()
    assert holding.wait(5)
    # when the same key comes meanwhile (it waits for the first's counter lock)
    again = message_send(group_id=crew.id, sender_id=sender_id, body="hi", client_id="c1")
    thread.join()
    # then it answers the first's message: one row, no number skipped
    assert (again.id, again.sequence) == (answers[0].id, 1)
    assert stored(crew) == [(1, "hi")]
    assert ChatStream.objects.get(group=crew).last_sequence == 1
    message_send(group_id=crew.id, sender_id=sender_id, body="next")
    assert stored(crew) == [(1, "hi"), (2, "next")]
