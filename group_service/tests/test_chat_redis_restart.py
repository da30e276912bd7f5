"""Redis crashes while a crew of 20 chats: what was acknowledged stays, and every client ends
with exactly the stored history.

Two real daphne processes of the group service (messages cross between them through Redis, as
deployed) use a redis-server of this test's own, which is killed (SIGKILL) and started again on
the same port while every member keeps sending. The clients behave as the SPA's
`ChatConnection` (frontend/src/chat/connection.ts): a socket that closes with anything but 4403
is opened again with `?after=<last sequence seen>`, and every message not answered yet is sent
again, under its client_id, once the new socket is `ready`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import pytest
import websockets

from shared.chat.models import Message
from shared.groups.tests.factories import GroupFactory, MembershipFactory
from tests.live import ORIGIN, daphne, redis_server, service_environment, settled_open_sockets

pytestmark = pytest.mark.django_db(transaction=True)

CREW_SIZE = 20
READERS = 5  # members who only read: their sockets have nothing to send when Redis goes
SEND_INTERVAL_SECONDS = 0.6  # 17 a member per 10 s: under the chat rate limit (20 per 10 s)
BEFORE_CRASH_SECONDS = 2.0
OUTAGE_SECONDS = 2.0
AFTER_RESTART_SECONDS = 3.0
RECONNECT_SECONDS = 0.3
CATCH_UP_SECONDS = 20.0
CLOSE_NORMAL = 1000
CLOSE_SERVER_ERROR = 4011
CLOSE_FORBIDDEN = 4403


@dataclass
class Member:
    """One member's client, and everything it saw."""

    name: str
    url: str
    token: str
    received: list[dict[str, Any]] = field(default_factory=list)  # message payloads, in order
    last_sequence: int = 0
    sent: dict[str, str] = field(default_factory=dict)  # client_id → body, every one sent
    unanswered: dict[str, str] = field(default_factory=dict)
    acked: dict[str, tuple[int, str]] = field(default_factory=dict)  # client_id → sequence, id
    refused: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    close_codes: list[int] = field(default_factory=list)  # of each socket, in order
    refused_handshakes: list[str] = field(default_factory=list)
    socket: Any = None  # the open, ready socket, if any
    sent_on_socket: set[str] = field(default_factory=set)

    async def send(self, client_id: str) -> None:
        self.sent_on_socket.add(client_id)
        with contextlib.suppress(websockets.ConnectionClosed):
            await self.socket.send(
                json.dumps(
                    {"type": "message", "body": self.unanswered[client_id], "client_id": client_id}
                )
            )

    async def resend_unanswered(self, socket: Any) -> None:
        """Send again, in order, what was not answered; then take new messages live."""
        self.socket, self.sent_on_socket = None, set()
        while pending := [cid for cid in self.unanswered if cid not in self.sent_on_socket]:
            for client_id in pending:
                self.sent_on_socket.add(client_id)
                with contextlib.suppress(websockets.ConnectionClosed):
                    await socket.send(
                        json.dumps(
                            {
                                "type": "message",
                                "body": self.unanswered[client_id],
                                "client_id": client_id,
                            }
                        )
                    )
        self.socket = socket

    async def handle(self, socket: Any, frame: dict[str, Any]) -> None:
        kind = frame["type"]
        if kind == "ready":
            await self.resend_unanswered(socket)
        elif kind == "message":
            self.received.append(frame["message"])
            self.last_sequence = max(self.last_sequence, frame["message"]["sequence"])
        elif kind == "ack":
            answer = (frame["sequence"], frame["id"])
            # A resend is acknowledged with the message stored the first time.
            assert self.acked.setdefault(frame["client_id"], answer) == answer, frame
            self.unanswered.pop(frame["client_id"], None)
        elif kind == "error":
            if frame.get("client_id") in self.unanswered:
                self.refused[frame["client_id"]] = frame  # the SPA shows it failed: not resent
                self.unanswered.pop(frame["client_id"])
            else:
                self.errors.append(frame)

    async def chat(self, stopping: asyncio.Event) -> None:
        """Keep a socket open, as the SPA does, until `stopping`."""
        while not stopping.is_set():
            try:
                socket = await websockets.connect(
                    f"{self.url}?after={self.last_sequence}",
                    subprotocols=["crewup.chat.v1", f"bearer.{self.token}"],
                    origin=ORIGIN,
                    open_timeout=5,
                )
            except (OSError, TimeoutError, websockets.InvalidHandshake) as error:
                self.refused_handshakes.append(repr(error))
                await asyncio.sleep(RECONNECT_SECONDS)
                continue
            closer = asyncio.create_task(close_when(stopping, socket))
            with contextlib.suppress(websockets.ConnectionClosed):
                async for text in socket:
                    await self.handle(socket, json.loads(text))
            closer.cancel()
            self.socket = None
            self.close_codes.append(socket.close_code)
            assert socket.close_code != CLOSE_FORBIDDEN, (self.name, socket.close_reason)
            if not stopping.is_set():
                await asyncio.sleep(RECONNECT_SECONDS)

    async def keep_sending(self, until: float) -> None:
        number = 0
        while time.monotonic() < until:
            number += 1
            client_id = f"{self.name}-{number}"
            self.sent[client_id] = self.unanswered[client_id] = f"{self.name} says {number}"
            if self.socket is not None:  # else sent once the next socket is ready
                await self.send(client_id)
            await asyncio.sleep(SEND_INTERVAL_SECONDS)


