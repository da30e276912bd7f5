from __future__ import annotations

import json
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from shared.accounts.models import User
from shared.accounts.tests.factories import UserFactory
from shared.events.models import Event, EventStatus, Participation
from shared.events.tests.factories import EventFactory, ParticipationFactory
from shared.testing.api import actor_params, error

pytestmark = pytest.mark.django_db

URL = "/api/v1/events/"


def join_url(event: Event) -> str:
    return f"{URL}{event.id}/join/"


def leave_url(event: Event) -> str:
    return f"{URL}{event.id}/leave/"


def participants_url(event: Event) -> str:
    return f"{URL}{event.id}/participants/"


def counters(event: Event) -> tuple[int, int, int]:
    event.refresh_from_db()
    return event.going_count, event.interested_count, event.waitlist_count


# --- join ---


def test_join_going_returns_201_with_the_participation(auth_client: Any) -> None:
    # given
    event = EventFactory(capacity=3)
    client = auth_client()
    # when
    response = client.post(join_url(event), {"status": "going"}, format="json")
    # then
    assert response.status_code == 201
    participation = Participation.objects.get(event=event, user_id=client.user.id)
    user = User.objects.get(id=client.user.id)
    assert response.json() == {
        "id": str(participation.id),
        "event_id": str(event.id),
        "user": {"id": str(user.id), "username": user.username, "display_name": user.display_name},
        "status": "going",
        "waitlist_position": None,
        "created_at": participation.created_at.isoformat().replace("+00:00", "Z"),
    }
    assert counters(event) == (2, 0, 0)


def test_participation_output_matches_its_declared_fields() -> None:
    """The hand-built output and the DRF fields (the OpenAPI shape) must not drift apart: the
    same JSON (DRF's `event_id` field hands the UUID itself to the renderer)."""
    from rest_framework import serializers
    from rest_framework.renderers import JSONRenderer

    from event_service.api.serializers import ParticipationOutputSerializer

    for status in ("going", "waitlisted"):
        participation = ParticipationFactory(status=status)
        participation.waitlist_position = 1 if status == "waitlisted" else None

        fast = ParticipationOutputSerializer(participation).data
        by_fields = serializers.ModelSerializer.to_representation(
            ParticipationOutputSerializer(participation), participation
        )

        assert fast == json.loads(JSONRenderer().render(by_fields))
        assert fast["waitlist_position"] == participation.waitlist_position


def test_an_rsvp_reads_the_event_and_the_rsvp_by_key_and_writes_once(auth_client: Any) -> None:
    """No visibility SQL on the way (the rule is applied in Python), and no read after the
    answer's user: the caller's row is the request's own."""
    from django.test.utils import CaptureQueriesContext

    def statements(captured: CaptureQueriesContext) -> list[tuple[str, str]]:
        shown = []
        for query in captured.captured_queries:
            verb, _, rest = query["sql"].partition(" ")
            if verb in ("SAVEPOINT", "RELEASE") or '"accounts_user"' in rest.split(" WHERE ")[0]:
                continue  # the test's transaction; the caller's row (read by authentication)
            table = (
                rest.split('"')[1] if verb != "SELECT" else rest.split(" FROM ")[1].split('"')[1]
            )
            shown.append((verb, table))
        return shown

    event = EventFactory()
    client = auth_client()
    with CaptureQueriesContext(connection) as first:
        response = client.post(join_url(event), {"status": "interested"}, format="json")
    with CaptureQueriesContext(connection) as again:
        client.post(join_url(event), {"status": "interested"}, format="json")

    assert response.status_code == 201
    assert statements(first) == [
        ("SELECT", "events_event"),  # locked by key
        ("SELECT", "events_participation"),  # the caller's RSVP, locked
        ("INSERT", "events_participation"),
        ("UPDATE", "events_event"),  # the counter
        ("SELECT", "events_event"),  # the counters, for the waitlist's promotions
    ]
    assert not any("EXISTS" in query["sql"] for query in first.captured_queries)
    assert statements(again) == [("SELECT", "events_event"), ("SELECT", "events_participation")]


def test_join_without_a_body_means_going(auth_client: Any) -> None:
    event = EventFactory()

    response = auth_client().post(join_url(event), {}, format="json")

    assert response.status_code == 201
    assert response.json()["status"] == "going"


def test_join_again_with_the_same_status_is_200(auth_client: Any) -> None:
    event = EventFactory()
    client = auth_client()
    client.post(join_url(event), {"status": "interested"}, format="json")

    response = client.post(join_url(event), {"status": "interested"}, format="json")

    assert response.status_code == 200
    assert counters(event) == (1, 1, 0)


