from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any
from uuid import UUID, uuid4

import icalendar
import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.utils import timezone
from prometheus_client import REGISTRY

from shared.accounts.models import User
from shared.accounts.tests.factories import UserFactory
from shared.events.models import Event, EventStatus
from shared.events.tests.factories import LULEA, EventFactory, ParticipationFactory
from shared.testing.api import actor_params, error

pytestmark = pytest.mark.django_db

URL = "/api/v1/events/"
LAT, LNG = LULEA
# A day a month ahead, well within how far ahead an event may start (EVENT_MAX_LEAD_TIME).
DAY = (timezone.now() + timedelta(days=30)).date().isoformat()


def detail_url(event: Event | UUID) -> str:
    return f"{URL}{getattr(event, 'id', event)}/"


def payload(**overrides: Any) -> dict[str, Any]:
    return {
        "title": "Quiz night",
        "description": "Teams of four.",
        "event_type": "bar",
        "starts_at": f"{DAY}T18:00:00+02:00",
        "ends_at": f"{DAY}T21:00:00+02:00",
        "venue_name": "Bishops Arms",
        "address": "Storgatan 17, Luleå",
        "location": {"lat": 65.584, "lng": 22.154},
        "capacity": 20,
        "visibility": "public",
        **overrides,
    }


def events_created_total() -> float:
    return REGISTRY.get_sample_value("events_created_total") or 0.0


# --- create ---


def test_create_returns_the_event_with_the_organizer_going(
    auth_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    client = auth_client()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, payload(), format="json")
    # then
    assert response.status_code == 201
    body = response.json()
    event = Event.objects.get()
    organizer = User.objects.get(id=client.user.id)
    assert body == {
        "id": str(event.id),
        "title": "Quiz night",
        "description": "Teams of four.",
        "event_type": "bar",
        "starts_at": f"{DAY}T16:00:00Z",
        "ends_at": f"{DAY}T19:00:00Z",
        "venue_name": "Bishops Arms",
        "address": "Storgatan 17, Luleå",
        "location": {"lat": 65.584, "lng": 22.154},
        "capacity": 20,
        "visibility": "public",
        "status": "scheduled",
        "cancelled_at": None,
        "removed_at": None,
        "removal_reason": "",
        "organizer": {
            "id": str(organizer.id),
            "username": organizer.username,
            "display_name": organizer.display_name,
        },
        "going_count": 1,
        "interested_count": 0,
        "waitlist_count": 0,
        "my_status": "going",
        "distance_km": None,
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    assert event.organizer_id == organizer.id


def test_create_counts_the_event_in_the_metrics(
    auth_client: Any, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    before = events_created_total()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        auth_client().post(URL, payload(), format="json")
    # then
    assert events_created_total() == before + 1
    exposition = client.get("/metrics").content.decode()
    assert f'events_created_total{{service="event"}} {before + 1}' in exposition


def test_create_ignores_fields_a_client_may_not_set(auth_client: Any) -> None:
    # given
    client = auth_client()
    other = UserFactory()
    forged = payload(
        id=str(uuid4()),
        organizer=str(other.id),
        organizer_id=str(other.id),
        status="cancelled",
        going_count=99,
        interested_count=5,
        created_at="2000-01-01T00:00:00Z",
        colour="red",
    )
    # when
    response = client.post(URL, forged, format="json")
    # then
    assert response.status_code == 201
    event = Event.objects.get()
    assert str(event.id) != forged["id"]
    assert event.organizer_id == client.user.id
    assert event.status == EventStatus.SCHEDULED
    assert (event.going_count, event.interested_count) == (1, 0)
    assert event.created_at.year == timezone.now().year


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"ends_at": f"{DAY}T17:00:00+02:00"}, "ends_at", id="end_before_start_case"),
        pytest.param({"location": {"lat": 123, "lng": 22.1}}, "location", id="latitude_123_case"),
        pytest.param({"location": {"lat": 65.5, "lng": -181}}, "location", id="longitude_181_case"),
        pytest.param({"location": {"lat": "nan", "lng": 22.1}}, "location", id="latitude_nan_case"),
        pytest.param({"location": None}, "location", id="no_location_case"),
        pytest.param({"title": "x" * 201}, "title", id="title_201_case"),
        pytest.param({"title": ""}, "title", id="title_blank_case"),
        pytest.param({"title": "a\x00b"}, "title", id="title_nul_case"),
        pytest.param({"description": "x" * 5001}, "description", id="description_long_case"),
        pytest.param({"capacity": 0}, "capacity", id="capacity_0_case"),
        pytest.param({"capacity": 10**12}, "capacity", id="capacity_huge_case"),
        pytest.param({"event_type": "rave"}, "event_type", id="unknown_type_case"),
        pytest.param({"visibility": "secret"}, "visibility", id="unknown_visibility_case"),
        pytest.param({"starts_at": "tomorrow"}, "starts_at", id="start_not_a_date_case"),
        pytest.param({"starts_at": f"{DAY}T18:00:00"}, "starts_at", id="start_naive_case"),
        pytest.param(
            {"starts_at": "2001-06-01T18:00:00Z", "ends_at": "2001-06-01T20:00:00Z"},
            "starts_at",
            id="start_in_the_past_case",
        ),
        pytest.param({"ends_at": "4349-06-01T21:00:00+02:00"}, "ends_at", id="end_in_4349_case"),
        pytest.param(
            {"starts_at": "4349-06-01T18:00:00Z", "ends_at": "4349-06-01T21:00:00Z"},
            "starts_at",
            id="start_in_4349_case",
        ),
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(
    auth_client: Any, overrides: dict[str, Any], field: str
) -> None:
    response = auth_client().post(URL, payload(**overrides), format="json")

    assert response.status_code == 400
    body = error(response)
    assert body["code"] == "invalid"
    assert list(body["fields"]) == [field]
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    ("lasts", "expected"),
    [
        pytest.param(timedelta(days=14), 201, id="exactly_14_days_case"),
        pytest.param(timedelta(days=14, seconds=1), 400, id="a_second_over_14_days_case"),
    ],
)
def test_create_allows_an_event_lasting_at_most_14_days(
    auth_client: Any, lasts: timedelta, expected: int
) -> None:
    starts_at = datetime.fromisoformat(f"{DAY}T18:00:00+00:00")
    body = payload(starts_at=starts_at.isoformat(), ends_at=(starts_at + lasts).isoformat())

    response = auth_client().post(URL, body, format="json")

    assert response.status_code == expected
    if expected == 400:
        assert error(response)["fields"] == {"ends_at": ["An event lasts at most 14 days."]}
    assert Event.objects.exists() == (expected == 201)


