from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest

from shared.accounts.tests.factories import UserFactory
from shared.groups.models import JoinPolicy, JoinRequest, JoinRequestStatus, Membership
from shared.groups.tests.factories import GroupFactory, JoinRequestFactory
from shared.testing.api import actor_params, error
from tests.conftest import Crew

pytestmark = pytest.mark.django_db

URL = "/api/v1/groups/"

PENDING = JoinRequestStatus.PENDING


def requests_url(crew: Crew, suffix: str = "") -> str:
    return f"{URL}{crew.group.id}/join-requests/{suffix}"


@pytest.fixture
def request_crew(make_crew: Callable[..., Crew]) -> Crew:
    return make_crew(join_policy=JoinPolicy.REQUEST)


# --- ask ---


@pytest.mark.parametrize(
    ("actor", "expected"),
    actor_params(
        {
            "anonymous": 401,
            "outsider": 201,
            "member": 409,
            "admin": 409,
            "owner": 409,
            "banned": 403,
            "moderator": 201,
        }
    ),
)
def test_ask_to_join(
    client_as: Callable[..., Any], request_crew: Crew, actor: str, expected: int
) -> None:
    response = client_as(actor, request_crew).post(
        requests_url(request_crew), {"message": "Room for one more?"}, format="json"
    )

    assert response.status_code == expected
    assert JoinRequest.objects.exists() is (expected == 201)
    if expected == 201:
        body = response.json()
        assert (body["status"], body["message"], body["decided_by"]) == (
            "pending",
            "Room for one more?",
            None,
        )
    if expected == 409:
        assert error(response)["code"] == "already_member"


def test_ask_twice_returns_the_pending_request_with_200(
    auth_client: Any, request_crew: Crew
) -> None:
    client = auth_client()

    first = client.post(requests_url(request_crew), {}, format="json")
    second = client.post(requests_url(request_crew), {}, format="json")

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]


@pytest.mark.parametrize("policy", [JoinPolicy.OPEN, JoinPolicy.INVITE])
def test_ask_a_crew_without_requests_is_409(auth_client: Any, policy: str) -> None:
    group = GroupFactory(join_policy=policy)

    response = auth_client().post(f"{URL}{group.id}/join-requests/", {}, format="json")

    assert response.status_code == 409
    assert error(response)["code"] == "join_requests_closed"
    assert not JoinRequest.objects.exists()


def test_ask_with_a_too_long_message_is_400(auth_client: Any, request_crew: Crew) -> None:
    response = auth_client().post(requests_url(request_crew), {"message": "x" * 501}, format="json")

    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["message"]
    assert not JoinRequest.objects.exists()


# --- list ---


@pytest.mark.parametrize(
    ("actor", "expected"),
    actor_params(
        {
            "anonymous": 401,
            "outsider": 200,
            "member": 200,
            "admin": 200,
            "owner": 200,
            "banned": 403,
            "moderator": 200,
        }
    ),
)
def test_list_requests_shows_admins_all_and_others_none_but_their_own(
    client_as: Callable[..., Any], request_crew: Crew, actor: str, expected: int
) -> None:
    JoinRequestFactory.create_batch(2, group=request_crew.group)

    response = client_as(actor, request_crew).get(requests_url(request_crew))

    assert response.status_code == expected
    if expected == 200:
        seen = len(response.json()["results"])
        assert seen == (2 if actor in ("admin", "owner") else 0)


def test_list_requests_shows_the_requester_their_own(auth_client: Any, request_crew: Crew) -> None:
    mine = JoinRequestFactory(group=request_crew.group)
    JoinRequestFactory(group=request_crew.group)

    response = auth_client(user=mine.user).get(requests_url(request_crew))

    assert [item["id"] for item in response.json()["results"]] == [str(mine.id)]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        pytest.param(None, ["pending"], id="default_pending_case"),
        pytest.param("rejected", ["rejected"], id="rejected_case"),
        pytest.param("all", ["pending", "rejected"], id="all_case"),
    ],
)
def test_list_requests_by_status(
    auth_client: Any, request_crew: Crew, status: str | None, expected: list[str]
) -> None:
    JoinRequestFactory(group=request_crew.group)
    JoinRequestFactory(group=request_crew.group, status=JoinRequestStatus.REJECTED)
    params = {"status": status} if status else {}

    response = auth_client(user=request_crew.admin).get(requests_url(request_crew), params)

    assert sorted(item["status"] for item in response.json()["results"]) == expected


def test_list_requests_with_an_unknown_status_is_400(auth_client: Any, request_crew: Crew) -> None:
    response = auth_client(user=request_crew.owner).get(
        requests_url(request_crew), {"status": "maybe"}
    )

    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["status"]


