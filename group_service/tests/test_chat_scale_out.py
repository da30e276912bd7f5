"""Two group-service processes sharing nothing but Redis and PostgreSQL: chat crosses between them.

Real daphne processes, real sockets, the real Redis channel layer, the test database.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from shared.chat.models import Message
from shared.groups.tests.factories import GroupFactory, MembershipFactory
from tests.live import daphne, open_chat, service_environment

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def service_env(oidc_provider) -> dict[str, str]:
    return service_environment(issuer=oidc_provider.issuer)


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
