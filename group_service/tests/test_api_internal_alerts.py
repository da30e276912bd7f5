"""The internal endpoint that posts a safety alert into a crew's chat stream: services only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from shared.accounts.tests.factories import UserFactory
from shared.chat.models import Message, MessageKind
from shared.testing.api import error
from tests.conftest import Crew
from tests.test_chat_socket import connect, next_of, socket, token_for

pytestmark = pytest.mark.django_db


def notices_url(group_id: Any) -> str:
    return f"/internal/v1/groups/{group_id}/safety-alerts/"


def alert_body(alert_id: Any = None, change: str = "raised") -> dict[str, Any]:
    alert_id = alert_id or uuid4()
    return {
        "alert_id": str(alert_id),
        "change": change,
        "alert": {
            "id": str(alert_id),
            "alert_type": "medical",
            "message": "Fell on the stairs",
            "status": "open" if change == "raised" else change,
            "sender": {"id": str(uuid4()), "username": "alice", "display_name": "Alice A"},
            "location": {"lat": 65.584, "lng": 22.154},
        },
    }


@pytest.fixture
def service_client(auth_client: Callable[..., Any]) -> Any:
    """The safety service, with its client-credentials token."""
    return auth_client(
        user=UserFactory(username="service-account-crewup-safety"), roles=("service",)
    )


@pytest.mark.django_db(transaction=True)  # the broadcast runs after a real commit
def test_a_notice_is_stored_in_the_crews_stream(
    service_client: Any, make_crew: Callable[..., Crew]
) -> None:
    # given
    crew = make_crew()
    body = alert_body()
    # when
    response = service_client.post(notices_url(crew.group.id), body, format="json")
    # then
    assert response.status_code == 201
    message = Message.objects.get(group=crew.group)
    assert response.json() == {
        "message_id": str(message.id),
        "sequence": message.sequence,
        "created": True,
        "broadcast": True,
    }
    assert message.kind == MessageKind.SAFETY_ALERT
    assert message.sender is None
    assert message.body == "Alice A raised a medical alert."
    assert message.data == {
        "alert_id": body["alert_id"],
        "change": "raised",
        "alert": body["alert"],
    }


def test_asking_again_returns_the_stored_notice_and_stores_nothing(
    service_client: Any, make_crew: Callable[..., Crew]
) -> None:
    crew = make_crew()
    body = alert_body()
    first = service_client.post(notices_url(crew.group.id), body, format="json").json()

    again = service_client.post(notices_url(crew.group.id), body, format="json")

    assert again.status_code == 200
    assert again.json() == {**first, "created": False, "broadcast": False}
    assert Message.objects.filter(group=crew.group).count() == 1


def test_each_change_of_an_alert_is_its_own_notice(
    service_client: Any, make_crew: Callable[..., Crew]
) -> None:
    crew = make_crew()
    alert_id = uuid4()

    raised = service_client.post(notices_url(crew.group.id), alert_body(alert_id), format="json")
    resolved = service_client.post(
        notices_url(crew.group.id), alert_body(alert_id, "resolved"), format="json"
    )

    assert (raised.status_code, resolved.status_code) == (201, 201)
    assert [m.data["change"] for m in Message.objects.filter(group=crew.group)] == [
        "raised",
        "resolved",
    ]
    assert (
        Message.objects.get(data__change="resolved").body == "Alice A's medical alert was resolved."
    )


def test_a_member_offline_finds_the_notice_in_the_history(
    service_client: Any, make_crew: Callable[..., Crew], auth_client: Callable[..., Any]
) -> None:
    crew = make_crew()
    body = alert_body()
    service_client.post(notices_url(crew.group.id), body, format="json")

    history = auth_client(user=crew.member).get(f"/api/v1/groups/{crew.group.id}/messages/")

    assert history.status_code == 200
    [notice] = history.json()["results"]
    assert notice["kind"] == "safety_alert"
    assert notice["data"]["alert"]["location"] == {"lat": 65.584, "lng": 22.154}


@pytest.mark.parametrize(
    "case",
    [
        pytest.param("unknown_crew", id="unknown_crew_case"),
        pytest.param("removed_crew", id="removed_crew_case"),
    ],
)
def test_no_notice_for_a_crew_that_is_not_there(
    service_client: Any, make_crew: Callable[..., Crew], case: str
) -> None:
    crew = make_crew(removed_at=timezone.now() if case == "removed_crew" else None)
    group_id = uuid4() if case == "unknown_crew" else crew.group.id

    response = service_client.post(notices_url(group_id), alert_body(), format="json")

    assert response.status_code == 404
    assert error(response)["code"] == "group_not_found"
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param(
            {**alert_body(), "change": "acknowledged"}, "change", id="unknown_change_case"
        ),
        pytest.param({**alert_body(), "alert_id": "nope"}, "alert_id", id="bad_alert_id_case"),
        pytest.param({**alert_body(), "alert": "a string"}, "alert", id="alert_not_an_object_case"),
        pytest.param({**alert_body(), "alert": {"x": "y" * 20_000}}, "alert", id="too_big_case"),
    ],
)
def test_bad_input_is_400_and_stores_nothing(
    service_client: Any, make_crew: Callable[..., Crew], body: dict[str, Any], field: str
) -> None:
    crew = make_crew()

    response = service_client.post(notices_url(crew.group.id), body, format="json")

    assert response.status_code == 400
    assert field in error(response)["fields"]
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        pytest.param("anonymous", 401, id="anonymous_case"),
        pytest.param("member", 403, id="member_case"),
        pytest.param("owner", 403, id="owner_case"),
        pytest.param("moderator", 403, id="moderator_case"),
    ],
)
def test_only_services_may_post_notices(
    client_as: Callable[[str, Crew], Any],
    make_crew: Callable[..., Crew],
    actor: str,
    expected: int,
) -> None:
    crew = make_crew()

    response = client_as(actor, crew).post(notices_url(crew.group.id), alert_body(), format="json")

    assert response.status_code == expected
    assert not Message.objects.exists()


def test_the_endpoint_is_not_under_the_public_api(
    service_client: Any, make_crew: Callable[..., Crew]
) -> None:
    crew = make_crew()

    response = service_client.post(
        f"/api/v1/groups/{crew.group.id}/safety-alerts/", alert_body(), format="json"
    )

    assert response.status_code == 404
    assert not Message.objects.exists()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_members_online_get_the_message_and_the_safety_alert_frame(
    make_token: Callable[..., str], auth_client: Callable[..., Any]
) -> None:
    # given: a crew with a member on the chat socket
    from shared.groups.tests.factories import GroupFactory, MembershipFactory

    group = await database_sync_to_async(GroupFactory)()
    member = (await database_sync_to_async(MembershipFactory)(group=group)).user
    account = await database_sync_to_async(UserFactory)()
    service = await database_sync_to_async(auth_client)(user=account, roles=("service",))
    chat = socket(group.id, token_for(make_token, member))
    await connect(chat)
    body = alert_body()
    # when
    response = await database_sync_to_async(service.post)(
        notices_url(group.id), body, format="json"
    )
    # then: the numbered message, then the alert frame naming it
    assert response.status_code == 201
    message = (await next_of(chat, "message"))["message"]
    frame = await next_of(chat, "safety_alert")
    assert message["kind"] == "safety_alert"
    assert message["data"]["alert_id"] == body["alert_id"]
    assert frame == {
        "type": "safety_alert",
        "change": "raised",
        "alert_id": body["alert_id"],
        "alert": body["alert"],
        "message": {"id": message["id"], "sequence": message["sequence"]},
    }
    await chat.disconnect()


@pytest.mark.django_db(transaction=True)
def test_the_same_notice_asked_twice_at_once_is_stored_once(
    auth_client: Callable[..., Any], make_crew: Callable[..., Crew]
) -> None:
    # given: two deliveries of one notice racing (a retry while the first is still running)
    import threading

    from django.db import connection

    crew = make_crew()
    body = alert_body()
    clients = [
        auth_client(user=UserFactory(), roles=("service",)),
        auth_client(user=UserFactory(), roles=("service",)),
    ]
    start = threading.Barrier(2)
    statuses: list[int] = []

    def deliver(client: Any) -> None:
        start.wait()
        try:
            statuses.append(
                client.post(notices_url(crew.group.id), body, format="json").status_code
            )
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=deliver, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    # then
    assert sorted(statuses) == [200, 201]
    assert Message.objects.filter(group=crew.group).count() == 1


PURGE_URL = "/internal/v1/groups/safety-alerts/purge-locations/"


def test_the_location_purge_clears_positions_in_notices_before_the_cutoff(
    service_client: Any, make_crew: Callable[..., Crew]
) -> None:
    # given: an old notice and a recent one, and a plain message
    crew = make_crew()
    old_body, recent_body = alert_body(), alert_body()
    for body in (old_body, recent_body):
        service_client.post(notices_url(crew.group.id), body, format="json")
    now = timezone.now()
    Message.objects.filter(data__alert_id=old_body["alert_id"]).update(
        created_at=now - timedelta(days=31)
    )
    cutoff = now - timedelta(days=30)
    # when
    response = service_client.post(PURGE_URL, {"before": cutoff.isoformat()}, format="json")
    again = service_client.post(PURGE_URL, {"before": cutoff.isoformat()}, format="json")
    # then
    assert (response.status_code, response.json()) == (200, {"cleared": 1})
    assert again.json() == {"cleared": 0}
    old = Message.objects.get(data__alert_id=old_body["alert_id"])
    recent = Message.objects.get(data__alert_id=recent_body["alert_id"])
    assert old.data["alert"] == {**old_body["alert"], "location": None}
    assert recent.data["alert"] == recent_body["alert"]


@pytest.mark.parametrize("body", [{}, {"before": "last month"}], ids=["missing", "not_a_date"])
def test_the_location_purge_refuses_bad_input(service_client: Any, body: dict[str, Any]) -> None:
    response = service_client.post(PURGE_URL, body, format="json")

    assert response.status_code == 400
    assert "before" in error(response)["fields"]


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        pytest.param("anonymous", 401, id="anonymous_case"),
        pytest.param("member", 403, id="member_case"),
        pytest.param("moderator", 403, id="moderator_case"),
    ],
)
def test_only_services_may_purge_notice_locations(
    client_as: Callable[[str, Crew], Any],
    make_crew: Callable[..., Crew],
    service_client: Any,
    actor: str,
    expected: int,
) -> None:
    crew = make_crew()
    body = alert_body()
    service_client.post(notices_url(crew.group.id), body, format="json")
    Message.objects.update(created_at=timezone.now() - timedelta(days=60))

    response = client_as(actor, crew).post(
        PURGE_URL, {"before": timezone.now().isoformat()}, format="json"
    )

    assert response.status_code == expected
    assert Message.objects.get().data["alert"]["location"] == body["alert"]["location"]
