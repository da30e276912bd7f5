from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from django.utils import timezone

from shared.groups.models import Invite, JoinPolicy, Membership
from shared.groups.tests.factories import GroupFactory, InviteFactory
from shared.testing.api import actor_params, error
from tests.conftest import Crew

pytestmark = pytest.mark.django_db

URL = "/api/v1/groups/"
JOIN_BY_INVITE_URL = f"{URL}join-by-invite/"

ADMINS_ONLY = {
    "anonymous": 401,
    "outsider": 403,
    "member": 403,
    "admin": 200,
    "owner": 200,
    "banned": 403,
    "moderator": 403,
}


def invites_url(crew: Crew, suffix: str = "") -> str:
    return f"{URL}{crew.group.id}/invites/{suffix}"


# --- create ---


@pytest.mark.parametrize(
    ("actor", "expected"), actor_params({**ADMINS_ONLY, "admin": 201, "owner": 201})
)
def test_create_an_invite_is_for_admins(
    client_as: Callable[..., Any], make_crew: Callable[..., Crew], actor: str, expected: int
) -> None:
    crew = make_crew()

    response = client_as(actor, crew).post(invites_url(crew), {}, format="json")

    assert response.status_code == expected
    assert Invite.objects.exists() is (expected == 201)


def test_create_an_invite_shows_the_token_once_and_stores_its_hash(
    auth_client: Any, make_crew: Callable[..., Crew]
) -> None:
    # given
    crew = make_crew(private=True)
    client = auth_client(user=crew.admin)
    # when
    created = client.post(
        invites_url(crew), {"expires_at": "2099-01-01T00:00:00Z", "max_uses": 5}, format="json"
    )
    listed = client.get(invites_url(crew))
    # then
    assert created.status_code == 201
    body = created.json()
    invite = Invite.objects.get()
    assert invite.token_hash == hashlib.sha256(body["token"].encode()).hexdigest()
    assert (body["expires_at"], body["max_uses"], body["use_count"], body["is_usable"]) == (
        "2099-01-01T00:00:00Z",
        5,
        0,
        True,
    )
    assert body["created_by"]["id"] == str(crew.admin.id)
    assert [item["id"] for item in listed.json()["results"]] == [str(invite.id)]
    assert "token" not in listed.json()["results"][0]
    assert "token_hash" not in listed.json()["results"][0]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"expires_at": "2001-01-01T00:00:00Z"}, "expires_at", id="past_case"),
        pytest.param({"expires_at": "2099-01-01T00:00:00"}, "expires_at", id="naive_case"),
        pytest.param({"expires_at": "soon"}, "expires_at", id="not_a_date_case"),
        pytest.param({"max_uses": 0}, "max_uses", id="max_uses_0_case"),
        pytest.param({"max_uses": 10**12}, "max_uses", id="max_uses_huge_case"),
    ],
)
def test_create_an_invite_refuses_bad_limits(
    auth_client: Any, make_crew: Callable[..., Crew], body: dict[str, Any], field: str
) -> None:
    crew = make_crew()

    response = auth_client(user=crew.owner).post(invites_url(crew), body, format="json")

    assert response.status_code == 400
    assert list(error(response)["fields"]) == [field]
    assert not Invite.objects.exists()


# --- list and revoke ---


@pytest.mark.parametrize(("actor", "expected"), actor_params(ADMINS_ONLY))
def test_list_invites_is_for_admins(
    client_as: Callable[..., Any], make_crew: Callable[..., Crew], actor: str, expected: int
) -> None:
    crew = make_crew()
    InviteFactory(group=crew.group)

    response = client_as(actor, crew).get(invites_url(crew))

    assert response.status_code == expected
    if expected == 200:
        assert len(response.json()["results"]) == 1
    else:
        assert "results" not in response.json()


@pytest.mark.parametrize(
    ("actor", "expected"), actor_params({**ADMINS_ONLY, "admin": 204, "owner": 204})
)
def test_revoke_an_invite_is_for_admins(
    client_as: Callable[..., Any], make_crew: Callable[..., Crew], actor: str, expected: int
) -> None:
    crew = make_crew()
    invite = InviteFactory(group=crew.group)

    response = client_as(actor, crew).delete(invites_url(crew, f"{invite.id}/"))

    assert response.status_code == expected
    assert (Invite.objects.get(id=invite.id).revoked_at is not None) is (expected == 204)


def test_revoke_an_unknown_invite_is_404(auth_client: Any, make_crew: Callable[..., Crew]) -> None:
    crew = make_crew()

    response = auth_client(user=crew.owner).delete(invites_url(crew, f"{uuid4()}/"))

    assert response.status_code == 404
    assert error(response)["code"] == "invite_not_found"