@pytest.mark.parametrize(
    ("ahead", "expected"),
    [
        # a day inside and outside the 730 days (the exact edge is tested on the service)
        pytest.param(timedelta(days=729), 201, id="729_days_ahead_case"),
        pytest.param(timedelta(days=731), 400, id="731_days_ahead_case"),
    ],
)
def test_create_allows_a_start_at_most_two_years_ahead(
    auth_client: Any, ahead: timedelta, expected: int
) -> None:
    starts_at = timezone.now() + ahead
    body = payload(
        starts_at=starts_at.isoformat(), ends_at=(starts_at + timedelta(hours=3)).isoformat()
    )

    response = auth_client().post(URL, body, format="json")

    assert response.status_code == expected
    if expected == 400:
        assert error(response)["fields"] == {
            "starts_at": ["An event starts at most 730 days ahead."]
        }
    assert Event.objects.exists() == (expected == 201)


def test_create_refuses_a_body_over_the_limit_with_413(auth_client: Any) -> None:
    # given: a body of about 3 MB, above the default 2 MiB limit
    client = auth_client()
    body = json.dumps(payload(description="x" * 3_000_000))
    # when
    response = client.post(URL, body, content_type="application/json")
    # then
    assert response.status_code == 413
    assert error(response)["code"] == "request_too_large"
    assert not Event.objects.exists()


def test_create_refuses_a_1mb_title_with_400(auth_client: Any) -> None:
    # given: a title of about 1 MB, inside the body limit but far over the field's
    client = auth_client()
    # when
    response = client.post(URL, payload(title="x" * 1_000_000), format="json")
    # then
    assert response.status_code == 400
    assert error(response)["fields"] == {
        "title": ["Ensure this field has no more than 200 characters."]
    }
    assert not Event.objects.exists()


def test_create_refuses_a_non_json_body_with_415(auth_client: Any) -> None:
    response = auth_client().post(URL, "title=Quiz", content_type="text/plain")

    assert response.status_code == 415
    assert error(response)["code"] == "unsupported_media_type"
    assert not Event.objects.exists()


def test_create_refuses_malformed_json_with_400(auth_client: Any) -> None:
    response = auth_client().post(URL, '{"title": ', content_type="application/json")

    assert response.status_code == 400
    assert error(response)["code"] == "parse_error"


@pytest.mark.parametrize(
    ("actor", "expected"), actor_params({"anonymous": 401, "banned": 403, "moderator": 201})
)
def test_create_needs_a_signed_in_user_who_is_not_banned(
    auth_client: Any, api_client: Any, actor: str, expected: int
) -> None:
    client = {
        "anonymous": lambda: api_client,
        "banned": lambda: auth_client(user=UserFactory(is_banned=True)),
        "moderator": lambda: auth_client(roles=("user", "moderator")),
    }[actor]()

    response = client.post(URL, payload(), format="json")

    assert response.status_code == expected
    assert Event.objects.exists() is (expected == 201)


def test_create_with_an_invalid_token_is_401(api_client: Any) -> None:
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    response = api_client.post(URL, payload(), format="json")

    assert response.status_code == 401
    assert error(response)["code"] == "invalid_token"
    assert not Event.objects.exists()


# --- retrieve ---


@pytest.mark.parametrize(
    ("actor", "expected"),
    actor_params(
        {"anonymous": 404, "organizer": 200, "other": 404, "banned": 403, "moderator": 404}
    ),
)
def test_retrieve_shows_a_private_event_only_to_its_people(
    client_as: Any, actor: str, expected: int
) -> None:
    event = EventFactory(visibility="private")

    response = client_as(actor, event).get(detail_url(event))

    assert response.status_code == expected
    if expected == 200:
        assert response.json()["id"] == str(event.id)
    else:
        assert "id" not in response.json()


