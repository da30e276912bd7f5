"""`/api/v1/users/me/`: read and update your own profile."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.gis.geos import Point

from shared.accounts.models import User
from shared.accounts.tests.factories import UserFactory
from shared.testing.api import actor_params, error

pytestmark = pytest.mark.django_db

URL = "/api/v1/users/me/"


def test_me_returns_the_owners_view(auth_client: Callable[..., Any]) -> None:
    # given
    user = UserFactory(
        username="maria",
        email="maria@example.test",
        # what the test tokens carry (names follow the identity provider's)
        first_name="Maria",
        last_name="Tester",
        bio="Climber.",
        interests=["jazz"],
        home_location=Point(22.154, 65.584, srid=4326),
    )
    client = auth_client(user=user, roles=("user", "moderator"))
    # when
    response = client.get(URL)
    # then
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "id": str(user.id),
        "username": "maria",
        "email": "maria@example.test",
        "first_name": "Maria",
        "last_name": "Tester",
        "display_name": "Maria Tester",
        "display_name_override": "",
        "bio": "Climber.",
        "avatar_url": "",
        "interests": ["jazz"],
        "home_location": {"lat": 65.584, "lng": 22.154},
        "roles": ["moderator", "user"],
        "language": "en",
        "time_zone": "Europe/Stockholm",
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }


def test_me_output_matches_its_declared_fields(auth_client: Callable[..., Any]) -> None:
    """The hand-built output and the DRF fields (the OpenAPI shape) must not drift apart."""
    from rest_framework import serializers

    from user_service.api.serializers import MeOutputSerializer

    user = UserFactory(interests=["jazz", "hiking"], home_location=Point(22.1, 65.5, srid=4326))
    body = auth_client(user=user).get(URL).json()
    user.refresh_from_db()

    by_fields = serializers.ModelSerializer.to_representation(MeOutputSerializer(user), user)

    assert body == dict(by_fields)
    assert MeOutputSerializer(UserFactory(home_location=None)).data["home_location"] is None


@pytest.mark.parametrize(
    ("actor", "status"), actor_params({"anonymous": 401, "banned": 403, "user": 200})
)
def test_me_needs_a_signed_in_user_who_is_not_banned(
    client_as: Callable[[str], Any], actor: str, status: int
) -> None:
    assert client_as(actor).get(URL).status_code == status


def test_patch_me_changes_the_profile(auth_client: Callable[..., Any]) -> None:
    # given
    client = auth_client()
    # when
    response = client.patch(
        URL,
        {
            "display_name": "Mia",
            "bio": "Jazz and climbing.",
            "avatar_url": "https://cdn.example.test/mia.png",
            "interests": ["jazz", "climbing"],
            "home_location": {"lat": 65.58, "lng": 22.15},
        },
        format="json",
    )
    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["display_name"], body["bio"], body["interests"]) == (
        "Mia",
        "Jazz and climbing.",
        ["jazz", "climbing"],
    )
    assert body["home_location"] == {"lat": 65.58, "lng": 22.15}
    stored = User.objects.get(id=client.user.id)
    assert (stored.display_name_override, stored.avatar_url) == (
        "Mia",
        "https://cdn.example.test/mia.png",
    )


def test_patch_me_stores_the_language_and_time_zone_crewup_writes_to_the_user_in(
    auth_client: Callable[..., Any],
) -> None:
    # given
    client = auth_client()
    # when
    response = client.patch(URL, {"language": "sv", "time_zone": "Europe/Helsinki"}, format="json")
    # then
    assert response.status_code == 200
    assert (response.json()["language"], response.json()["time_zone"]) == ("sv", "Europe/Helsinki")
    stored = User.objects.get(id=client.user.id)
    assert (stored.language, stored.time_zone) == ("sv", "Europe/Helsinki")
    assert client.get(URL).json()["time_zone"] == "Europe/Helsinki"


def test_patch_me_ignores_fields_a_user_may_not_set(auth_client: Callable[..., Any]) -> None:
    client = auth_client()
    email = client.user.email

    response = client.patch(
        URL, {"email": "new@example.test", "is_banned": True, "bio": "Hi"}, format="json"
    )

    assert response.status_code == 200
    stored = User.objects.get(id=client.user.id)
    assert (stored.email, stored.is_banned, stored.bio) == (email, False, "Hi")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        pytest.param({"bio": "x" * 501}, "bio", id="long_bio_case"),
        pytest.param({"avatar_url": "http://cdn.example.test/a.png"}, "avatar_url", id="http_case"),
        pytest.param({"avatar_url": "not a url"}, "avatar_url", id="not_a_url_case"),
        pytest.param({"interests": ["x"] * 21}, "interests", id="too_many_interests_case"),
        pytest.param({"interests": ["x" * 41]}, "interests", id="long_interest_case"),
        pytest.param({"interests": "jazz"}, "interests", id="not_a_list_case"),
        pytest.param({"home_location": {"lat": 91, "lng": 0}}, "home_location", id="lat_case"),
        pytest.param({"home_location": {"lat": "nan", "lng": 0}}, "home_location", id="nan_case"),
        pytest.param({"language": "fi"}, "language", id="unspoken_language_case"),
        pytest.param({"time_zone": "Mars/Olympus"}, "time_zone", id="unknown_zone_case"),
        pytest.param({"time_zone": "x" * 65}, "time_zone", id="long_zone_case"),
    ],
)
def test_patch_me_with_bad_values_is_400_and_changes_nothing(
    auth_client: Callable[..., Any], payload: dict[str, Any], field: str
) -> None:
    client = auth_client(user=UserFactory(bio="Before"))

    response = client.patch(URL, {"bio": "After", **payload}, format="json")

    assert response.status_code == 400
    assert error(response)["code"] == "invalid"
    assert field in error(response)["fields"]
    assert User.objects.get(id=client.user.id).bio == "Before"


REQUIRED = ["This field is required."]


@pytest.mark.parametrize(
    ("home_location", "fields"),
    [
        pytest.param({}, {"lat": REQUIRED, "lng": REQUIRED}, id="empty_case"),
        pytest.param({"lat": 65.5}, {"lng": REQUIRED}, id="latitude_only_case"),
        pytest.param({"lng": 22.1}, {"lat": REQUIRED}, id="longitude_only_case"),
    ],
)
def test_patch_me_with_part_of_a_home_location_is_400_and_changes_nothing(
    auth_client: Callable[..., Any], home_location: dict[str, Any], fields: dict[str, Any]
) -> None:
    home = Point(22.154, 65.584, srid=4326)
    client = auth_client(user=UserFactory(bio="Before", home_location=home))

    response = client.patch(URL, {"bio": "After", "home_location": home_location}, format="json")

    assert response.status_code == 400
    assert error(response)["fields"] == {"home_location": fields}
    stored = User.objects.get(id=client.user.id)
    assert (stored.bio, stored.home_location) == ("Before", home)


def test_patch_me_clears_the_home_location_with_null(auth_client: Callable[..., Any]) -> None:
    client = auth_client(user=UserFactory(home_location=Point(22.1, 65.5, srid=4326)))

    response = client.patch(URL, {"home_location": None}, format="json")

    assert response.status_code == 200
    assert response.json()["home_location"] is None
    assert User.objects.get(id=client.user.id).home_location is None


def test_a_banned_user_cannot_change_their_profile(client_as: Callable[[str], Any]) -> None:
    client = client_as("banned")

    response = client.patch(URL, {"bio": "Let me back"}, format="json")

    assert response.status_code == 403
    assert error(response)["code"] == "user_banned"
    assert User.objects.get(id=client.user.id).bio == ""
