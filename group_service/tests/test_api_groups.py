from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from django.utils import timezone
from prometheus_client import REGISTRY

from shared.accounts.models import User
from shared.accounts.tests.factories import UserFactory
from shared.events.models import EventStatus
from shared.events.tests.factories import EventFactory, ParticipationFactory
from shared.groups.events import LeaveReason, MemberChange, MemberChangeKind
from shared.groups.models import Group, JoinPolicy, MemberRole, Membership
from shared.groups.tests.factories import GroupFactory, MembershipFactory
from shared.testing.api import actor_params, error
from tests.conftest import Crew

pytestmark = pytest.mark.django_db

URL = "/api/v1/groups/"


def detail_url(group: Group | UUID, suffix: str = "") -> str:
    return f"{URL}{getattr(group, 'id', group)}/{suffix}"


def payload(event: UUID, **overrides: Any) -> dict[str, Any]:
    return {
        "event_id": str(event),
        "name": "Front row",
        "description": "We meet at the bar first.",
        "max_members": 6,
        "join_policy": "open",
        "visibility": "public",
        **overrides,
    }


def groups_created_total() -> float:
    return REGISTRY.get_sample_value("groups_created_total") or 0.0


def role_of(group: Group, user: Any) -> str | None:
    membership = Membership.objects.filter(group=group, user=user).first()
    return membership.role if membership else None


# --- create ---


def test_create_returns_the_crew_with_you_as_owner(
    auth_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    client = auth_client()
    event = EventFactory(title="Quiz night")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, payload(event.id), format="json")
    # then
    assert response.status_code == 201
    body = response.json()
    group = Group.objects.get()
    user = User.objects.get(id=client.user.id)  # the token refreshed the profile
    assert body == {
        "id": str(group.id),
        "event": {
            "id": str(event.id),
            "title": "Quiz night",
            "starts_at": body["event"]["starts_at"],
            "ends_at": body["event"]["ends_at"],
            "status": "scheduled",
        },
        "name": "Front row",
        "description": "We meet at the bar first.",
        "max_members": 6,
        "member_count": 1,
        "is_full": False,
        "join_policy": "open",
        "visibility": "public",
        "created_by": {
            "id": str(user.id),
            "username": user.username,
            "display_name": user.display_name,
        },
        "my_role": "owner",
        "removed_at": None,
        "removal_reason": "",
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    assert role_of(group, user) == MemberRole.OWNER


def test_create_counts_the_crew_in_the_metrics(
    auth_client: Any, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    event = EventFactory()
    before = groups_created_total()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client().post(URL, payload(event.id), format="json")
    # then
    assert response.status_code == 201
    assert groups_created_total() == before + 1
    exposition = client.get("/metrics").content.decode()
    assert f'groups_created_total{{service="group"}} {before + 1}' in exposition


def test_create_a_private_crew_defaults_to_invite_only(auth_client: Any) -> None:
    event = EventFactory()
    body = payload(event.id, visibility="private")
    del body["join_policy"]

    response = auth_client().post(URL, body, format="json")

    assert response.status_code == 201
    assert (response.json()["visibility"], response.json()["join_policy"]) == (
        "private",
        "invite",
    )


def test_create_ignores_fields_a_client_may_not_set(auth_client: Any) -> None:
    # given
    client = auth_client()
    other = UserFactory()
    forged = payload(
        EventFactory().id,
        id=str(uuid4()),
        created_by=str(other.id),
        member_count=40,
        removed_at="2020-01-01T00:00:00Z",
        my_role="admin",
    )
    # when
    response = client.post(URL, forged, format="json")
    # then
    assert response.status_code == 201
    group = Group.objects.get()
    assert str(group.id) != forged["id"]
    assert (group.created_by_id, group.member_count, group.removed_at) == (client.user.id, 1, None)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"max_members": 1}, "max_members", id="max_members_1_case"),
        pytest.param({"max_members": 51}, "max_members", id="max_members_51_case"),
        pytest.param({"max_members": "many"}, "max_members", id="max_members_text_case"),
        pytest.param({"name": ""}, "name", id="name_blank_case"),
        pytest.param({"name": "x" * 101}, "name", id="name_101_case"),
        pytest.param({"name": "a\x00b"}, "name", id="name_nul_case"),
        pytest.param({"description": "x" * 2001}, "description", id="description_2001_case"),
        pytest.param({"join_policy": "maybe"}, "join_policy", id="unknown_policy_case"),
        pytest.param({"visibility": "secret"}, "visibility", id="unknown_visibility_case"),
        pytest.param(
            {"visibility": "private", "join_policy": "open"}, "join_policy", id="private_open_case"
        ),
        pytest.param({"event_id": "not-a-uuid"}, "event_id", id="event_id_not_a_uuid_case"),
        pytest.param({"event_id": None}, "event_id", id="event_id_null_case"),
    ],
)
def test_create_refuses_bad_input_with_400_and_writes_nothing(
    auth_client: Any, overrides: dict[str, Any], field: str
) -> None:
    event = EventFactory()

    response = auth_client().post(URL, payload(event.id, **overrides), format="json")

    assert response.status_code == 400
    body = error(response)
    assert body["code"] == "invalid"
    assert list(body["fields"]) == [field]
    assert not Group.objects.exists()


