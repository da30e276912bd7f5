"""An alert from one member to the crew, through the real group and event services.

The group service runs under daphne (its REST API, internal endpoints and chat sockets), the
event service under gunicorn, both on the test database and trusting the test identity
provider; members connect real WebSockets; the safety API runs here and calls them over HTTP
with its own service token (client credentials) and the sender's token.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
import websockets
from django.db import connection
from django.utils import timezone

from shared.accounts.tests.factories import UserFactory
from shared.chat.models import Message
from shared.groups.models import MemberRole
from shared.groups.tests.factories import GroupFactory, MembershipFactory
from shared.safety.models import Alert, AlertTarget, LocationPoint
from shared.testing.api import error
from tests import live as live_processes

pytestmark = pytest.mark.django_db(transaction=True)

ALERTS = "/api/v1/safety/alerts/"
WHERE = {"lat": 65.5848, "lng": 22.1547, "accuracy_m": 20}
FRAME_TIMEOUT = 5


async def in_thread(call: Callable[[], Any]) -> Any:
    """Run a blocking call (the safety API, in this process) without blocking the sockets."""

    def run() -> Any:
        try:
            return call()
        finally:
            connection.close()

    return await asyncio.to_thread(run)


async def open_chat(port: int, group_id: Any, token: str) -> Any:
    chat = await websockets.connect(
        f"ws://127.0.0.1:{port}/ws/groups/{group_id}/chat/",
        subprotocols=["crewup.chat.v1", f"bearer.{token}"],
        origin="http://127.0.0.1:8080",
    )
    ready = json.loads(await asyncio.wait_for(chat.recv(), FRAME_TIMEOUT))
    assert ready["type"] == "ready"
    return chat


async def next_frame(chat: Any, kind: str, *, change: str | None = None) -> dict[str, Any]:
    """The next frame of `kind` (and `change`, for safety_alert frames), skipping the others."""
    while True:
        frame = json.loads(await asyncio.wait_for(chat.recv(), FRAME_TIMEOUT))
        if frame["type"] == kind and (change is None or frame.get("change") == change):
            return frame


@pytest.fixture
def crew():
    """A crew: the sender, two members who will be online, one who will be offline."""
    group = GroupFactory(max_members=10)
    sender = group.created_by
    online = [MembershipFactory(group=group).user for _ in range(2)]
    offline = MembershipFactory(group=group, role=MemberRole.ADMIN).user
    return group, sender, online, offline


def test_an_alert_reaches_the_crew_live_and_in_history_and_is_answered(
    live, crew, make_token, auth_client
):
    group, sender, (alice, bob), carol = crew
    token = {
        user.id: make_token(sub=user.keycloak_id, username=user.username)
        for user in (sender, alice, bob, carol)
    }
    port = live.group.port

    async def scenario() -> dict[str, Any]:
        seen: dict[str, Any] = {}
        # given: the sender and two members on the crew's chat; carol offline
        sender_chat = await open_chat(port, group.id, token[sender.id])
        alice_chat = await open_chat(port, group.id, token[alice.id])
        bob_chat = await open_chat(port, group.id, token[bob.id])
        # when: the sender raises an alert through the safety API
        raised = await in_thread(
            lambda: auth_client(user=sender).post(
                ALERTS,
                {
                    "group_ids": [str(group.id)],
                    "alert_type": "medical",
                    "message": "Twisted ankle",
                    "location": WHERE,
                },
                format="json",
            )
        )
        seen["raise_status"], seen["raised"] = raised.status_code, raised.json()
        # then: both members online get it live, in the stream and as an alert frame
        for name, chat in (("alice", alice_chat), ("bob", bob_chat)):
            seen[f"{name}_message"] = (await next_frame(chat, "message"))["message"]
            seen[f"{name}_alert"] = await next_frame(chat, "safety_alert", change="raised")
        # and carol, offline, finds it in the history
        async with httpx.AsyncClient(base_url=live.group.url) as http:
            history = await http.get(
                f"/api/v1/groups/{group.id}/messages/",
                headers={"Authorization": f"Bearer {token[carol.id]}"},
            )
        seen["history"] = history.json()["results"]
        alert_id = seen["raised"]["id"]
        # when: alice answers; the sender sees it live
        acknowledged = await in_thread(
            lambda: auth_client(user=alice).post(
                f"{ALERTS}{alert_id}/acknowledge/", {"kind": "on_my_way"}, format="json"
            )
        )
        seen["ack_status"] = acknowledged.status_code
        seen["sender_sees_ack"] = await next_frame(
            sender_chat, "safety_alert", change="acknowledged"
        )
        # when: the sender moves; the crew sees the new position
        moved = await in_thread(
            lambda: auth_client(user=sender).post(
                f"{ALERTS}{alert_id}/locations/", {"lat": 65.59, "lng": 22.16}, format="json"
            )
        )
        seen["move_status"] = moved.status_code
        seen["bob_sees_move"] = await next_frame(bob_chat, "safety_alert", change="location")
        # when: the sender resolves it; everyone online sees it, and it is in the stream too
        resolved = await in_thread(
            lambda: auth_client(user=sender).post(
                f"{ALERTS}{alert_id}/resolve/",
                {"note": "Ice on the ankle, all fine"},
                format="json",
            )
        )
        seen["resolve_status"] = resolved.status_code
        seen["alice_sees_resolved"] = await next_frame(
            alice_chat, "safety_alert", change="resolved"
        )
        seen["bob_resolved_message"] = (await next_frame(bob_chat, "message"))["message"]
        late = await in_thread(
            lambda: auth_client(user=sender).post(
                f"{ALERTS}{alert_id}/locations/", {"lat": 65.6, "lng": 22.2}, format="json"
            )
        )
        seen["late_move_status"] = late.status_code
        for chat in (sender_chat, alice_chat, bob_chat):
            await chat.close()
        return seen

    seen = asyncio.run(scenario())

    # raised: stored, and in each online member's stream with the location
    assert seen["raise_status"] == 201, seen["raised"]
    alert = Alert.objects.get()
    assert seen["raised"]["crews"][0]["delivered_at"] is not None
    assert seen["raised"]["crews"][0]["event"]["title"] == group.event.title
    for name in ("alice", "bob"):
        message, frame = seen[f"{name}_message"], seen[f"{name}_alert"]
        assert message["kind"] == "safety_alert"
        assert message["sender"] is None  # written by CrewUp, on the sender's behalf
        assert message["data"]["alert"]["location"] == {"lat": WHERE["lat"], "lng": WHERE["lng"]}
        assert frame["alert_id"] == str(alert.id)
        assert frame["alert"]["alert_type"] == "medical"
        assert frame["alert"]["sender"]["id"] == str(sender.id)
        assert frame["alert"]["location"] == {"lat": WHERE["lat"], "lng": WHERE["lng"]}
        assert frame["message"] == {"id": message["id"], "sequence": message["sequence"]}
    [notice] = [m for m in seen["history"] if m["kind"] == "safety_alert"]
    assert notice["data"]["alert_id"] == str(alert.id)
    assert notice["data"]["alert"]["location"] == {"lat": WHERE["lat"], "lng": WHERE["lng"]}
    # acknowledged: the sender saw who and how
    assert seen["ack_status"] == 200
    assert seen["sender_sees_ack"]["acknowledgement"]["user"]["id"] == str(alice.id)
    assert seen["sender_sees_ack"]["acknowledgement"]["kind"] == "on_my_way"
    # moved: the crew saw the new position
    assert seen["move_status"] == 201
    assert (seen["bob_sees_move"]["location"]["lat"], seen["bob_sees_move"]["location"]["lng"]) == (
        65.59,
        22.16,
    )
    # resolved: live, in the stream, and positions stop
    assert seen["resolve_status"] == 200
    assert seen["alice_sees_resolved"]["alert"]["status"] == "resolved"
    assert seen["alice_sees_resolved"]["alert"]["resolution_note"] == "Ice on the ankle, all fine"
    assert seen["bob_resolved_message"]["data"]["change"] == "resolved"
    assert seen["late_move_status"] == 409
    alert.refresh_from_db()
    assert alert.status == "resolved"
    target = AlertTarget.objects.get(alert=alert)
    assert target.delivered_at is not None
    assert target.closure_delivered_at is not None
    assert list(Message.objects.filter(group=group).values_list("data__change", flat=True)) == [
        "raised",
        "resolved",
    ]
    assert LocationPoint.objects.filter(alert=alert).count() == 2


def test_an_alert_without_a_position_reaches_the_crew_and_its_position_follows(
    live, crew, make_token, auth_client
):
    group, sender, (alice, _), carol = crew
    token = {user.id: make_token(sub=user.keycloak_id) for user in (sender, alice, carol)}
    port = live.group.port

    async def scenario() -> dict[str, Any]:
        seen: dict[str, Any] = {}
        alice_chat = await open_chat(port, group.id, token[alice.id])
        # when: the sender's phone has no fix (location access off): no location at all
        raised = await in_thread(
            lambda: auth_client(user=sender).post(
                ALERTS,
                {"group_ids": [str(group.id)], "alert_type": "help", "message": "Basement bar"},
                format="json",
            )
        )
        seen["raise_status"], seen["raised"] = raised.status_code, raised.json()
        seen["alice_message"] = (await next_frame(alice_chat, "message"))["message"]
        seen["alice_alert"] = await next_frame(alice_chat, "safety_alert", change="raised")
        async with httpx.AsyncClient(base_url=live.group.url) as http:
            history = await http.get(
                f"/api/v1/groups/{group.id}/messages/",
                headers={"Authorization": f"Bearer {token[carol.id]}"},
            )
        seen["history"] = history.json()["results"]
        # when: a fix arrives later and goes to the trail
        alert_id = seen["raised"]["id"]
        moved = await in_thread(
            lambda: auth_client(user=sender).post(
                f"{ALERTS}{alert_id}/locations/", {"lat": 65.59, "lng": 22.16}, format="json"
            )
        )
        seen["move_status"] = moved.status_code
        seen["alice_sees_move"] = await next_frame(alice_chat, "safety_alert", change="location")
        await alice_chat.close()
        return seen

    seen = asyncio.run(scenario())

    # then: raised without a position, live and in the history
    assert seen["raise_status"] == 201, seen["raised"]
    assert seen["raised"]["location"] is None
    assert seen["raised"]["crews"][0]["delivered_at"] is not None
    alert = Alert.objects.get()
    assert seen["alice_message"]["kind"] == "safety_alert"
    assert seen["alice_message"]["data"]["alert"]["location"] is None
    assert seen["alice_alert"]["alert_id"] == str(alert.id)
    assert seen["alice_alert"]["alert"]["location"] is None
    [notice] = [m for m in seen["history"] if m["kind"] == "safety_alert"]
    assert notice["data"]["alert_id"] == str(alert.id)
    assert notice["data"]["alert"]["message"] == "Basement bar"
    # and the position that came later is the crew's to see
    assert seen["move_status"] == 201
    assert seen["alice_sees_move"]["location"]["lat"] == 65.59
    alert.refresh_from_db()
    assert (alert.location.y, alert.location.x) == (65.59, 22.16)
    read = auth_client(user=alice).get(f"{ALERTS}{alert.id}/locations/").json()
    assert [(p["lat"], p["lng"]) for p in read["results"]] == [(65.59, 22.16)]


def test_a_non_member_cannot_raise_read_or_follow_an_alert(live, crew, auth_client):
    group, sender, (alice, _), _ = crew
    outsider = UserFactory()
    as_outsider = auth_client(user=outsider)

    refused = as_outsider.post(
        ALERTS,
        {"group_ids": [str(group.id)], "alert_type": "help", "location": WHERE},
        format="json",
    )
    raised = auth_client(user=sender).post(
        ALERTS,
        {"group_ids": [str(group.id)], "alert_type": "help", "location": WHERE},
        format="json",
    )
    alert_id = raised.json()["id"]
    read = as_outsider.get(f"{ALERTS}{alert_id}/")
    trail = as_outsider.get(f"{ALERTS}{alert_id}/locations/")
    answered = as_outsider.post(f"{ALERTS}{alert_id}/acknowledge/", {"kind": "seen"}, format="json")

    assert refused.status_code == 404
    assert error(refused)["code"] == "group_not_found"
    assert raised.status_code == 201
    assert Alert.objects.filter(sender=outsider).exists() is False
    for response in (read, trail, answered):
        assert response.status_code == 404
        assert error(response)["code"] == "alert_not_found"
        assert str(WHERE["lat"]) not in response.content.decode()
    # a member of the crew reads it
    assert auth_client(user=alice).get(f"{ALERTS}{alert_id}/locations/").json()["count"] == 1


@pytest.fixture
def doomed_group_service(live, settings):
    """A group service of this test's own, to stop or freeze."""
    group = live_processes.group_service(live.env)
    settings.GROUP_SERVICE_URL = group.url
    yield group
    group.stop()


