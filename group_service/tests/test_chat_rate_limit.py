"""One chat rate limit per user, whichever way the messages come: the socket or HTTP.

`CHAT_RATE_LIMIT_MESSAGES` (20) per `CHAT_RATE_LIMIT_WINDOW_SECONDS` (10), counted in the real
Redis; the socket's own burst test is in `test_chat_socket.py`.
"""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async

from shared.chat.models import Message
from shared.groups.tests.factories import GroupFactory, MembershipFactory
from shared.testing.api import error
from tests.test_chat_socket import connect, next_of, socket, token_for

LIMIT = 20


def messages_url(group: Any) -> str:
    return f"/api/v1/groups/{group.id}/messages/"


@pytest.mark.django_db
def test_messages_sent_over_http_are_rate_limited_with_retry_after(auth_client):
    # given
    crew = GroupFactory()
    client = auth_client(user=crew.created_by)
    # when
    answers = [
        client.post(messages_url(crew), {"body": f"spam {number}"}, format="json")
        for number in range(LIMIT + 5)
    ]
    # then
    assert [answer.status_code for answer in answers] == [201] * LIMIT + [429] * 5
    refused = answers[LIMIT]
    assert error(refused)["code"] == "rate_limited"
    retry_after = int(refused["Retry-After"])
    assert 1 <= retry_after <= 10
    assert retry_after - 1 <= error(refused)["fields"]["retry_after"] <= retry_after
    assert Message.objects.filter(group=crew).count() == LIMIT


@pytest.mark.django_db
def test_a_send_repeated_with_its_client_id_is_not_counted_again(auth_client):
    # given a message sent with a client_id, and the rest of the window used but one
    crew = GroupFactory()
    client = auth_client(user=crew.created_by)
    client.post(messages_url(crew), {"body": "once", "client_id": "c1"}, format="json")
    for number in range(LIMIT - 2):
        client.post(messages_url(crew), {"body": f"m{number}"}, format="json")
    # when it is sent again, several times
    repeats = [
        client.post(messages_url(crew), {"body": "once", "client_id": "c1"}, format="json")
        for _ in range(3)
    ]
    # then the repeats are answered, and one new message is still allowed
    assert [repeat.status_code for repeat in repeats] == [201] * 3
    assert client.post(messages_url(crew), {"body": "last"}, format="json").status_code == 201
    assert client.post(messages_url(crew), {"body": "over"}, format="json").status_code == 429
    assert Message.objects.filter(group=crew).count() == LIMIT


@pytest.mark.django_db
def test_one_users_http_burst_does_not_limit_another_member(auth_client):
    # given: the owner used up their window
    crew = GroupFactory()
    member = MembershipFactory(group=crew).user
    owner = auth_client(user=crew.created_by)
    for number in range(LIMIT):
        owner.post(messages_url(crew), {"body": f"spam {number}"}, format="json")
    assert owner.post(messages_url(crew), {"body": "one more"}, format="json").status_code == 429
    # when
    response = auth_client(user=member).post(messages_url(crew), {"body": "hi"}, format="json")
    # then
    assert response.status_code == 201


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_messages_sent_on_the_socket_count_against_http_sends(auth_client, make_token):
    # given: a full window of messages sent on the socket
    crew = await database_sync_to_async(GroupFactory)()
    communicator = socket(crew.id, token_for(make_token, crew.created_by))
    await connect(communicator)
    for number in range(LIMIT):
        await communicator.send_json_to({"type": "message", "body": f"live {number}"})
        await next_of(communicator, "ack")
    client = await sync_to_async(auth_client)(user=crew.created_by)
    # when
    response = await sync_to_async(client.post)(
        messages_url(crew), {"body": "and over HTTP"}, format="json"
    )
    # then
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert not await database_sync_to_async(
        Message.objects.filter(group=crew, body="and over HTTP").exists
    )()
    await communicator.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_messages_sent_over_http_count_against_socket_sends(auth_client, make_token):
    # given: a full window of messages sent over HTTP
    crew = await database_sync_to_async(GroupFactory)()
    client = await sync_to_async(auth_client)(user=crew.created_by)
    for number in range(LIMIT):
        response = await sync_to_async(client.post)(
            messages_url(crew), {"body": f"http {number}"}, format="json"
        )
        assert response.status_code == 201
    communicator = socket(crew.id, token_for(make_token, crew.created_by))
    await connect(communicator)
    # when
    await communicator.send_json_to({"type": "message", "body": "and on the socket"})
    # then
    refused = await next_of(communicator, "error")
    assert refused["code"] == "rate_limited"
    assert refused["retry_after"] > 0
    assert not await database_sync_to_async(
        Message.objects.filter(group=crew, body="and on the socket").exists
    )()
    await communicator.disconnect()