@pytest.mark.parametrize(
    ("event", "status", "code"),
    [
        pytest.param("unknown", 404, "event_not_found", id="unknown_event_case"),
        pytest.param("private", 404, "event_not_found", id="hidden_private_event_case"),
        pytest.param("cancelled", 409, "event_cancelled", id="cancelled_event_case"),
        pytest.param("ended", 409, "event_ended", id="ended_event_case"),
    ],
)
def test_create_refuses_an_event_that_cannot_have_crews(
    auth_client: Any, event: str, status: int, code: str
) -> None:
    # given
    now = timezone.now()
    event_id = {
        "unknown": lambda: uuid4(),
        "private": lambda: EventFactory(visibility="private").id,
        "cancelled": lambda: EventFactory(status=EventStatus.CANCELLED).id,
        "ended": lambda: (
            EventFactory(starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1)).id
        ),
    }[event]()
    # when
    response = auth_client().post(URL, payload(event_id), format="json")
    # then
    assert response.status_code == status
    assert error(response)["code"] == code
    assert not Group.objects.exists()


def test_create_for_a_private_event_you_take_part_in(auth_client: Any) -> None:
    event = EventFactory(visibility="private")
    participant = ParticipationFactory(event=event).user

    response = auth_client(user=participant).post(URL, payload(event.id), format="json")

    assert response.status_code == 201


@pytest.mark.parametrize(
    ("actor", "expected"),
    actor_params({"anonymous": 401, "outsider": 201, "banned": 403, "moderator": 201}),
)
def test_create_needs_a_signed_in_user_who_is_not_banned(
    client_as: Callable[..., Any], make_crew: Callable[..., Crew], actor: str, expected: int
) -> None:
    crew = make_crew()
    event = EventFactory()

    response = client_as(actor, crew).post(URL, payload(event.id), format="json")

    assert response.status_code == expected
    assert Group.objects.filter(event=event).exists() is (expected == 201)


def test_create_with_an_invalid_token_is_401(api_client: Any) -> None:
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    response = api_client.post(URL, payload(EventFactory().id), format="json")

    assert response.status_code == 401
    assert error(response)["code"] == "invalid_token"
    assert not Group.objects.exists()


# --- retrieve ---


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
def test_retrieve_a_public_crew(
    client_as: Callable[..., Any], make_crew: Callable[..., Crew], actor: str, expected: int
) -> None:
    crew = make_crew()

    response = client_as(actor, crew).get(detail_url(crew.group))

    assert response.status_code == expected
    if expected == 200:
        body = response.json()
        assert (body["id"], body["member_count"]) == (str(crew.group.id), 3)
        assert body["my_role"] == {"member": "member", "admin": "admin", "owner": "owner"}.get(
            actor
        )
    else:
        assert "id" not in response.json()


