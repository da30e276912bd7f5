"""Two group-service processes sharing nothing but Redis and PostgreSQL: chat crosses between them.

Real daphne processes, real sockets, the real Redis channel layer, the test database.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import websockets
from django.db import connection

from shared.chat.models import Message
from shared.groups.tests.factories import GroupFactory, MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)

SERVICE_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def daphne(env: dict[str, str]) -> Iterator[int]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "group_service.asgi:application"],
        cwd=SERVICE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", port), timeout=0.2),
            ):
                break
            if process.poll() is not None:
                raise RuntimeError(process.stderr.read().decode())
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def service_env(oidc_provider) -> dict[str, str]:
    """The environment of a group-service process that uses this test's database and key server."""
    database = connection.settings_dict
    return {
        **os.environ,
        "DATABASE_URL": f"postgis://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "OIDC_ISSUER": oidc_provider.issuer,
        "DJANGO_READ_DOT_ENV_FILE": "false",
        "LOG_LEVEL": "WARNING",
    }


async def open_chat(port: int, group_id, token: str):
    chat = await websockets.connect(
        f"ws://127.0.0.1:{port}/ws/groups/{group_id}/chat/",
        subprotocols=["crewup.chat.v1", f"bearer.{token}"],
        origin="http://127.0.0.1:8080",
    )
    ready = json.loads(await asyncio.wait_for(chat.recv(), 5))
    assert ready["type"] == "ready"
    return chat


async def next_message(chat) -> dict:
    while True:
        frame = json.loads(await asyncio.wait_for(chat.recv(), 5))
        if frame["type"] == "message":
            return frame["message"]


def test_a_message_sent_on_one_process_reaches_a_client_on_the_other(service_env, make_token):
    crew = GroupFactory()
    owner, member = crew.created_by, MembershipFactory(group=crew).user

    async def scenario(port_a: int, port_b: int) -> tuple[dict, dict]:
        alice = await open_chat(port_a, crew.id, make_token(sub=owner.keycloak_id))
        bob = await open_chat(port_b, crew.id, make_token(sub=member.keycloak_id))
        await alice.send(json.dumps({"type": "message", "body": "from process A"}))
        at_bob = await next_message(bob)
        await bob.send(json.dumps({"type": "message", "body": "from process B"}))
        at_alice = [await next_message(alice), await next_message(alice)]
        await alice.close()
        await bob.close()
        return at_bob, at_alice[1]

    with daphne(service_env) as port_a, daphne(service_env) as port_b:
        at_bob, at_alice = asyncio.run(scenario(port_a, port_b))

    assert (at_bob["sequence"], at_bob["body"]) == (1, "from process A")
    assert (at_alice["sequence"], at_alice["body"]) == (2, "from process B")
    assert list(Message.objects.filter(group=crew).values_list("sequence", "body")) == [
        (1, "from process A"),
        (2, "from process B"),
    ]