def test_retrieve_shows_a_private_event_to_a_participant(auth_client: Any) -> None:
    event = EventFactory(visibility="private")
    participant = ParticipationFactory(event=event, status="interested").user

    response = auth_client(user=participant).get(detail_url(event))

    assert response.status_code == 200
    assert response.json()["my_status"] == "interested"


def test_retrieve_shows_a_public_event_to_anyone(api_client: Any) -> None:
    event = EventFactory(title="Open air", capacity=50)

    response = api_client.get(detail_url(event))

    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["capacity"], body["my_status"]) == ("Open air", 50, None)
    assert body["location"] == {"lat": event.location.y, "lng": event.location.x}


def test_retrieve_of_an_unknown_or_malformed_id_is_404(api_client: Any) -> None:
    unknown = api_client.get(detail_url(uuid4()))
    malformed = api_client.get(f"{URL}not-a-uuid/")

    assert unknown.status_code == 404
    assert error(unknown)["code"] == "event_not_found"
    assert malformed.status_code == 404
    assert error(malformed)["code"] == "not_found"


# --- update ---


@pytest.mark.parametrize(
    ("actor", "expected"),
    actor_params(
        {
            "anonymous": 401,
            "organizer": 200,
            "other": 403,
            "banned": 403,
            "banned_organizer": 403,
            "moderator": 403,
        }
    ),
)
def test_patch_is_for_the_organizer_only(client_as: Any, actor: str, expected: int) -> None:
    event = EventFactory(title="Old")

    response = client_as(actor, event).patch(detail_url(event), {"title": "New"}, format="json")

    assert response.status_code == expected
    assert Event.objects.get(id=event.id).title == ("New" if expected == 200 else "Old")


@pytest.mark.parametrize(
    ("actor", "expected"),
    actor_params({"anonymous": 401, "organizer": 200, "other": 404, "moderator": 404}),
)
def test_patch_of_a_private_event_hides_it_from_outsiders(
    client_as: Any, actor: str, expected: int
) -> None:
    event = EventFactory(title="Old", visibility="private")

    response = client_as(actor, event).patch(detail_url(event), {"title": "New"}, format="json")

    assert response.status_code == expected
    assert Event.objects.get(id=event.id).title == ("New" if expected == 200 else "Old")


def test_patch_changes_only_what_is_sent_and_ignores_the_rest(auth_client: Any) -> None:
    # given
    event = EventFactory(title="Old", description="Keep me", capacity=10)
    client = auth_client(user=event.organizer)
    # when
    response = client.patch(
        detail_url(event),
        {"title": "New", "capacity": 12, "status": "cancelled", "going_count": 50},
        format="json",
    )
    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["description"], body["capacity"]) == ("New", "Keep me", 12)
    assert (body["status"], body["going_count"]) == ("scheduled", 1)


def test_put_replaces_the_details(auth_client: Any) -> None:
    event = EventFactory(title="Old", description="Old text")
    client = auth_client(user=event.organizer)

    response = client.put(detail_url(event), payload(description=""), format="json")

    assert response.status_code == 200
    event.refresh_from_db()
    assert (event.title, event.description, event.capacity) == ("Quiz night", "", 20)
    assert event.starts_at == datetime.fromisoformat(f"{DAY}T16:00:00+00:00")
    assert (event.location.x, event.location.y) == (22.154, 65.584)


def test_put_without_required_fields_is_400(auth_client: Any) -> None:
    event = EventFactory(title="Old")

    response = auth_client(user=event.organizer).put(
        detail_url(event), {"title": "New"}, format="json"
    )

    assert response.status_code == 400
    assert set(error(response)["fields"]) == {"event_type", "starts_at", "ends_at", "location"}
    assert Event.objects.get(id=event.id).title == "Old"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"location": {"lat": 123, "lng": 0}}, "location", id="latitude_123_case"),
        pytest.param({"capacity": 0}, "capacity", id="capacity_0_case"),
        pytest.param({"ends_at": "2001-01-01T00:00:00Z"}, "ends_at", id="end_before_start_case"),
        pytest.param({"title": "x" * 201}, "title", id="title_201_case"),
        pytest.param({"ends_at": "4349-01-01T00:00:00Z"}, "ends_at", id="end_in_4349_case"),
        pytest.param(
            {"starts_at": "4349-01-01T00:00:00Z", "ends_at": "4349-01-01T03:00:00Z"},
            "starts_at",
            id="start_in_4349_case",
        ),
    ],
)
def test_patch_refuses_bad_input_and_changes_nothing(
    auth_client: Any, body: dict[str, Any], field: str
) -> None:
    event = EventFactory(title="Old", capacity=10)

    response = auth_client(user=event.organizer).patch(detail_url(event), body, format="json")

    assert response.status_code == 400
    assert list(error(response)["fields"]) == [field]
    unchanged = Event.objects.get(id=event.id)
    assert (unchanged.title, unchanged.capacity, unchanged.ends_at) == ("Old", 10, event.ends_at)