@pytest.mark.parametrize(
    ("actor", "expected"),
    actor_params(
        {
            "anonymous": 401,
            "outsider": 404,
            "member": 200,
            "admin": 200,
            "owner": 200,
            "banned": 403,
            "moderator": 404,
        }
    ),
)
def test_retrieve_a_private_crew_is_for_members_only(
    client_as: Callable[..., Any], make_crew: Callable[..., Crew], actor: str, expected: int
) -> None:
    crew = make_crew(private=True)

    response = client_as(actor, crew).get(detail_url(crew.group))

    assert response.status_code == expected
    if expected == 404:
        assert error(response) == {
            "code": "group_not_found",
            "message": "No such crew.",
            "fields": {},
        }


@pytest.mark.parametrize(
    ("actor", "expected"),
    actor_params({"outsider": 404, "member": 404, "owner": 200, "moderator": 200}),
)
def test_retrieve_a_removed_crew_is_for_its_owner_and_moderators_only(
    client_as: Callable[..., Any], make_crew: Callable[..., Crew], actor: str, expected: int
) -> None:
    crew = make_crew(removed_at=timezone.now(), removal_reason="Spam")

    response = client_as(actor, crew).get(detail_url(crew.group))

    assert response.status_code == expected
    if expected == 200:
        assert response.json()["removal_reason"] == "Spam"


def test_retrieve_of_an_unknown_or_malformed_id_is_404(auth_client: Any) -> None:
    client = auth_client()

    unknown = client.get(detail_url(uuid4()))
    malformed = client.get(f"{URL}not-a-uuid/")

    assert unknown.status_code == 404
    assert error(unknown)["code"] == "group_not_found"
    assert malformed.status_code == 404
    assert error(malformed)["code"] == "not_found"


# --- list ---


@pytest.mark.parametrize(
    ("actor", "expected"),
    actor_params(
        {
            "anonymous": 401,
            "outsider": 200,
            "member": 200,
            "banned": 403,
            "moderator": 200,
        }
    ),
)
def test_list_needs_sign_in(
    client_as: Callable[..., Any], make_crew: Callable[..., Crew], actor: str, expected: int
) -> None:
    crew = make_crew()

    response = client_as(actor, crew).get(URL)

    assert response.status_code == expected
    if expected == 200:
        assert [group["id"] for group in response.json()["results"]] == [str(crew.group.id)]


def test_list_of_an_events_crews_is_paginated(auth_client: Any) -> None:
    # given
    event = EventFactory()
    for number in range(3):
        GroupFactory(event=event, name=f"Crew {number}")
    GroupFactory(name="Another event")
    GroupFactory(event=event, name="Private", private=True)
    # when
    response = auth_client().get(URL, {"event_id": str(event.id), "page_size": 2})
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert body["next"] == (
        f"http://testserver/api/v1/groups/?event_id={event.id}&page=2&page_size=2"
    )
    assert [group["name"] for group in body["results"]] == ["Crew 2", "Crew 1"]


def test_list_of_my_crews(auth_client: Any) -> None:
    # given
    client = auth_client()
    me = client.user
    GroupFactory(name="Owned", created_by=me)
    private = GroupFactory(name="Joined private", private=True)
    MembershipFactory(group=private, user=me)
    GroupFactory(name="Not mine")
    # when
    response = client.get(URL, {"mine": "true"})
    # then
    results = response.json()["results"]
    assert [(group["name"], group["my_role"]) for group in results] == [
        ("Joined private", "member"),
        ("Owned", "owner"),
    ]


def test_list_hides_private_and_removed_crews_from_outsiders(auth_client: Any) -> None:
    GroupFactory(name="Public")
    GroupFactory(name="Private", private=True)
    GroupFactory(name="Removed", removed_at=timezone.now())
    GroupFactory(name="Of a private event", event=EventFactory(visibility="private"))

    response = auth_client().get(URL)

    assert [group["name"] for group in response.json()["results"]] == ["Public"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param({"event_id": "nope"}, "event_id", id="event_id_not_a_uuid_case"),
        pytest.param({"mine": "perhaps"}, "mine", id="mine_not_a_boolean_case"),
    ],
)
def test_list_refuses_bad_parameters(auth_client: Any, params: dict[str, str], field: str) -> None:
    response = auth_client().get(URL, params)

    assert response.status_code == 400
    assert list(error(response)["fields"]) == [field]


