"""The check-in timers API: a timer is its owner's alone; the rules of its states."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from shared.safety.models import CheckInStatus, CheckInTimer
from shared.safety.tests.factories import CheckInTimerFactory
from shared.testing.api import actor_params, error

pytestmark = pytest.mark.django_db

CHECK_INS = "/api/v1/safety/check-ins/"


def in_minutes(minutes: float) -> str:
    return (timezone.now() + timedelta(minutes=minutes)).isoformat()


@pytest.fixture
def crew(make_crew):
    return make_crew()


@pytest.fixture
def timer(crew):
    return CheckInTimerFactory(user=crew.sender, group=crew.group)


@pytest.mark.parametrize(
    ("actor", "expected"),
    actor_params(
        {
            "anonymous": 401,
            "outsider": 404,
            "sender": 201,
            "member": 201,
            "owner": 201,
            "banned": 403,
            "moderator": 404,
        }
    ),
)
def test_who_may_set_a_timer_for_a_crew(crew, client_as, actor, expected):
    response = client_as(actor, crew).post(
        CHECK_INS,
        {
            "group_id": str(crew.group.id),
            "due_at": in_minutes(30),
            "message": "Taking the night bus",
            "location": {"lat": 65.58, "lng": 22.15},
        },
        format="json",
    )

    assert response.status_code == expected
    assert CheckInTimer.objects.exists() is (expected == 201)
    if expected == 201:
        body = response.json()
        assert (body["status"], body["message"]) == ("active", "Taking the night bus")
        assert body["crew"] == {"id": str(crew.group.id), "name": crew.group.name}
        assert body["last_location"] == {"lat": 65.58, "lng": 22.15}
        assert body["fired_alert_id"] is None


@pytest.mark.parametrize(
    ("due_at", "field"),
    [
        pytest.param(lambda: in_minutes(-1), "due_at", id="past_case"),
        pytest.param(lambda: in_minutes(25 * 60), "due_at", id="too_far_case"),
        pytest.param(lambda: "tonight", "due_at", id="not_a_time_case"),
    ],
)
def test_a_bad_check_in_time_is_400(crew, client_as, due_at, field):
    response = client_as("sender", crew).post(
        CHECK_INS, {"group_id": str(crew.group.id), "due_at": due_at()}, format="json"
    )

    assert response.status_code == 400
    assert field in error(response)["fields"]
    assert not CheckInTimer.objects.exists()


def test_a_second_active_timer_for_the_crew_is_409(timer, crew, client_as):
    response = client_as("sender", crew).post(
        CHECK_INS, {"group_id": str(crew.group.id), "due_at": in_minutes(10)}, format="json"
    )

    assert response.status_code == 409
    assert error(response)["code"] == "checkin_timer_exists"


@pytest.mark.parametrize(
    ("action", "body", "status"),
    [
        pytest.param("extend/", {"due_at": None}, "active", id="extend_case"),
        pytest.param("cancel/", None, "cancelled", id="cancel_case"),
        pytest.param("check-in/", {}, "checked_in", id="check_in_case"),
    ],
)
@pytest.mark.parametrize(
    ("actor", "expected"),
    actor_params(
        {
            "anonymous": 401,
            "outsider": 404,
            "sender": 200,
            "member": 404,
            "admin": 404,
            "banned": 403,
            "moderator": 404,
        }
    ),
)
def test_only_the_owner_changes_a_timer(
    timer, crew, client_as, action, body, status, actor, expected
):
    if body is not None and "due_at" in body:
        body = {"due_at": in_minutes(90), "location": {"lat": 65.6, "lng": 22.2}}

    response = client_as(actor, crew).post(f"{CHECK_INS}{timer.id}/{action}", body, format="json")

    assert response.status_code == expected
    timer.refresh_from_db()
    if expected == 200:
        assert response.json()["status"] == timer.status == status
    else:
        assert timer.status == CheckInStatus.ACTIVE


def test_extending_moves_the_due_time(timer, crew, client_as):
    later = timezone.now() + timedelta(hours=3)

    response = client_as("sender", crew).post(
        f"{CHECK_INS}{timer.id}/extend/", {"due_at": later.isoformat()}, format="json"
    )

    timer.refresh_from_db()
    assert response.status_code == 200
    assert timer.due_at == later


@pytest.mark.parametrize("action", ["extend/", "cancel/", "check-in/"])
def test_a_finished_timer_is_409(crew, client_as, action):
    fired = CheckInTimerFactory(user=crew.sender, group=crew.group, status=CheckInStatus.FIRED)

    response = client_as("sender", crew).post(
        f"{CHECK_INS}{fired.id}/{action}", {"due_at": in_minutes(30)}, format="json"
    )

    assert response.status_code == 409
    assert error(response)["code"] == "checkin_timer_not_active"


def test_my_timers_and_one_of_them(timer, crew, client_as):
    CheckInTimerFactory(user=crew.member, group=crew.group)
    client = client_as("sender", crew)

    mine = client.get(f"{CHECK_INS}mine/")
    active = client.get(f"{CHECK_INS}mine/", {"status": "fired"})
    one = client.get(f"{CHECK_INS}{timer.id}/")
    someone_elses = client_as("member", crew).get(f"{CHECK_INS}{timer.id}/")

    assert [t["id"] for t in mine.json()["results"]] == [str(timer.id)]
    assert active.json()["count"] == 0
    assert one.json()["id"] == str(timer.id)
    assert someone_elses.status_code == 404