REQUIRED = ["This field is required."]


@pytest.mark.parametrize(
    ("location", "fields"),
    [
        pytest.param({}, {"lat": REQUIRED, "lng": REQUIRED}, id="empty_case"),
        pytest.param({"lat": 1}, {"lng": REQUIRED}, id="latitude_only_case"),
        pytest.param({"lng": 1}, {"lat": REQUIRED}, id="longitude_only_case"),
    ],
)
def test_patch_with_part_of_a_location_is_400_and_changes_nothing(
    auth_client: Any, location: dict[str, Any], fields: dict[str, Any]
) -> None:
    event = EventFactory(title="Old")

    response = auth_client(user=event.organizer).patch(
        detail_url(event), {"title": "New", "location": location}, format="json"
    )

    assert response.status_code == 400
    assert error(response) == {
        "code": "invalid",
        "message": "The request is invalid; see fields.",
        "fields": {"location": fields},
    }
    unchanged = Event.objects.get(id=event.id)
    assert (unchanged.title, unchanged.location) == ("Old", event.location)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"location": {}}, id="empty_location_case"),
        pytest.param({"location": {"lat": 1}}, id="partial_location_case"),
        pytest.param({"title": "x" * 201}, id="title_201_case"),
        pytest.param({"capacity": 0}, id="capacity_0_case"),
    ],
)
@pytest.mark.parametrize(
    ("actor", "expected", "code"),
    [
        pytest.param("anonymous", 401, "not_authenticated", id="anonymous_case"),
        pytest.param("other", 403, "not_event_organizer", id="other_case"),
        pytest.param("moderator", 403, "not_event_organizer", id="moderator_case"),
        pytest.param("banned", 403, "user_banned", id="banned_case"),
    ],
)
def test_patch_refuses_someone_else_before_reading_their_input(
    client_as: Any, actor: str, expected: int, code: str, body: dict[str, Any]
) -> None:
    event = EventFactory(title="Old", capacity=10)

    response = client_as(actor, event).patch(detail_url(event), body, format="json")

    assert response.status_code == expected
    assert error(response)["code"] == code
    unchanged = Event.objects.get(id=event.id)
    assert (unchanged.title, unchanged.capacity) == ("Old", 10)


@pytest.mark.parametrize("method", ["put", "patch"])
def test_an_outsider_changing_a_private_event_with_bad_input_gets_404(
    client_as: Any, method: str
) -> None:
    event = EventFactory(title="Old", visibility="private")

    response = getattr(client_as("other", event), method)(
        detail_url(event), {"location": {}}, format="json"
    )

    assert response.status_code == 404
    assert error(response)["code"] == "event_not_found"


def test_patch_below_the_people_going_is_409(auth_client: Any) -> None:
    event = EventFactory(capacity=5)
    ParticipationFactory.create_batch(2, event=event)

    response = auth_client(user=event.organizer).patch(
        detail_url(event), {"capacity": 2}, format="json"
    )

    assert response.status_code == 409
    assert error(response) == {
        "code": "capacity_below_going",
        "message": "The capacity cannot be lower than the number of people going.",
        "fields": {"capacity": ["3 people are going."]},
    }


def test_patch_of_a_cancelled_event_is_409(auth_client: Any) -> None:
    event = EventFactory(title="Old", status=EventStatus.CANCELLED)

    response = auth_client(user=event.organizer).patch(
        detail_url(event), {"title": "New"}, format="json"
    )

    assert response.status_code == 409
    assert error(response)["code"] == "event_cancelled"
    assert Event.objects.get(id=event.id).title == "Old"


# --- cancel ---


@pytest.mark.parametrize(
    ("actor", "expected"),
    actor_params(
        {
            "anonymous": 401,
            "organizer": 204,
            "other": 403,
            "banned": 403,
            "banned_organizer": 403,
            "moderator": 403,
        }
    ),
)
def test_delete_cancels_for_the_organizer_only(client_as: Any, actor: str, expected: int) -> None:
    event = EventFactory()

    response = client_as(actor, event).delete(detail_url(event))

    assert response.status_code == expected
    status = Event.objects.get(id=event.id).status
    assert status == ("cancelled" if expected == 204 else "scheduled")


def test_delete_keeps_the_event_readable_as_cancelled(auth_client: Any, api_client: Any) -> None:
    event = EventFactory()

    auth_client(user=event.organizer).delete(detail_url(event))
    response = api_client.get(detail_url(event))

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["cancelled_at"] is not None


# --- list ---


def test_list_is_paginated_for_anyone(api_client: Any) -> None:
    # given
    now = timezone.now()
    for day in range(3):
        EventFactory(title=f"Day {day}", starts_at=now + timedelta(days=day + 1))
    # when
    response = api_client.get(URL, {"page_size": 2})
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert body["next"] == "http://testserver/api/v1/events/?page=2&page_size=2"
    assert body["previous"] is None
    assert [event["title"] for event in body["results"]] == ["Day 0", "Day 1"]


def test_list_caps_the_page_size_at_100(api_client: Any) -> None:
    EventFactory.create_batch(101)

    response = api_client.get(URL, {"page_size": 1000})

    assert len(response.json()["results"]) == 100