# --- update ---


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
def test_patch_is_for_admins(
    client_as: Callable[..., Any], make_crew: Callable[..., Crew], actor: str, expected: int
) -> None:
    crew = make_crew(name="Old")

    response = client_as(actor, crew).patch(detail_url(crew.group), {"name": "New"}, format="json")

    assert response.status_code == expected
    assert Group.objects.get(id=crew.group.id).name == ("New" if expected == 200 else "Old")


def test_patch_changes_what_is_sent_and_ignores_the_rest(auth_client: Any) -> None:
    # given
    group = GroupFactory(name="Old", description="Keep me", max_members=10)
    client = auth_client(user=group.created_by)
    # when
    response = client.patch(
        detail_url(group),
        {"max_members": 4, "join_policy": "request", "member_count": 9, "event_id": str(uuid4())},
        format="json",
    )
    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["description"], body["max_members"]) == ("Old", "Keep me", 4)
    assert (body["join_policy"], body["member_count"], body["event"]["id"]) == (
        "request",
        1,
        str(group.event_id),
    )


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        pytest.param({"max_members": 1}, 400, "max_members", id="max_members_1_case"),
        pytest.param({"max_members": 51}, 400, "max_members", id="max_members_51_case"),
        pytest.param({"visibility": "private"}, 400, "visibility", id="private_open_case"),
        pytest.param(
            {"visibility": "private", "join_policy": "request"},
            400,
            "join_policy",
            id="private_request_case",
        ),
        pytest.param({"name": ""}, 400, "name", id="name_blank_case"),
        pytest.param({"max_members": 2}, 409, "max_members", id="below_members_case"),
    ],
)
def test_patch_refuses_bad_or_inconsistent_values(
    auth_client: Any,
    make_crew: Callable[..., Crew],
    body: dict[str, Any],
    status: int,
    field: str,
) -> None:
    crew = make_crew(name="Old", max_members=10)

    response = auth_client(user=crew.owner).patch(detail_url(crew.group), body, format="json")

    assert response.status_code == status
    assert list(error(response)["fields"]) == [field]
    unchanged = Group.objects.get(id=crew.group.id)
    assert (unchanged.name, unchanged.max_members, unchanged.visibility) == ("Old", 10, "public")


def test_patch_below_the_members_names_the_count(
    auth_client: Any, make_crew: Callable[..., Crew]
) -> None:
    crew = make_crew()

    response = auth_client(user=crew.admin).patch(
        detail_url(crew.group), {"max_members": 2}, format="json"
    )

    assert error(response) == {
        "code": "capacity_below_members",
        "message": "The crew cannot be made smaller than its number of members.",
        "fields": {"max_members": ["The crew has 3 members."]},
    }


def test_put_is_not_offered(auth_client: Any) -> None:
    group = GroupFactory()

    response = auth_client(user=group.created_by).put(
        detail_url(group), {"name": "New"}, format="json"
    )

    assert response.status_code == 405


# --- join ---


@pytest.mark.parametrize(
    ("actor", "expected"),
    actor_params(
        {
            "anonymous": 401,
            "outsider": 201,
            "member": 200,
            "admin": 200,
            "owner": 200,
            "banned": 403,
            "moderator": 201,
        }
    ),
)
def test_join_an_open_crew(
    client_as: Callable[..., Any], make_crew: Callable[..., Crew], actor: str, expected: int
) -> None:
    crew = make_crew()

    response = client_as(actor, crew).post(detail_url(crew.group, "join/"))

    assert response.status_code == expected
    assert Group.objects.get(id=crew.group.id).member_count == (4 if expected == 201 else 3)
    if expected == 201:
        assert response.json()["role"] == "member"
        assert response.json()["group_id"] == str(crew.group.id)