def test_join_going_on_a_full_event_is_409_event_full(auth_client: Any) -> None:
    # given
    event = EventFactory(capacity=1)
    client = auth_client()
    # when
    response = client.post(join_url(event), {"status": "going"}, format="json")
    # then
    assert response.status_code == 409
    assert error(response) == {
        "code": "event_full",
        "message": "The event is full; ask for a place on the waitlist instead.",
        "fields": {},
    }
    assert not Participation.objects.filter(event=event, user_id=client.user.id).exists()


def test_join_the_waitlist_gives_positions_in_order(auth_client: Any) -> None:
    event = EventFactory(capacity=1)

    first = auth_client().post(join_url(event), {"status": "waitlisted"}, format="json")
    second = auth_client().post(join_url(event), {"status": "waitlisted"}, format="json")

    assert (first.status_code, second.status_code) == (201, 201)
    assert (first.json()["status"], first.json()["waitlist_position"]) == ("waitlisted", 1)
    assert (second.json()["status"], second.json()["waitlist_position"]) == ("waitlisted", 2)
    assert counters(event) == (1, 0, 2)


def test_leaving_hands_the_seat_to_the_first_in_line(auth_client: Any) -> None:
    # given
    event = EventFactory(capacity=2)
    seated, first, second = auth_client(), auth_client(), auth_client()
    seated.post(join_url(event), {"status": "going"}, format="json")
    first.post(join_url(event), {"status": "waitlisted"}, format="json")
    second.post(join_url(event), {"status": "waitlisted"}, format="json")
    # when
    response = seated.delete(leave_url(event))
    # then
    assert response.status_code == 204
    assert Participation.objects.get(event=event, user_id=first.user.id).status == "going"
    moved = second.post(join_url(event), {"status": "waitlisted"}, format="json")
    assert (moved.status_code, moved.json()["waitlist_position"]) == (200, 1)
    assert counters(event) == (2, 0, 1)


def test_switching_to_interested_hands_the_seat_on(auth_client: Any) -> None:
    event = EventFactory(capacity=2)
    seated, waiting = auth_client(), auth_client()
    seated.post(join_url(event), {"status": "going"}, format="json")
    waiting.post(join_url(event), {"status": "waitlisted"}, format="json")

    response = seated.post(join_url(event), {"status": "interested"}, format="json")

    assert (response.status_code, response.json()["status"]) == (200, "interested")
    assert Participation.objects.get(event=event, user_id=waiting.user.id).status == "going"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"status": "not_going"}, "status", id="not_going_case"),
        pytest.param({"status": None}, "status", id="null_case"),
        pytest.param({"status": ["going"]}, "status", id="list_case"),
    ],
)
def test_join_refuses_a_bad_status(auth_client: Any, body: dict[str, Any], field: str) -> None:
    event = EventFactory()
    client = auth_client()

    response = client.post(join_url(event), body, format="json")

    assert response.status_code == 400
    assert list(error(response)["fields"]) == [field]
    assert not Participation.objects.filter(event=event, user_id=client.user.id).exists()


@pytest.mark.parametrize(
    ("state", "code"),
    [
        pytest.param("cancelled", "event_cancelled", id="cancelled_case"),
        pytest.param("ended", "event_ended", id="ended_case"),
    ],
)
def test_join_a_cancelled_or_ended_event_is_409(auth_client: Any, state: str, code: str) -> None:
    now = timezone.now()
    if state == "cancelled":
        event = EventFactory(status=EventStatus.CANCELLED)
    else:
        event = EventFactory(starts_at=now - timedelta(hours=4), ends_at=now - timedelta(hours=1))
    client = auth_client()

    response = client.post(join_url(event), {"status": "going"}, format="json")

    assert response.status_code == 409
    assert error(response)["code"] == code
    assert not Participation.objects.filter(event=event, user_id=client.user.id).exists()


@pytest.mark.parametrize(
    ("actor", "expected"),
    actor_params(
        {"anonymous": 401, "organizer": 200, "other": 404, "banned": 403, "moderator": 404}
    ),
)
def test_join_a_private_event_is_for_its_people(client_as: Any, actor: str, expected: int) -> None:
    event = EventFactory(visibility="private")

    response = client_as(actor, event).post(join_url(event), {"status": "going"}, format="json")

    assert response.status_code == expected
    assert event.participations.count() == 1