def test_list_pages_to_the_last_page_and_no_further(api_client: Any) -> None:
    # given
    now = timezone.now()
    for day in range(5):
        EventFactory(title=f"Day {day}", starts_at=now + timedelta(days=day + 1))
    # when
    last = api_client.get(URL, {"page_size": 2, "page": "last"})
    third = api_client.get(URL, {"page_size": 2, "page": 3})
    past_the_end = api_client.get(URL, {"page_size": 2, "page": 4})
    # then
    assert last.json() == third.json()
    assert (last.json()["count"], last.json()["next"]) == (5, None)
    assert [event["title"] for event in last.json()["results"]] == ["Day 4"]
    assert last.json()["previous"] == "http://testserver/api/v1/events/?page=2&page_size=2"
    assert past_the_end.status_code == 404
    assert error(past_the_end)["code"] == "not_found"


@pytest.mark.parametrize("page", ["0", "-1", "two", "1.5", str(10**9), str(10**9 + 1), str(10**20)])
def test_list_refuses_a_page_that_is_not_a_page_number(api_client: Any, page: str) -> None:
    EventFactory()

    response = api_client.get(URL, {"page": page})

    assert response.status_code == 404
    assert error(response)["message"] == "Invalid page."


def test_list_of_nothing_is_an_empty_first_page(api_client: Any) -> None:
    response = api_client.get(URL, {"q": "nothing matches this"})

    assert response.status_code == 200
    assert response.json() == {"count": 0, "next": None, "previous": None, "results": []}


def test_an_event_in_a_list_reads_as_its_detail(auth_client: Any) -> None:
    """The list's SQL read and the detail's model read give one event the same output."""
    # given: a private event of mine with everything set
    client = auth_client()
    created = client.post(URL, payload(visibility="private", capacity=10), format="json").json()
    # when
    listed = client.get(URL, {"organizer": "me"}).json()["results"]
    detail = client.get(f"{URL}{created['id']}/").json()
    # then
    assert listed == [detail] == [created]
    assert detail["my_status"] == "going"


def test_list_near_a_point_orders_by_distance_with_kilometres(api_client: Any) -> None:
    # given
    EventFactory(title="Far", location=Point(LNG, LAT + 5 / 111.2, srid=4326))
    EventFactory(title="Near", location=Point(LNG, LAT + 1 / 111.2, srid=4326))
    EventFactory(title="Outside", location=Point(LNG, LAT + 30 / 111.2, srid=4326))
    # when
    response = api_client.get(URL, {"lat": LAT, "lng": LNG, "radius_km": 10})
    # then
    results = response.json()["results"]
    assert [event["title"] for event in results] == ["Near", "Far"]
    assert [round(event["distance_km"], 1) for event in results] == [1.0, 5.0]


def test_list_in_a_map_box(api_client: Any) -> None:
    EventFactory(title="Inside", location=Point(22.15, 65.58, srid=4326))
    EventFactory(title="Outside", location=Point(21.0, 65.58, srid=4326))

    response = api_client.get(URL, {"bbox": "22.0,65.5,22.3,65.65"})

    assert [event["title"] for event in response.json()["results"]] == ["Inside"]


def test_list_with_text_types_and_dates(api_client: Any) -> None:
    # given
    now = timezone.now()
    EventFactory(title="Jazz quiz", event_type="bar", starts_at=now + timedelta(days=2))
    EventFactory(title="Jazz concert", event_type="concert", starts_at=now + timedelta(days=2))
    EventFactory(title="Jazz brunch", event_type="restaurant", starts_at=now + timedelta(days=2))
    EventFactory(title="Jazz late", event_type="bar", starts_at=now + timedelta(days=20))
    EventFactory(title="Rock quiz", event_type="bar", starts_at=now + timedelta(days=2))
    # when
    response = api_client.get(
        URL,
        {
            "q": "jazz",
            "type": "bar,concert",
            "starts_after": (now + timedelta(days=1)).isoformat(),
            "starts_before": (now + timedelta(days=3)).isoformat(),
        },
    )
    # then
    assert response.status_code == 200
    assert sorted(event["title"] for event in response.json()["results"]) == [
        "Jazz concert",
        "Jazz quiz",
    ]


def test_list_of_my_events(auth_client: Any) -> None:
    # given
    client = auth_client()
    me = client.user
    EventFactory(title="Organised", organizer=me)
    waiting = EventFactory(title="Waiting")
    ParticipationFactory(event=waiting, user=me, status="waitlisted")
    EventFactory(title="Not mine")
    # when
    organised = client.get(URL, {"organizer": "me"})
    waitlisted = client.get(URL, {"my_status": "waitlisted"})
    # then
    assert [event["title"] for event in organised.json()["results"]] == ["Organised"]
    assert [(e["title"], e["my_status"]) for e in waitlisted.json()["results"]] == [
        ("Waiting", "waitlisted")
    ]


@pytest.mark.parametrize("params", [{"organizer": "me"}, {"my_status": "going"}])
def test_list_of_my_events_needs_sign_in(api_client: Any, params: dict[str, str]) -> None:
    response = api_client.get(URL, params)

    assert response.status_code == 401
    assert error(response)["code"] == "not_authenticated"