def test_join_announces_the_new_member(
    auth_client: Any,
    django_capture_on_commit_callbacks: Any,
    member_changes: list[MemberChange],
) -> None:
    group = GroupFactory()
    client = auth_client()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(detail_url(group, "join/"))

    assert member_changes == [
        MemberChange(kind=MemberChangeKind.JOINED, group_id=group.id, user_id=client.user.id)
    ]


def test_join_a_full_crew_is_409(auth_client: Any, make_crew: Callable[..., Crew]) -> None:
    crew = make_crew(max_members=3)
    client = auth_client()

    response = client.post(detail_url(crew.group, "join/"))

    assert response.status_code == 409
    assert error(response) == {"code": "group_full", "message": "The crew is full.", "fields": {}}
    assert role_of(crew.group, client.user) is None


@pytest.mark.parametrize("policy", [JoinPolicy.REQUEST, JoinPolicy.INVITE])
def test_join_a_crew_that_is_not_open_is_409(auth_client: Any, policy: str) -> None:
    group = GroupFactory(join_policy=policy)

    response = auth_client().post(detail_url(group, "join/"))

    assert response.status_code == 409
    assert error(response)["code"] == "group_not_open"
    assert Group.objects.get(id=group.id).member_count == 1


def test_join_a_crew_of_a_cancelled_event_is_409(auth_client: Any) -> None:
    group = GroupFactory(event=EventFactory(status=EventStatus.CANCELLED))

    response = auth_client().post(detail_url(group, "join/"))

    assert response.status_code == 409
    assert error(response)["code"] == "event_cancelled"


# --- leave ---


@pytest.mark.parametrize(
    ("actor", "expected"),
    actor_params(
        {
            "anonymous": 401,
            "outsider": 404,
            "member": 204,
            "admin": 204,
            "owner": 409,
            "banned": 403,
            "moderator": 404,
        }
    ),
)
def test_leave(
    client_as: Callable[..., Any], make_crew: Callable[..., Crew], actor: str, expected: int
) -> None:
    crew = make_crew()

    response = client_as(actor, crew).post(detail_url(crew.group, "leave/"))

    assert response.status_code == expected
    assert Group.objects.get(id=crew.group.id).member_count == (2 if expected == 204 else 3)
    if actor in ("member", "admin"):
        assert role_of(crew.group, getattr(crew, actor)) is None
    if expected in (404, 409):
        assert (
            error(response)["code"]
            == {404: "membership_not_found", 409: "owner_must_transfer"}[expected]
        )


def test_leave_with_delete_and_announce_it(
    auth_client: Any,
    make_crew: Callable[..., Crew],
    django_capture_on_commit_callbacks: Any,
    member_changes: list[MemberChange],
) -> None:
    crew = make_crew()

    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client(user=crew.member).delete(detail_url(crew.group, "leave/"))

    assert response.status_code == 204
    assert member_changes == [
        MemberChange(
            kind=MemberChangeKind.LEFT,
            group_id=crew.group.id,
            user_id=crew.member.id,
            reason=LeaveReason.LEFT,
        )
    ]


def test_the_last_member_leaving_closes_the_crew(auth_client: Any) -> None:
    group = GroupFactory()
    client = auth_client(user=group.created_by)

    response = client.post(detail_url(group, "leave/"))

    assert response.status_code == 204
    assert client.get(detail_url(group)).status_code == 404
    assert Group.objects.get(id=group.id).removed_at is not None


# --- members ---


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
def test_members_of_a_public_crew(
    client_as: Callable[..., Any], make_crew: Callable[..., Crew], actor: str, expected: int
) -> None:
    crew = make_crew()

    response = client_as(actor, crew).get(detail_url(crew.group, "members/"))

    assert response.status_code == expected
    if expected == 200:
        results = response.json()["results"]
        assert [(m["user"]["id"], m["role"]) for m in results] == [
            (str(crew.owner.id), "owner"),
            (str(crew.admin.id), "admin"),
            (str(crew.member.id), "member"),
        ]
        assert set(results[0]) == {"id", "group_id", "user", "role", "joined_at"}
        assert set(results[0]["user"]) == {"id", "username", "display_name"}


