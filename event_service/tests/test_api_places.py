"""GET /api/v1/events/places/: the event form's venue search (#15)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shared.accounts.tests.factories import UserFactory
from shared.events.models import Place, PlaceKind
from shared.events.services import place_sync
from shared.events.tests.factories import PlaceFactory
from shared.testing.api import error
from shared.testing.osm import helsinki_places

pytestmark = pytest.mark.django_db

URL = "/api/v1/events/places/"


@pytest.fixture
def helsinki() -> None:
    place_sync(places=helsinki_places())


@pytest.mark.parametrize(
    ("actor", "expected_status"),
    [
        pytest.param("anonymous", 401, id="anonymous_case"),
        pytest.param("user", 200, id="user_case"),
        pytest.param("banned", 403, id="banned_case"),
        pytest.param("moderator", 200, id="moderator_case"),
    ],
)
def test_place_search_is_for_signed_in_users_not_banned(
    api_client: Any,
    auth_client: Callable[..., Any],
    actor: str,
    expected_status: int,
) -> None:
    # given
    PlaceFactory(name="Kappeli")
    client = {
        "anonymous": lambda: api_client,
        "user": lambda: auth_client(),
        "banned": lambda: auth_client(user=UserFactory(is_banned=True)),
        "moderator": lambda: auth_client(roles=("user", "moderator")),
    }[actor]()
    # when
    response = client.get(URL, {"q": "kappeli"})
    # then
    assert response.status_code == expected_status
    if expected_status == 200:
        assert [place["name"] for place in response.json()] == ["Kappeli"]
    else:
        assert error(response)["code"] in {"not_authenticated", "user_banned"}


def test_place_search_finds_real_helsinki_venues_with_their_address(
    helsinki: None, user_client: Any
) -> None:
    # when
    with CaptureQueriesContext(connection) as queries:
        response = user_client.get(URL, {"q": "apollo"})
    # then
    assert response.status_code == 200
    apollo = Place.objects.get(osm_type="node", osm_id=331112168)
    assert response.json()[0] == {
        "id": str(apollo.id),
        "name": "Apollo Live Club",
        "kind": "nightclub",
        "address": "Mannerheimintie 16, Helsinki",
        "location": {"lat": 60.1687589, "lng": 24.9388542},
    }
    place_queries = [q for q in queries.captured_queries if "events_place" in q["sql"]]
    assert len(place_queries) == 1


def test_place_search_finds_streets_and_addresses_and_returns_at_most_ten(
    helsinki: None, user_client: Any
) -> None:
    streets = user_client.get(URL, {"q": "Mannerheimintie"}).json()
    address = user_client.get(URL, {"q": "Kaisaniemenkatu 2"}).json()

    assert len(streets) == 10
    assert (streets[0]["name"], streets[0]["kind"]) == ("Mannerheimintie", PlaceKind.STREET)
    assert "Kinopalatsi" in [place["name"] for place in address]


def test_place_search_near_a_point_ranks_the_nearer_first(user_client: Any) -> None:
    # given
    west = PlaceFactory(name="Tavastia", location=Point(24.9300, 60.1700, srid=4326))
    east = PlaceFactory(name="Tavastia", location=Point(24.9500, 60.1700, srid=4326))
    # when
    near_east = user_client.get(URL, {"q": "tavastia", "near": "60.17,24.951"}).json()
    near_west = user_client.get(URL, {"q": "tavastia", "near": "60.17,24.929"}).json()
    # then
    assert [place["id"] for place in near_east] == [str(east.id), str(west.id)]
    assert [place["id"] for place in near_west] == [str(west.id), str(east.id)]


def test_place_search_without_a_match_is_an_empty_list(user_client: Any) -> None:
    PlaceFactory(name="Kappeli")

    response = user_client.get(URL, {"q": "zzzz"})

    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param({}, "q", id="missing_q_case"),
        pytest.param({"q": "k"}, "q", id="one_character_case"),
        pytest.param({"q": "  k  "}, "q", id="one_character_in_blanks_case"),
        pytest.param({"q": "k" * 101}, "q", id="too_long_case"),
        pytest.param({"q": "kappeli", "near": "60.17"}, "near", id="near_one_number_case"),
        pytest.param({"q": "kappeli", "near": "north,east"}, "near", id="near_not_numbers_case"),
        pytest.param({"q": "kappeli", "near": "91,24.9"}, "near", id="near_out_of_range_case"),
        pytest.param({"q": "kappeli", "near": "nan,24.9"}, "near", id="near_nan_case"),
    ],
)
def test_place_search_refuses_bad_parameters(
    user_client: Any, params: dict[str, str], field: str
) -> None:
    response = user_client.get(URL, params)

    assert response.status_code == 400
    body = error(response)
    assert body["code"] == "invalid"
    assert list(body["fields"]) == [field]