def test_list_hides_private_and_cancelled_events(api_client: Any) -> None:
    EventFactory(title="Public")
    EventFactory(title="Private", visibility="private")
    EventFactory(title="Cancelled", status=EventStatus.CANCELLED)

    default = api_client.get(URL)
    with_cancelled = api_client.get(URL, {"include_cancelled": "true"})

    assert [event["title"] for event in default.json()["results"]] == ["Public"]
    assert sorted(e["title"] for e in with_cancelled.json()["results"]) == ["Cancelled", "Public"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param({"lat": 123, "lng": 22}, "lat", id="latitude_123_case"),
        pytest.param({"lat": 65, "lng": 200}, "lng", id="longitude_200_case"),
        pytest.param({"lat": "abc", "lng": 22}, "lat", id="latitude_text_case"),
        pytest.param({"lat": "nan", "lng": 22}, "lat", id="latitude_nan_case"),
        pytest.param(
            {"lat": 65, "lng": 22, "radius_km": -1}, "radius_km", id="radius_negative_case"
        ),
        pytest.param({"lat": 65, "lng": 22, "radius_km": 0}, "radius_km", id="radius_zero_case"),
        pytest.param({"lat": 65, "lng": 22, "radius_km": 101}, "radius_km", id="radius_101_case"),
        pytest.param({"lat": 65}, "lng", id="lat_without_lng_case"),
        pytest.param({"radius_km": 5}, "radius_km", id="radius_without_point_case"),
        pytest.param({"bbox": "1,2,3"}, "bbox", id="bbox_three_numbers_case"),
        pytest.param({"bbox": "a,b,c,d"}, "bbox", id="bbox_text_case"),
        pytest.param({"bbox": "22.3,65.5,22.0,65.6"}, "bbox", id="bbox_reversed_case"),
        pytest.param({"bbox": "0,-91,1,0"}, "bbox", id="bbox_latitude_out_of_range_case"),
        pytest.param({"bbox": "0,0,inf,1"}, "bbox", id="bbox_infinite_case"),
        pytest.param(
            {"starts_after": "2099-06-02T00:00:00Z", "starts_before": "2099-06-01T00:00:00Z"},
            "starts_before",
            id="dates_reversed_case",
        ),
        pytest.param({"starts_after": "soon"}, "starts_after", id="date_text_case"),
        pytest.param({"type": "bar,rave"}, "type", id="unknown_type_case"),
        pytest.param({"my_status": "maybe"}, "my_status", id="unknown_status_case"),
        pytest.param({"organizer": "someone"}, "organizer", id="organizer_not_an_id_case"),
        pytest.param({"include_past": "perhaps"}, "include_past", id="boolean_text_case"),
        pytest.param({"q": "x" * 201}, "q", id="query_too_long_case"),
    ],
)
def test_list_refuses_bad_parameters(api_client: Any, params: dict[str, Any], field: str) -> None:
    response = api_client.get(URL, params)

    assert response.status_code == 400
    body = error(response)
    assert body["code"] == "invalid"
    assert list(body["fields"]) == [field]


def test_list_refuses_a_banned_reader(auth_client: Any) -> None:
    EventFactory()

    response = auth_client(user=UserFactory(is_banned=True)).get(URL)

    assert response.status_code == 403
    assert error(response) == {
        "code": "user_banned",
        "message": "Your account is banned.",
        "fields": {},
    }


# --- GeoJSON ---


def test_geojson_is_a_feature_collection_of_visible_events(api_client: Any) -> None:
    # given
    event = EventFactory(title="Pin", location=Point(22.15, 65.58, srid=4326), capacity=8)
    EventFactory(title="Hidden", visibility="private")
    # when
    response = api_client.get(f"{URL}geojson/")
    # then
    assert response.status_code == 200
    assert response.json() == {
        "type": "FeatureCollection",
        "features": [
            {
                "id": str(event.id),
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [22.15, 65.58]},
                "properties": {
                    "title": "Pin",
                    "event_type": "bar",
                    "starts_at": event.starts_at.isoformat().replace("+00:00", "Z"),
                    "ends_at": event.ends_at.isoformat().replace("+00:00", "Z"),
                    "venue_name": "Bishops Arms",
                    "status": "scheduled",
                    "visibility": "public",
                    "capacity": 8,
                    "going_count": 1,
                    "distance_km": None,
                },
            }
        ],
    }


def test_geojson_feature_matches_its_declared_fields(api_client: Any) -> None:
    """The hand-built feature and the library's (the OpenAPI shape) must not drift apart."""
    from rest_framework_gis.serializers import GeoFeatureModelSerializer

    from event_service.api.serializers import EventGeoFeatureOutputSerializer
    from shared.events.selectors import event_get

    event = EventFactory(location=Point(22.15, 65.58, srid=4326), capacity=8)

    feature = api_client.get(f"{URL}geojson/").json()["features"][0]
    model = event_get(event_id=event.id, viewer_id=None)
    by_library = GeoFeatureModelSerializer.to_representation(
        EventGeoFeatureOutputSerializer(model), model
    )

    assert feature == json.loads(json.dumps(by_library))