@pytest.mark.parametrize(
    ("actor", "expected"),
    actor_params(
        {
            "anonymous": 401,
            "outsider": 403,
            "member": 403,
            "admin": 204,
            "owner": 204,
            "banned": 403,
            "moderator": 403,
        }
    ),
)
def test_remove_a_member_is_for_admins(
    client_as: Callable[..., Any], make_crew: Callable[..., Crew], actor: str, expected: int
) -> None:
    crew = make_crew()

    response = client_as(actor, crew).delete(detail_url(crew.group, f"members/{crew.member.id}/"))

    assert response.status_code == expected
    assert (role_of(crew.group, crew.member) is None) is (expected == 204)


@pytest.mark.parametrize(
    ("actor", "target", "status", "code"),
    [
        pytest.param("admin", "owner", 403, "cannot_remove_owner", id="admin_removes_owner_case"),
        pytest.param("owner", "owner", 400, "cannot_remove_self", id="owner_removes_self_case"),
        pytest.param("admin", "admin", 400, "cannot_remove_self", id="admin_removes_self_case"),
        pytest.param("owner", "admin", 204, None, id="owner_removes_admin_case"),
    ],
)
def test_remove_respects_the_roles(
    auth_client: Any,
    make_crew: Callable[..., Crew],
    actor: str,
    target: str,
    status: int,
    code: str | None,
) -> None:
    crew = make_crew()
    target_user = getattr(crew, target)

    response = auth_client(user=getattr(crew, actor)).delete(
        detail_url(crew.group, f"members/{target_user.id}/")
    )

    assert response.status_code == status
    if code is not None:
        assert error(response)["code"] == code
        assert role_of(crew.group, target_user) is not None


def test_an_admin_cannot_remove_another_admin(
    auth_client: Any, make_crew: Callable[..., Crew]
) -> None:
    crew = make_crew()
    other_admin = MembershipFactory(group=crew.group, role=MemberRole.ADMIN).user

    response = auth_client(user=crew.admin).delete(
        detail_url(crew.group, f"members/{other_admin.id}/")
    )

    assert response.status_code == 403
    assert error(response)["code"] == "not_group_owner"
    assert role_of(crew.group, other_admin) == MemberRole.ADMIN


def test_remove_a_non_member_is_404(auth_client: Any, make_crew: Callable[..., Crew]) -> None:
    crew = make_crew()

    response = auth_client(user=crew.owner).delete(
        detail_url(crew.group, f"members/{UserFactory().id}/")
    )

    assert response.status_code == 404
    assert error(response)["code"] == "membership_not_found"


@pytest.mark.parametrize(
    ("actor", "expected"),
    actor_params(
        {
            "anonymous": 401,
            "outsider": 403,
            "member": 403,
            "admin": 403,
            "owner": 200,
            "banned": 403,
            "moderator": 403,
        }
    ),
)
def test_set_a_role_is_for_the_owner(
    client_as: Callable[..., Any], make_crew: Callable[..., Crew], actor: str, expected: int
) -> None:
    crew = make_crew()

    response = client_as(actor, crew).patch(
        detail_url(crew.group, f"members/{crew.member.id}/"), {"role": "admin"}, format="json"
    )

    assert response.status_code == expected
    assert role_of(crew.group, crew.member) == ("admin" if expected == 200 else "member")
    if expected == 200:
        assert response.json()["role"] == "admin"


@pytest.mark.parametrize(
    ("body", "target", "status", "code"),
    [
        pytest.param({"role": "owner"}, "member", 400, "invalid", id="role_owner_case"),
        pytest.param({"role": "boss"}, "member", 400, "invalid", id="unknown_role_case"),
        pytest.param({}, "member", 400, "invalid", id="no_role_case"),
        pytest.param({"role": "member"}, "owner", 409, "owner_role_fixed", id="demote_owner_case"),
        pytest.param({"role": "member"}, "admin", 200, None, id="demote_admin_case"),
    ],
)
def test_set_a_role_refuses_what_cannot_be(
    auth_client: Any,
    make_crew: Callable[..., Crew],
    body: dict[str, str],
    target: str,
    status: int,
    code: str | None,
) -> None:
    crew = make_crew()
    target_user = getattr(crew, target)
    before = role_of(crew.group, target_user)

    response = auth_client(user=crew.owner).patch(
        detail_url(crew.group, f"members/{target_user.id}/"), body, format="json"
    )

    assert response.status_code == status
    if code is not None:
        assert error(response)["code"] == code
        assert role_of(crew.group, target_user) == before
    else:
        assert role_of(crew.group, target_user) == body["role"]