def test_list_shows_whether_each_invite_is_usable(
    auth_client: Any, make_crew: Callable[..., Crew]
) -> None:
    crew = make_crew()
    now = timezone.now()
    InviteFactory(group=crew.group, revoked_at=now)
    InviteFactory(group=crew.group, expires_at=now - timedelta(minutes=1))
    InviteFactory(group=crew.group, max_uses=1, use_count=1)
    InviteFactory(group=crew.group)

    response = auth_client(user=crew.owner).get(invites_url(crew))

    assert sorted(item["is_usable"] for item in response.json()["results"]) == [
        False,
        False,
        False,
        True,
    ]


# --- join by invite ---


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
def test_join_by_invite(
    client_as: Callable[..., Any], make_crew: Callable[..., Crew], actor: str, expected: int
) -> None:
    crew = make_crew(private=True)
    invite = InviteFactory(group=crew.group)

    response = client_as(actor, crew).post(
        JOIN_BY_INVITE_URL, {"token": invite.token}, format="json"
    )

    assert response.status_code == expected
    assert Invite.objects.get(id=invite.id).use_count == (1 if expected == 201 else 0)
    if expected == 201:
        assert (response.json()["group_id"], response.json()["role"]) == (
            str(crew.group.id),
            "member",
        )


def test_an_invite_opens_a_private_crew_end_to_end(
    auth_client: Any, make_crew: Callable[..., Crew]
) -> None:
    # given
    crew = make_crew(private=True)
    token = auth_client(user=crew.owner).post(invites_url(crew), {}, format="json").json()["token"]
    guest = auth_client()
    hidden = guest.get(f"{URL}{crew.group.id}/")
    # when
    joined = guest.post(JOIN_BY_INVITE_URL, {"token": token}, format="json")
    # then
    assert hidden.status_code == 404
    assert joined.status_code == 201
    shown = guest.get(f"{URL}{crew.group.id}/")
    assert (shown.status_code, shown.json()["my_role"]) == (200, "member")


@pytest.mark.parametrize(
    ("invite", "status", "code"),
    [
        pytest.param({"revoked_at": "now"}, 409, "invite_revoked", id="revoked_case"),
        pytest.param({"expires_at": "past"}, 409, "invite_expired", id="expired_case"),
        pytest.param({"max_uses": 1, "use_count": 1}, 409, "invite_used_up", id="used_up_case"),
    ],
)
def test_join_by_an_invite_that_no_longer_admits_is_409(
    auth_client: Any, invite: dict[str, Any], status: int, code: str
) -> None:
    now = timezone.now()
    fields = {
        **invite,
        **({"revoked_at": now} if "revoked_at" in invite else {}),
        **({"expires_at": now - timedelta(seconds=1)} if "expires_at" in invite else {}),
    }
    stale = InviteFactory(**fields)
    client = auth_client()

    response = client.post(JOIN_BY_INVITE_URL, {"token": stale.token}, format="json")

    assert response.status_code == status
    assert error(response)["code"] == code
    assert not Membership.objects.filter(user=client.user).exists()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        pytest.param({"token": "made-up"}, 404, "invite_not_found", id="unknown_token_case"),
        pytest.param({}, 400, "invalid", id="no_token_case"),
        pytest.param({"token": ""}, 400, "invalid", id="blank_token_case"),
        pytest.param({"token": "x" * 129}, 400, "invalid", id="long_token_case"),
    ],
)
def test_join_by_invite_with_a_bad_token(
    auth_client: Any, body: dict[str, Any], status: int, code: str
) -> None:
    InviteFactory()

    response = auth_client().post(JOIN_BY_INVITE_URL, body, format="json")

    assert response.status_code == status
    assert error(response)["code"] == code


def test_join_by_invite_into_a_full_crew_is_409(
    auth_client: Any, make_crew: Callable[..., Crew]
) -> None:
    crew = make_crew(max_members=3, join_policy=JoinPolicy.INVITE)
    invite = InviteFactory(group=crew.group)

    response = auth_client().post(JOIN_BY_INVITE_URL, {"token": invite.token}, format="json")

    assert response.status_code == 409
    assert error(response)["code"] == "group_full"
    assert Invite.objects.get(id=invite.id).use_count == 0


def test_join_by_invite_is_not_mistaken_for_a_crew_id(auth_client: Any) -> None:
    GroupFactory()

    response = auth_client().get(JOIN_BY_INVITE_URL)

    assert response.status_code == 405