def test_geojson_takes_the_list_filters_and_a_limit(api_client: Any) -> None:
    for km in (3, 1, 2, 40):
        EventFactory(title=f"{km} km", location=Point(LNG, LAT + km / 111.2, srid=4326))

    response = api_client.get(
        f"{URL}geojson/", {"lat": LAT, "lng": LNG, "radius_km": 10, "limit": 2}
    )

    features = response.json()["features"]
    assert [feature["properties"]["title"] for feature in features] == ["1 km", "2 km"]


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 501}, {"bbox": "nonsense"}, {"lat": 123, "lng": 0}]
)
def test_geojson_refuses_bad_parameters(api_client: Any, params: dict[str, Any]) -> None:
    response = api_client.get(f"{URL}geojson/", params)

    assert response.status_code == 400
    assert error(response)["code"] == "invalid"


# --- calendar ---


def test_calendar_ics_parses_back_with_the_event(api_client: Any) -> None:
    # given
    event = EventFactory(
        title="Jazz, live",
        description="Trio; bring friends.",
        venue_name="Kulturens hus",
        address="Skeppsbrogatan 17, Luleå",
        starts_at=datetime(2099, 6, 1, 18, tzinfo=UTC),
        ends_at=datetime(2099, 6, 1, 21, tzinfo=UTC),
        location=Point(22.154, 65.584, srid=4326),
    )
    # when
    response = api_client.get(f"{URL}{event.id}/calendar.ics", HTTP_ACCEPT="text/calendar")
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    [entry] = calendar.walk("VEVENT")
    assert str(entry["UID"]) == f"{event.id}@crewup"
    assert entry.decoded("DTSTART") == datetime(2099, 6, 1, 18, tzinfo=UTC)
    assert entry.decoded("DTEND") == datetime(2099, 6, 1, 21, tzinfo=UTC)
    assert "DTSTART:20990601T180000Z" in response.content.decode()
    assert str(entry["SUMMARY"]) == "Jazz, live"
    assert str(entry["DESCRIPTION"]) == "Trio; bring friends."
    assert str(entry["LOCATION"]) == "Kulturens hus, Skeppsbrogatan 17, Luleå"
    assert (entry["GEO"].latitude, entry["GEO"].longitude) == (65.584, 22.154)
    assert str(entry["STATUS"]) == "CONFIRMED"


def test_calendar_ics_of_a_cancelled_event_says_so(api_client: Any) -> None:
    event = EventFactory(status=EventStatus.CANCELLED)

    response = api_client.get(f"{URL}{event.id}/calendar.ics")

    [entry] = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert str(entry["STATUS"]) == "CANCELLED"


@pytest.mark.parametrize("accept", ["text/calendar", "application/json", "*/*"])
def test_calendar_ics_of_a_private_event_is_a_json_404(api_client: Any, accept: str) -> None:
    event = EventFactory(visibility="private")

    response = api_client.get(f"{URL}{event.id}/calendar.ics", HTTP_ACCEPT=accept)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert error(response)["code"] == "event_not_found"


def test_calendar_ics_refuses_a_banned_user(auth_client: Any) -> None:
    event = EventFactory()

    response = auth_client(user=UserFactory(is_banned=True)).get(f"{URL}{event.id}/calendar.ics")

    assert response.status_code == 403


# --- schema ---