@pytest.mark.parametrize("failure", ["stopped", "frozen"], ids=["stopped_case", "frozen_case"])
def test_with_the_group_service_down_an_alert_still_goes_out_at_once(
    doomed_group_service, crew, auth_client, settings, failure
):
    # given: the group service stopped (connections refused) or frozen (accepted, unanswered),
    # and the event service gone too; the notices go out as deployed, on the notice thread
    settings.SAFETY_NOTICES_IN_BACKGROUND = True
    settings.EVENT_SERVICE_URL = f"http://127.0.0.1:{live_processes.free_port()}"
    group, sender, _, _ = crew
    if failure == "stopped":
        doomed_group_service.stop()
    else:
        doomed_group_service.pause()
    started = time.monotonic()
    # when
    response = auth_client(user=sender).post(
        ALERTS,
        {"group_ids": [str(group.id)], "alert_type": "lost", "location": WHERE},
        format="json",
    )
    elapsed = time.monotonic() - started
    # then: stored and answered without waiting for either service
    assert response.status_code == 201, response.content
    assert elapsed < 0.5
    alert = Alert.objects.get()
    assert alert.targets.get().event_details["id"] == str(group.event_id)
    assert not Message.objects.filter(group=group).exists()  # the notice waits for a retry


def test_the_retention_purge_clears_the_position_in_the_crews_chat_notices(
    live, crew, auth_client, settings
):
    from safety_service.tasks import location_data_purge_task

    # given: an alert raised and resolved through the real services, its notices in the chat
    group, sender, _, _ = crew
    client = auth_client(user=sender)
    raised = client.post(
        ALERTS,
        {"group_ids": [str(group.id)], "alert_type": "lost", "location": WHERE},
        format="json",
    )
    assert raised.status_code == 201, raised.content
    alert_id = raised.json()["id"]
    assert client.post(f"{ALERTS}{alert_id}/resolve/", {}, format="json").status_code == 200
    notices = Message.objects.filter(group=group, kind="safety_alert")
    assert notices.count() == 2
    notices = Message.objects.filter(id__in=list(notices.values_list("id", flat=True)))
    assert notices.filter(data__alert__location__lat=WHERE["lat"]).count() == 2
    # ... and, later, a retention period that has run out for it
    settings.SAFETY_LOCATION_RETENTION_DAYS = 30
    old = timezone.now() - timedelta(days=31)
    Alert.objects.filter(id=alert_id).update(created_at=old)
    LocationPoint.objects.filter(alert_id=alert_id).update(recorded_at=old)
    notices.update(created_at=old)
    # ... beside a recent notice of another alert, which keeps its position
    recent = Message.objects.create(
        group=group,
        sequence=99,
        kind="safety_alert",
        data={"alert_id": "x", "change": "raised", "alert": {"location": {"lat": 1, "lng": 2}}},
    )

    # when
    location_data_purge_task()

    # then: gone from the safety service's tables and from the chat's copies
    assert Alert.objects.get(id=alert_id).location is None
    assert not LocationPoint.objects.filter(alert_id=alert_id).exists()
    assert [notice.data["alert"]["location"] for notice in notices] == [None, None]
    assert all(notice.data["alert"]["alert_type"] == "lost" for notice in notices)
    recent.refresh_from_db()
    assert recent.data["alert"]["location"] == {"lat": 1, "lng": 2}
