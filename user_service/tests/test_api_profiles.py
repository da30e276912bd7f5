"""`/api/v1/users/{id}/` (public profiles) and `/search/` (moderators only)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from shared.accounts.tests.factories import UserFactory
from shared.testing.api import actor_params, error

pytestmark = pytest.mark.django_db

URL = "/api/v1/users/"


def test_a_public_profile_shows_no_email_home_or_ban(auth_client: Callable[..., Any]) -> None:
    # given
    other = UserFactory(
        username="maria",
        first_name="Maria",
        last_name="Lind",
        bio="Climber.",
        interests=["jazz"],
        home_location=Point(22.1, 65.5, srid=4326),
        is_banned=True,
        banned_until=timezone.now() + timedelta(days=1),
    )
    # when
    response = auth_client().get(f"{URL}{other.id}/")
    # then
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "id": str(other.id),
        "username": "maria",
        "display_name": "Maria Lind",
        "bio": "Climber.",
        "avatar_url": "",
        "interests": ["jazz"],
        "created_at": body["created_at"],
    }


@pytest.mark.parametrize(
    ("actor", "status"),
    actor_params({"anonymous": 401, "banned": 403, "user": 200, "moderator": 200}),
)
def test_public_profiles_need_a_signed_in_user(
    client_as: Callable[[str], Any], actor: str, status: int
) -> None:
    assert client_as(actor).get(f"{URL}{UserFactory().id}/").status_code == status


@pytest.mark.parametrize(
    "target",
    [pytest.param("unknown", id="unknown_case"), pytest.param("erased", id="erased_case")],
)
def test_no_profile_for_unknown_or_erased_accounts(
    auth_client: Callable[..., Any], target: str
) -> None:
    user_id = uuid4() if target == "unknown" else UserFactory(deleted_at=timezone.now()).id

    response = auth_client().get(f"{URL}{user_id}/")

    assert response.status_code == 404
    assert error(response)["code"] == "user_not_found"


def test_a_malformed_id_is_a_json_404(auth_client: Callable[..., Any]) -> None:
    response = auth_client().get(f"{URL}not-a-uuid/")

    assert response.status_code == 404
    assert error(response)["code"] == "not_found"


# --- search ---


@pytest.mark.parametrize(
    ("actor", "status"),
    actor_params({"anonymous": 401, "user": 403, "banned": 403, "moderator": 200, "admin": 200}),
)
def test_search_is_for_moderators_only(
    client_as: Callable[[str], Any], actor: str, status: int
) -> None:
    UserFactory(username="maria", email="maria@example.test")

    response = client_as(actor).get(f"{URL}search/", {"q": "maria"})

    assert response.status_code == status
    if status != 200:
        assert "maria@example.test" not in response.content.decode()


def test_moderators_see_email_and_ban_state(moderator_client: Any) -> None:
    # given
    until = timezone.now() + timedelta(days=3)
    maria = UserFactory(
        username="maria",
        email="maria@example.test",
        first_name="Maria",
        last_name="Lind",
        is_banned=True,
        banned_until=until,
        realm_roles=["user"],
    )
    # when
    response = moderator_client.get(f"{URL}search/", {"q": "lind"})
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["results"] == [
        {
            "id": str(maria.id),
            "username": "maria",
            "display_name": "Maria Lind",
            "email": "maria@example.test",
            "first_name": "Maria",
            "last_name": "Lind",
            "roles": ["user"],
            "is_active": True,
            "is_banned": True,
            "banned_until": until.isoformat().replace("+00:00", "Z"),
            "is_banned_now": True,
            "created_at": body["results"][0]["created_at"],
            "last_seen_at": None,
        }
    ]


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({}, id="missing_q_case"),
        pytest.param({"q": "m"}, id="one_character_case"),
        pytest.param({"q": "x" * 101}, id="long_q_case"),
    ],
)
def test_search_needs_a_query_of_2_to_100_characters(moderator_client: Any, params: dict) -> None:
    response = moderator_client.get(f"{URL}search/", params)

    assert response.status_code == 400
    assert "q" in error(response)["fields"]
