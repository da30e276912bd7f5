"""The internal membership check: for services only, and only inside the cluster."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest
from django.test import Client
from django.utils import timezone

from shared.accounts.tests.factories import UserFactory
from shared.testing.api import error
from tests.conftest import Crew

pytestmark = pytest.mark.django_db


def member_url(group_id: Any, user_id: Any) -> str:
    return f"/internal/v1/groups/{group_id}/members/{user_id}/"


@pytest.fixture
def service_client(auth_client: Callable[..., Any]) -> Any:
    """A caller with a client-credentials token of another service (e.g. safety)."""
    account = UserFactory(username="service-account-safety")
    return auth_client(user=account, roles=("service",))


def test_a_service_learns_the_membership_and_the_members(
    service_client: Any, make_crew: Callable[..., Crew]
) -> None:
    crew = make_crew(private=True)

    response = service_client.get(member_url(crew.group.id, crew.member.id))

    assert response.status_code == 200
    assert response.json() == {
        "group_id": str(crew.group.id),
        "user_id": str(crew.member.id),
        "role": "member",
        "event_id": str(crew.group.event_id),
        "member_ids": [str(crew.owner.id), str(crew.admin.id), str(crew.member.id)],
    }


@pytest.mark.parametrize(
    "case",
    [
        pytest.param("not_a_member", id="not_a_member_case"),
        pytest.param("unknown_crew", id="unknown_crew_case"),
        pytest.param("removed_crew", id="removed_crew_case"),
    ],
)
def test_a_service_gets_404_when_the_user_is_not_in_an_active_crew(
    service_client: Any, make_crew: Callable[..., Crew], case: str
) -> None:
    crew = make_crew(removed_at=timezone.now() if case == "removed_crew" else None)
    group_id = uuid4() if case == "unknown_crew" else crew.group.id
    user_id = UserFactory().id if case == "not_a_member" else crew.member.id

    response = service_client.get(member_url(group_id, user_id))

    assert response.status_code == 404
    assert error(response)["code"] == "membership_not_found"


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        pytest.param(("user",), 403, id="user_case"),
        pytest.param(("user", "moderator"), 403, id="moderator_case"),
        pytest.param(("user", "moderator", "admin"), 403, id="admin_case"),
        pytest.param((), 403, id="no_roles_case"),
    ],
)
def test_user_tokens_are_refused_even_for_a_member(
    auth_client: Callable[..., Any],
    make_crew: Callable[..., Crew],
    roles: tuple[str, ...],
    expected: int,
) -> None:
    crew = make_crew()

    response = auth_client(user=crew.member, roles=roles).get(
        member_url(crew.group.id, crew.member.id)
    )

    assert response.status_code == expected
    assert error(response)["code"] == "permission_denied"
    assert "member_ids" not in response.json()


def test_anonymous_is_401(api_client: Any, make_crew: Callable[..., Crew]) -> None:
    crew = make_crew()

    response = api_client.get(member_url(crew.group.id, crew.member.id))

    assert response.status_code == 401
    assert error(response)["code"] == "not_authenticated"


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("expired", id="expired_token_case"),
        pytest.param("forged", id="unsigned_token_case"),
        pytest.param("garbage", id="garbage_token_case"),
    ],
)
def test_a_bad_service_token_is_401(
    api_client: Any, make_token: Callable[..., str], make_crew: Callable[..., Crew], token: str
) -> None:
    crew = make_crew()
    raw = {
        "expired": lambda: make_token(roles=["service"], expires_in=-3600),
        "forged": lambda: make_token(roles=["service"], algorithm="none"),
        "garbage": lambda: "not-a-token",
    }[token]()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")

    response = api_client.get(member_url(crew.group.id, crew.member.id))

    assert response.status_code == 401
    assert error(response)["code"] == "invalid_token"


def test_a_banned_service_account_is_still_a_service(
    auth_client: Callable[..., Any], make_crew: Callable[..., Crew]
) -> None:
    # A ban is about people; it does not silence a safety check.
    crew = make_crew()
    account = UserFactory(is_banned=True)

    response = auth_client(user=account, roles=("service",)).get(
        member_url(crew.group.id, crew.member.id)
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/api/v1/groups/internal/groups/{group}/members/{user}/", id="under_api_case"),
        pytest.param("/api/v1/internal/groups/{group}/members/{user}/", id="api_prefix_case"),
    ],
)
def test_the_internal_endpoint_is_not_under_the_public_api(
    service_client: Any, make_crew: Callable[..., Crew], path: str
) -> None:
    crew = make_crew()

    response = service_client.get(path.format(group=crew.group.id, user=crew.member.id))

    assert response.status_code == 404
    assert "member_ids" not in response.json().get("error", {})


def test_the_internal_endpoint_is_left_out_of_the_public_schema(client: Client) -> None:
    response = client.get("/api/v1/groups/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    assert not [path for path in response.json()["paths"] if "internal" in path]


def test_the_internal_endpoint_answers_plain_http_inside_the_cluster(
    settings: Any, auth_client: Callable[..., Any], make_crew: Callable[..., Crew]
) -> None:
    # given: production's HTTPS redirect, which an in-cluster call over HTTP must not hit
    settings.SECURE_SSL_REDIRECT = True
    crew = make_crew()
    account = UserFactory()
    # when
    internal = auth_client(user=account, roles=("service",)).get(
        member_url(crew.group.id, crew.member.id)
    )
    public = auth_client(user=account, roles=("service",)).get("/api/v1/groups/")
    # then
    assert internal.status_code == 200
    assert public.status_code == 301