def test_schema_documents_the_parameters_and_responses(client: Any) -> None:
    response = client.get(f"{URL}schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    schema = response.json()
    list_operation = schema["paths"]["/api/v1/events/"]["get"]
    names = {parameter["name"] for parameter in list_operation["parameters"]}
    assert names == {
        "q",
        "type",
        "starts_after",
        "starts_before",
        "lat",
        "lng",
        "radius_km",
        "bbox",
        "organizer",
        "my_status",
        "include_cancelled",
        "include_past",
        "page",
        "page_size",
    }
    assert set(list_operation["responses"]) == {"200", "400", "401", "403", "404", "503"}
    assert "/api/v1/events/{id}/calendar.ics" in schema["paths"]
    assert "/api/v1/events/{id}/join/" in schema["paths"]
    join = schema["paths"]["/api/v1/events/{id}/join/"]["post"]
    assert set(join["responses"]) == {
        *("200", "201", "400", "401", "403", "404", "409", "413", "415", "503")
    }


def _schema(client: Any) -> dict[str, Any]:
    return client.get(f"{URL}schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


@pytest.mark.parametrize("page", ["0", "99"])
def test_a_page_that_does_not_exist_is_a_documented_404(
    db: None, client: Any, api_client: Any, page: str
) -> None:
    EventFactory()

    response = api_client.get(URL, {"page": page})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    documented = _schema(client)["paths"]["/api/v1/events/"]["get"]["responses"]
    assert documented["404"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorOutput"
    }


def test_schema_says_distance_km_is_null_without_a_point(
    db: None, client: Any, api_client: Any
) -> None:
    EventFactory()

    response = api_client.get(URL)

    assert response.json()["results"][0]["distance_km"] is None
    components = _schema(client)["components"]["schemas"]
    assert components["EventOutput"]["properties"]["distance_km"]["nullable"] is True
    geo_properties = components["EventGeoFeatureOutput"]["properties"]["properties"]
    assert geo_properties["properties"]["distance_km"]["nullable"] is True


def test_schema_says_waitlist_position_is_null_unless_waitlisted(
    db: None, client: Any, user_client: Any
) -> None:
    event = EventFactory()

    response = user_client.post(f"{URL}{event.id}/join/", {"status": "going"}, format="json")

    assert response.json()["waitlist_position"] is None
    components = _schema(client)["components"]["schemas"]
    assert components["ParticipationOutput"]["properties"]["waitlist_position"]["nullable"] is True


def test_schema_is_generated_without_warnings() -> None:
    output = StringIO()

    call_command("spectacular", "--validate", "--fail-on-warn", stdout=output)

    assert output.getvalue().startswith("openapi: 3.0.3")


# --- banned users ---


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("get", "", id="list_case"),
        pytest.param("get", "geojson/", id="geojson_case"),
        pytest.param("post", "", id="create_case"),
        pytest.param("get", "{id}/", id="retrieve_case"),
        pytest.param("put", "{id}/", id="update_case"),
        pytest.param("patch", "{id}/", id="partial_update_case"),
        pytest.param("delete", "{id}/", id="cancel_case"),
        pytest.param("post", "{id}/join/", id="join_case"),
        pytest.param("delete", "{id}/leave/", id="leave_case"),
        pytest.param("get", "{id}/participants/", id="participants_case"),
        pytest.param("get", "{id}/calendar.ics", id="calendar_case"),
    ],
)
def test_a_banned_user_is_refused_everywhere(auth_client: Any, method: str, path: str) -> None:
    # given: a banned organizer, so even their own event is out of reach
    event = EventFactory(title="Untouched")
    event.organizer.is_banned = True
    event.organizer.save(update_fields=["is_banned"])
    client = auth_client(user=event.organizer)
    # when
    response = getattr(client, method)(URL + path.format(id=event.id), payload(), format="json")
    # then
    assert response.status_code == 403
    assert error(response)["code"] == "user_banned"
    unchanged = Event.objects.get(id=event.id)
    assert (unchanged.title, unchanged.status) == ("Untouched", "scheduled")
    assert Event.objects.count() == 1


def test_event_output_matches_its_declared_fields(auth_client: Any) -> None:
    """The hand-built output and the DRF fields (the OpenAPI shape) must not drift apart."""
    from rest_framework import serializers

    from event_service.api.serializers import EventOutputSerializer
    from shared.events.selectors import event_get

    client = auth_client()
    created = client.post(URL, payload(), format="json").json()
    event = event_get(event_id=created["id"], viewer_id=client.user.id)

    fast = EventOutputSerializer(event).data
    by_fields = serializers.ModelSerializer.to_representation(EventOutputSerializer(event), event)

    assert fast == dict(by_fields)


def test_event_search_json_is_the_output_of_the_records() -> None:
    """The list's events, built by PostgreSQL, are what the serializer makes of the records."""
    from event_service.api.serializers import EventOutputSerializer
    from shared.events.models import EventVisibility, ParticipationStatus
    from shared.events.selectors import EventFilters, Near, event_search, event_search_json

    viewer = UserFactory(first_name="  Ada ", last_name="")
    start = timezone.now().replace(microsecond=0) + timedelta(days=2)
    EventFactory(
        organizer=UserFactory(display_name_override="Mia ☂"),
        title='Quotes " and \\ back\nslash, a line separator \u2028 and a tab\t',
        description="Ünïcödé, \x01 a control character, an emoji 🎉",
        starts_at=start.replace(microsecond=123456),
        capacity=None,
    )
    EventFactory(organizer=UserFactory(first_name="", last_name=""), starts_at=start, capacity=12)
    # Microseconds that end in zeros keep all six digits, as Python writes them.
    EventFactory(starts_at=start.replace(microsecond=120000), capacity=3)
    EventFactory(status=EventStatus.CANCELLED, organizer=UserFactory(deleted_at=timezone.now()))
    removed = EventFactory(organizer=viewer, visibility=EventVisibility.PRIVATE)
    removed.removed_at, removed.removal_reason = timezone.now(), "Spam"
    removed.save(update_fields=["removed_at", "removal_reason"])
    ParticipationFactory(
        event=EventFactory(starts_at=start + timedelta(hours=5)),
        user=viewer,
        status=ParticipationStatus.INTERESTED,
    )
    filters = EventFilters(
        near=Near(lat=LULEA[0], lng=LULEA[1], radius_km=50), include_cancelled=True
    )

    for viewer_id, search in ((viewer.id, filters), (None, filters), (viewer.id, EventFilters())):
        records = event_search(viewer_id=viewer_id, filters=search, limit=100)
        total, events = event_search_json(viewer_id=viewer_id, filters=search, limit=100)

        assert total == records.total
        assert events == EventOutputSerializer(records.events, many=True).data
    assert len(event_search_json(viewer_id=viewer.id, filters=filters, limit=100)[1]) == 6
    assert event_search_json(viewer_id=viewer.id, filters=filters, offset=100) == (0, [])