async def close_when(stopping: asyncio.Event, socket: Any) -> None:
    await stopping.wait()
    await socket.close()


def test_a_redis_crash_loses_no_acknowledged_message_and_every_client_ends_with_the_history(
    oidc_provider, make_token
):
    # given: a crew of 20 and two group-service processes on a Redis of the test's own
    crew = GroupFactory(max_members=CREW_SIZE)
    users = [crew.created_by] + [MembershipFactory(group=crew).user for _ in range(CREW_SIZE - 1)]
    crashed_at_sequence = 0

    with redis_server() as redis:
        env = {**service_environment(issuer=oidc_provider.issuer), "REDIS_URL": redis.url}
        with daphne(env) as port_a, daphne(env) as port_b:
            members = [
                Member(
                    name=f"m{index}",
                    url=f"ws://127.0.0.1:{(port_a, port_b)[index % 2]}/ws/groups/{crew.id}/chat/",
                    token=make_token(sub=user.keycloak_id),
                )
                for index, user in enumerate(users)
            ]

            async def scenario() -> None:
                nonlocal crashed_at_sequence
                stopping = asyncio.Event()
                chats = [asyncio.create_task(member.chat(stopping)) for member in members]
                deadline = time.monotonic() + 30
                while any(member.socket is None for member in members):
                    assert time.monotonic() < deadline, "not every member's socket got ready"
                    await asyncio.sleep(0.1)
                start = time.monotonic()
                sending_until = (
                    start + BEFORE_CRASH_SECONDS + OUTAGE_SECONDS + AFTER_RESTART_SECONDS
                )
                senders = [
                    asyncio.create_task(member.keep_sending(sending_until))
                    for member in members[READERS:]
                ]
                # when: Redis crashes mid-chat, and comes back empty
                await asyncio.sleep(BEFORE_CRASH_SECONDS)
                crashed_at_sequence = max(member.last_sequence for member in members)
                await asyncio.to_thread(redis.kill)
                await asyncio.sleep(OUTAGE_SECONDS)
                await asyncio.to_thread(redis.start)
                await asyncio.gather(*senders)
                # then (catch-up): every message answered, every client up to the last one
                deadline = time.monotonic() + CATCH_UP_SECONDS
                while time.monotonic() < deadline and not caught_up(members):
                    await asyncio.sleep(0.2)
                stopping.set()
                await asyncio.wait_for(asyncio.gather(*chats), 10)

            asyncio.run(scenario())
            # Every socket released what it held, on whatever path it ended.
            open_afterwards = [settled_open_sockets(port, 0.0) for port in (port_a, port_b)]

    # then
    stored = {
        message.id: message
        for message in Message.objects.filter(group=crew).select_related("sender")
    }
    assert all(member.sent for member in members[READERS:])
    sequences = sorted(message.sequence for message in stored.values())
    history = sorted(stored.values(), key=lambda message: message.sequence)
    assert crashed_at_sequence > 0, "nothing was delivered before the crash"
    assert sequences == list(range(1, len(stored) + 1))
    for member, user in zip(members, users, strict=True):
        # Every acknowledged message is stored as acknowledged.
        for client_id, (sequence, message_id) in member.acked.items():
            message = stored[UUID(message_id)]
            assert (message.sequence, message.sender_id, message.client_id, message.body) == (
                sequence,
                user.id,
                client_id,
                member.sent[client_id],
            )
        # Nothing was refused or left unanswered: every message sent was stored, once.
        assert (member.refused, member.unanswered) == ({}, {}), member.name
        assert set(member.acked) == set(member.sent), member.name
        # The client's view, live and caught up, is the stored history: no gap, no repeat.
        assert [(payload["sequence"], payload["id"]) for payload in member.received] == [
            (message.sequence, str(message.id)) for message in history
        ], member.name
    assert len(stored) == sum(len(member.sent) for member in members)
    assert sequences[-1] > crashed_at_sequence, "nothing was stored after the crash"
    # The server never failed a socket in a way the protocol does not document: sockets it
    # could not serve were closed with 4011 (reconnect with ?after=), none refused with a 500.
    for member in members:
        assert member.refused_handshakes == [], member.name
        assert set(member.close_codes) <= {CLOSE_SERVER_ERROR, CLOSE_NORMAL}, member.name
        assert member.close_codes[-1] == CLOSE_NORMAL, member.name  # the client's own, at the end
    assert any(CLOSE_SERVER_ERROR in member.close_codes for member in members), "no socket failed"
    # A socket with nothing to do while Redis was away stayed open, and caught up on it.
    assert [member.close_codes for member in members[:READERS]] == [[CLOSE_NORMAL]] * READERS
    assert open_afterwards == [0.0, 0.0]


def caught_up(members: list[Member]) -> bool:
    latest = max(
        (sequence for member in members for sequence, _ in member.acked.values()), default=0
    )
    return all(not member.unanswered and member.last_sequence >= latest for member in members)