@pytest.mark.parametrize(
    ("actor", "expected"),
    actor_params({"anonymous": 401, "other": 201, "banned": 403, "moderator": 201}),
)
def test_join_a_public_event_needs_a_user_in_good_standing(
    client_as: Any, actor: str, expected: int
) -> None:
    event = EventFactory()

    response = client_as(actor, event).post(join_url(event), {"status": "going"}, format="json")

    assert response.status_code == expected
    assert event.participations.count() == (2 if expected == 201 else 1)


def test_the_organizer_cannot_step_down_to_interested(auth_client: Any) -> None:
    event = EventFactory()

    response = auth_client(user=event.organizer).post(
        join_url(event), {"status": "interested"}, format="json"
    )

    assert response.status_code == 409
    assert error(response)["code"] == "organizer_cannot_leave"
    assert Participation.objects.get(event=event, user=event.organizer).status == "going"


# --- leave ---


@pytest.mark.parametrize(
    ("actor", "expected"),
    actor_params(
        {"anonymous": 401, "organizer": 409, "other": 404, "banned": 403, "moderator": 404}
    ),
)
def test_leave_is_refused_to_all_but_participants(
    client_as: Any, actor: str, expected: int
) -> None:
    event = EventFactory()
    ParticipationFactory(event=event)

    response = client_as(actor, event).delete(leave_url(event))

    assert response.status_code == expected
    assert event.participations.count() == 2


def test_leave_without_an_rsvp_says_so(auth_client: Any) -> None:
    event = EventFactory()

    response = auth_client().delete(leave_url(event))

    assert response.status_code == 404
    assert error(response)["code"] == "not_participating"


def test_a_banned_participant_cannot_leave(auth_client: Any) -> None:
    event = EventFactory()
    banned = UserFactory(is_banned=True)
    ParticipationFactory(event=event, user=banned)

    response = auth_client(user=banned).delete(leave_url(event))

    assert response.status_code == 403
    assert event.participations.filter(user=banned).exists()


# --- participants ---


def test_participants_lists_going_interested_then_the_queue(auth_client: Any) -> None:
    # given
    event = EventFactory(capacity=2)
    now = timezone.now()
    going = ParticipationFactory(event=event, status="going")
    later = ParticipationFactory(
        event=event, status="waitlisted", waitlisted_at=now + timedelta(seconds=1)
    )
    interested = ParticipationFactory(event=event, status="interested")
    sooner = ParticipationFactory(event=event, status="waitlisted", waitlisted_at=now)
    # when
    response = auth_client().get(participants_url(event))
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 5
    rows = [(p["user"]["id"], p["status"], p["waitlist_position"]) for p in body["results"]]
    assert rows == [
        (str(event.organizer_id), "going", None),
        (str(going.user_id), "going", None),
        (str(interested.user_id), "interested", None),
        (str(sooner.user_id), "waitlisted", 1),
        (str(later.user_id), "waitlisted", 2),
    ]
    assert set(body["results"][0]["user"]) == {"id", "username", "display_name"}


def test_participants_are_paginated(auth_client: Any) -> None:
    event = EventFactory()
    ParticipationFactory.create_batch(4, event=event, status="interested")

    response = auth_client().get(participants_url(event), {"page_size": 2, "page": 3})

    assert response.json()["count"] == 5
    assert len(response.json()["results"]) == 1


@pytest.mark.parametrize(
    ("actor", "expected"),
    actor_params(
        {"anonymous": 401, "organizer": 200, "other": 404, "banned": 403, "moderator": 404}
    ),
)
def test_participants_of_a_private_event_are_for_its_people(
    client_as: Any, actor: str, expected: int
) -> None:
    event = EventFactory(visibility="private")

    response = client_as(actor, event).get(participants_url(event))

    assert response.status_code == expected
    assert ("results" in response.json()) is (expected == 200)


# --- concurrency ---


def _join_last_seat(token: str, event: Event, barrier: threading.Barrier) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    try:
        barrier.wait(timeout=10)
        return client.post(join_url(event), {"status": "going"}, format="json").status_code
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_two_requests_for_the_last_seat_give_one_201_and_one_409(make_token: Any) -> None:
    # given: one seat left, two users already known (provisioning is not what races here)
    event = EventFactory(capacity=2)
    users = [UserFactory(), UserFactory()]
    tokens = [make_token(sub=user.keycloak_id, username=user.username) for user in users]
    barrier = threading.Barrier(2)
    codes: list[int] = []
    # when
    threads = [
        threading.Thread(target=lambda t=token: codes.append(_join_last_seat(t, event, barrier)))
        for token in tokens
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # then
    assert sorted(codes) == [201, 409]
    assert counters(event) == (2, 0, 0)
    assert event.participations.filter(status="going").count() == 2