# --- decide ---


@pytest.mark.parametrize("decision", ["approve", "reject"])
@pytest.mark.parametrize(
    ("actor", "expected"),
    actor_params(
        {
            "anonymous": 401,
            "outsider": 403,
            "member": 403,
            "admin": 200,
            "owner": 200,
            "banned": 403,
            "moderator": 403,
        }
    ),
)
def test_decide_a_request_is_for_admins(
    client_as: Callable[..., Any], request_crew: Crew, actor: str, expected: int, decision: str
) -> None:
    # given
    join_request = JoinRequestFactory(group=request_crew.group)
    # when
    response = client_as(actor, request_crew).post(
        requests_url(request_crew, f"{join_request.id}/{decision}/")
    )
    # then
    assert response.status_code == expected
    join_request.refresh_from_db()
    admitted = Membership.objects.filter(group=request_crew.group, user=join_request.user).exists()
    if expected == 200:
        assert join_request.status == {"approve": "approved", "reject": "rejected"}[decision]
        assert response.json()["status"] == join_request.status
        assert admitted is (decision == "approve")
    else:
        assert (join_request.status, admitted) == (PENDING, False)


def test_approve_when_the_crew_is_full_is_409_and_keeps_the_request(
    auth_client: Any, make_crew: Callable[..., Crew]
) -> None:
    crew = make_crew(join_policy=JoinPolicy.REQUEST, max_members=3)
    join_request = JoinRequestFactory(group=crew.group)

    response = auth_client(user=crew.owner).post(requests_url(crew, f"{join_request.id}/approve/"))

    assert response.status_code == 409
    assert error(response)["code"] == "group_full"
    assert JoinRequest.objects.get(id=join_request.id).status == PENDING


def test_decide_twice_is_409(auth_client: Any, request_crew: Crew) -> None:
    join_request = JoinRequestFactory(group=request_crew.group)
    client = auth_client(user=request_crew.owner)
    client.post(requests_url(request_crew, f"{join_request.id}/reject/"))

    response = client.post(requests_url(request_crew, f"{join_request.id}/approve/"))

    assert response.status_code == 409
    assert error(response)["code"] == "join_request_not_pending"
    assert JoinRequest.objects.get(id=join_request.id).status == JoinRequestStatus.REJECTED


def test_decide_an_unknown_request_is_404(auth_client: Any, request_crew: Crew) -> None:
    response = auth_client(user=request_crew.owner).post(
        requests_url(request_crew, f"{uuid4()}/approve/")
    )

    assert response.status_code == 404
    assert error(response)["code"] == "join_request_not_found"


def test_decide_a_request_of_another_crew_is_404(auth_client: Any, request_crew: Crew) -> None:
    elsewhere = JoinRequestFactory()

    response = auth_client(user=request_crew.owner).post(
        requests_url(request_crew, f"{elsewhere.id}/approve/")
    )

    assert response.status_code == 404
    assert JoinRequest.objects.get(id=elsewhere.id).status == PENDING


# --- withdraw ---


@pytest.mark.parametrize(
    ("actor", "expected"),
    actor_params(
        {
            "anonymous": 401,
            "outsider": 403,
            "member": 403,
            "admin": 403,
            "owner": 403,
            "banned": 403,
            "moderator": 403,
        }
    ),
)
def test_withdraw_someone_elses_request_is_refused(
    client_as: Callable[..., Any], request_crew: Crew, actor: str, expected: int
) -> None:
    join_request = JoinRequestFactory(group=request_crew.group)

    response = client_as(actor, request_crew).delete(
        requests_url(request_crew, f"{join_request.id}/")
    )

    assert response.status_code == expected
    assert JoinRequest.objects.get(id=join_request.id).status == PENDING


def test_withdraw_your_own_request(auth_client: Any, request_crew: Crew) -> None:
    join_request = JoinRequestFactory(group=request_crew.group)

    response = auth_client(user=join_request.user).delete(
        requests_url(request_crew, f"{join_request.id}/")
    )

    assert response.status_code == 204
    assert JoinRequest.objects.get(id=join_request.id).status == JoinRequestStatus.CANCELLED


def test_withdraw_a_decided_request_is_409(auth_client: Any, request_crew: Crew) -> None:
    join_request = JoinRequestFactory(
        group=request_crew.group, status=JoinRequestStatus.APPROVED, user=UserFactory()
    )

    response = auth_client(user=join_request.user).delete(
        requests_url(request_crew, f"{join_request.id}/")
    )

    assert response.status_code == 409
    assert error(response)["code"] == "join_request_not_pending"