# --- transfer ownership ---


@pytest.mark.parametrize(
    ("actor", "expected"),
    actor_params(
        {
            "anonymous": 401,
            "outsider": 403,
            "member": 403,
            "admin": 403,
            "owner": 200,
            "banned": 403,
            "moderator": 403,
        }
    ),
)
def test_transfer_ownership_is_for_the_owner(
    client_as: Callable[..., Any], make_crew: Callable[..., Crew], actor: str, expected: int
) -> None:
    crew = make_crew()

    response = client_as(actor, crew).post(
        detail_url(crew.group, "transfer-ownership/"),
        {"user_id": str(crew.member.id)},
        format="json",
    )

    assert response.status_code == expected
    if expected == 200:
        assert response.json()["my_role"] == "admin"
        assert (role_of(crew.group, crew.owner), role_of(crew.group, crew.member)) == (
            "admin",
            "owner",
        )
    else:
        assert (role_of(crew.group, crew.owner), role_of(crew.group, crew.member)) == (
            "owner",
            "member",
        )


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        pytest.param({}, 400, "invalid", id="no_user_case"),
        pytest.param({"user_id": "nope"}, 400, "invalid", id="not_a_uuid_case"),
        pytest.param("self", 400, "already_owner", id="self_case"),
        pytest.param("stranger", 404, "membership_not_found", id="not_a_member_case"),
    ],
)
def test_transfer_ownership_refuses_a_bad_target(
    auth_client: Any, make_crew: Callable[..., Crew], body: Any, status: int, code: str
) -> None:
    crew = make_crew()
    if body == "self":
        body = {"user_id": str(crew.owner.id)}
    elif body == "stranger":
        body = {"user_id": str(UserFactory().id)}

    response = auth_client(user=crew.owner).post(
        detail_url(crew.group, "transfer-ownership/"), body, format="json"
    )

    assert response.status_code == status
    assert error(response)["code"] == code
    assert role_of(crew.group, crew.owner) == "owner"


def test_hand_over_then_leave(auth_client: Any, make_crew: Callable[..., Crew]) -> None:
    crew = make_crew()
    client = auth_client(user=crew.owner)

    handed = client.post(
        detail_url(crew.group, "transfer-ownership/"),
        {"user_id": str(crew.admin.id)},
        format="json",
    )
    left = client.post(detail_url(crew.group, "leave/"))

    assert (handed.status_code, left.status_code) == (200, 204)
    assert role_of(crew.group, crew.admin) == "owner"
    assert role_of(crew.group, crew.owner) is None


# --- output ---


def test_group_output_matches_its_declared_fields(auth_client: Any) -> None:
    """The hand-built output, from a model or a record, and the DRF fields (the OpenAPI shape)
    must not drift apart."""
    from rest_framework import serializers

    from group_service.api.serializers import GroupOutputSerializer
    from shared.groups.selectors import group_get, group_record_get

    client = auth_client()
    event = EventFactory()
    created = client.post(URL, payload(event.id), format="json").json()
    group = group_get(group_id=created["id"], viewer_id=client.user.id)
    record = group_record_get(group_id=created["id"], viewer_id=client.user.id)

    by_fields = serializers.ModelSerializer.to_representation(GroupOutputSerializer(group), group)

    assert GroupOutputSerializer(group).data == dict(by_fields)
    assert GroupOutputSerializer(record).data == dict(by_fields)
    assert client.get(detail_url(group.id)).json() == dict(by_fields)
