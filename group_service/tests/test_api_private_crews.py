"""A private crew is invisible to anyone outside it: 404 on every endpoint, and nothing changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from shared.groups.models import Group, Invite, JoinRequest, Membership
from shared.groups.tests.factories import InviteFactory, JoinRequestFactory
from shared.testing.api import error
from tests.conftest import Crew

pytestmark = pytest.mark.django_db


def snapshot(crew: Crew) -> tuple[Any, ...]:
    group = Group.objects.get(id=crew.group.id)
    return (
        group.name,
        group.member_count,
        group.join_policy,
        sorted(Membership.objects.filter(group=group).values_list("user_id", "role")),
        sorted(JoinRequest.objects.filter(group=group).values_list("id", "status")),
        sorted(Invite.objects.filter(group=group).values_list("id", "revoked_at", "use_count")),
    )


# (method, path under /api/v1/groups/<id>/, body); `{member}`, `{request}` and `{invite}` are
# filled in with the crew's plain member, a pending join request and an invite.
ENDPOINTS = [
    pytest.param("get", "", None, id="retrieve_case"),
    pytest.param("patch", "", {"name": "Mine now"}, id="update_case"),
    pytest.param("post", "join/", None, id="join_case"),
    pytest.param("post", "leave/", None, id="leave_case"),
    pytest.param("delete", "leave/", None, id="leave_delete_case"),
    pytest.param("get", "members/", None, id="members_case"),
    pytest.param("delete", "members/{member}/", None, id="member_remove_case"),
    pytest.param("patch", "members/{member}/", {"role": "admin"}, id="member_role_case"),
    pytest.param("post", "transfer-ownership/", {"user_id": "{member}"}, id="transfer_case"),
    pytest.param("get", "join-requests/", None, id="join_requests_case"),
    pytest.param("post", "join-requests/", {"message": "Hi"}, id="join_request_create_case"),
    pytest.param("delete", "join-requests/{request}/", None, id="join_request_cancel_case"),
    pytest.param("post", "join-requests/{request}/approve/", None, id="approve_case"),
    pytest.param("post", "join-requests/{request}/reject/", None, id="reject_case"),
    pytest.param("get", "invites/", None, id="invites_case"),
    pytest.param("post", "invites/", {}, id="invite_create_case"),
    pytest.param("delete", "invites/{invite}/", None, id="invite_revoke_case"),
]


@pytest.fixture
def private_crew(make_crew: Callable[..., Crew]) -> tuple[Crew, dict[str, str]]:
    crew = make_crew(private=True)
    # A request left over from when the crew took requests (the policy change cancels them,
    # but rows made by hand may stay pending): outsiders must not reach it either.
    join_request = JoinRequestFactory(group=crew.group)
    invite = InviteFactory(group=crew.group)
    names = {
        "member": str(crew.member.id),
        "request": str(join_request.id),
        "invite": str(invite.id),
    }
    return crew, names


def fill(template: Any, names: dict[str, str]) -> Any:
    if isinstance(template, str):
        return template.format(**names)
    if isinstance(template, dict):
        return {key: fill(value, names) for key, value in template.items()}
    return template


@pytest.mark.parametrize("actor", ["outsider", "moderator"])
@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_a_private_crew_is_404_to_outsiders_on_every_endpoint(
    client_as: Callable[..., Any],
    private_crew: tuple[Crew, dict[str, str]],
    actor: str,
    method: str,
    path: str,
    body: Any,
) -> None:
    # given
    crew, names = private_crew
    before = snapshot(crew)
    client = client_as(actor, crew)
    url = f"/api/v1/groups/{crew.group.id}/{fill(path, names)}"
    # when
    response = getattr(client, method)(url, fill(body, names), format="json")
    # then
    assert response.status_code == 404
    assert error(response)["code"] == "group_not_found"
    assert snapshot(crew) == before


def test_the_requester_of_a_private_crew_is_an_outsider_too(
    auth_client: Any, private_crew: tuple[Crew, dict[str, str]]
) -> None:
    crew, names = private_crew
    requester = JoinRequest.objects.get(id=names["request"]).user

    response = auth_client(user=requester).delete(
        f"/api/v1/groups/{crew.group.id}/join-requests/{names['request']}/"
    )

    assert response.status_code == 404
    assert JoinRequest.objects.get(id=names["request"]).status == "pending"


@pytest.mark.parametrize("actor", ["member", "admin", "owner"])
def test_members_see_inside_a_private_crew(
    client_as: Callable[..., Any], private_crew: tuple[Crew, dict[str, str]], actor: str
) -> None:
    crew, _ = private_crew
    client = client_as(actor, crew)

    detail = client.get(f"/api/v1/groups/{crew.group.id}/")
    members = client.get(f"/api/v1/groups/{crew.group.id}/members/")

    assert (detail.status_code, members.status_code) == (200, 200)
    assert members.json()["count"] == 3


def test_a_private_crew_is_not_listed_to_outsiders(
    client_as: Callable[..., Any], private_crew: tuple[Crew, dict[str, str]]
) -> None:
    crew, _ = private_crew

    outsider = client_as("outsider", crew).get("/api/v1/groups/", {"event_id": crew.group.event_id})
    member = client_as("member", crew).get("/api/v1/groups/", {"event_id": crew.group.event_id})

    assert outsider.json()["results"] == []
    assert [group["id"] for group in member.json()["results"]] == [str(crew.group.id)]


def test_a_removed_crew_is_404_to_its_own_admins(
    auth_client: Any, make_crew: Callable[..., Crew]
) -> None:
    crew = make_crew(removed_at=timezone.now(), removal_reason="Spam")

    response = auth_client(user=crew.owner).patch(
        f"/api/v1/groups/{crew.group.id}/", {"name": "Back"}, format="json"
    )

    assert response.status_code == 404
    assert Group.objects.get(id=crew.group.id).name != "Back"
