"""`/api/v1/users/me/export/` and `DELETE /api/v1/users/me/`: a user's rights over their data."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from shared.accounts.models import User
from shared.accounts.tests.factories import UserFactory
from shared.chat import realtime
from shared.chat.models import Message
from shared.chat.selectors import message_list
from shared.chat.services import message_send
from shared.events.models import Event, EventStatus, Participation, ParticipationStatus
from shared.events.tests.factories import EventFactory, ParticipationFactory
from shared.groups.models import MemberRole, Membership
from shared.groups.tests.factories import GroupFactory, MembershipFactory
from shared.moderation.tests.factories import BanFactory, ReportFactory
from shared.safety.models import (
    AcknowledgementKind,
    Alert,
    AlertAcknowledgement,
    CheckInTimer,
    LocationPoint,
)
from shared.safety.tests.factories import (
    AlertAcknowledgementFactory,
    AlertFactory,
    AlertTargetFactory,
    CheckInTimerFactory,
    LocationPointFactory,
)
from shared.testing.api import actor_params, error

pytestmark = pytest.mark.django_db

URL = "/api/v1/users/me/"
EXPORT_URL = "/api/v1/users/me/export/"


# --- export ---


def test_export_returns_everything_held_on_me_as_a_json_download(
    auth_client: Callable[..., Any], django_capture_on_commit_callbacks: Any
) -> None:
    # given
    client = auth_client(user=UserFactory(bio="Climber.", interests=["jazz"]))
    me = client.user
    organised = EventFactory(organizer=me, title="Quiz night")
    interested = ParticipationFactory(user=me, status=ParticipationStatus.INTERESTED)
    membership = MembershipFactory(user=me)
    with django_capture_on_commit_callbacks(execute=False):
        message = message_send(group_id=membership.group_id, sender_id=me.id, body="Hello crew")
    report = ReportFactory(reporter=me)
    BanFactory(user=me, lifted_at=timezone.now(), lift_reason="Appeal accepted.")
    ReportFactory(target_author=me, target_id=me.id, reason="Secret reporter text")
    # when
    response = client.get(EXPORT_URL)
    # then
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="crewup-my-data.json"'
    body = response.json()
    assert set(body) == {
        "exported_at",
        "profile",
        "events_organised",
        "rsvps",
        "crew_memberships",
        "join_requests",
        "messages",
        "reports_filed",
        "bans",
        "alerts_raised",
        "alert_acknowledgements",
        "check_in_timers",
        "notifications",
        "notification_preferences",
        "push_subscriptions",
    }
    assert body["profile"]["id"] == str(me.id)
    assert body["profile"]["email"] == me.email
    assert body["profile"]["keycloak_id"] == me.keycloak_id
    assert (body["profile"]["bio"], body["profile"]["interests"]) == ("Climber.", ["jazz"])
    assert [e["title"] for e in body["events_organised"]] == ["Quiz night"]
    assert {(r["event_id"], r["status"]) for r in body["rsvps"]} == {
        (str(organised.id), "going"),
        (str(interested.event_id), "interested"),
    }
    assert [(m["crew_id"], m["role"]) for m in body["crew_memberships"]] == [
        (str(membership.group_id), "member")
    ]
    assert [(m["id"], m["body"]) for m in body["messages"]] == [(str(message.id), "Hello crew")]
    assert [r["id"] for r in body["reports_filed"]] == [str(report.id)]
    assert [b["lift_reason"] for b in body["bans"]] == ["Appeal accepted."]
    # reports about me and who handled my bans are not mine to read
    text = response.content.decode()
    assert "Secret reporter text" not in text
    assert "created_by" not in text


@pytest.mark.parametrize(
    ("actor", "status"), actor_params({"anonymous": 401, "banned": 403, "user": 200})
)
def test_export_needs_a_signed_in_user(
    client_as: Callable[[str], Any], actor: str, status: int
) -> None:
    assert client_as(actor).get(EXPORT_URL).status_code == status


def test_export_holds_my_safety_alerts_with_their_trail_answers_and_timers(
    auth_client: Callable[..., Any],
) -> None:
    # given
    client = auth_client()
    me = client.user
    crew = MembershipFactory(user=me).group
    alert = AlertFactory(
        sender=me, message="Lost at the exit", location=Point(22.15, 65.58, srid=4326)
    )
    AlertTargetFactory(alert=alert, group=crew)
    LocationPointFactory(alert=alert, point=Point(22.16, 65.59, srid=4326), accuracy_m=12.0)
    AlertAcknowledgementFactory(alert=AlertFactory(), user=me, kind=AcknowledgementKind.SEEN)
    timer = CheckInTimerFactory(user=me, group=crew, message="Walking home")
    # when
    body = client.get(EXPORT_URL).json()
    # then
    [raised] = body["alerts_raised"]
    assert (raised["id"], raised["message"], raised["status"]) == (
        str(alert.id),
        "Lost at the exit",
        "open",
    )
    assert raised["location"] == {"lat": 65.58, "lng": 22.15}
    assert [c["crew_id"] for c in raised["crews"]] == [str(crew.id)]
    assert [(p["lat"], p["lng"], p["accuracy_m"]) for p in raised["trail"]] == [
        (65.59, 22.16, 12.0)
    ]
    assert [a["kind"] for a in body["alert_acknowledgements"]] == ["seen"]
    assert [(t["id"], t["crew_id"], t["message"]) for t in body["check_in_timers"]] == [
        (str(timer.id), str(crew.id), "Walking home")
    ]


def test_my_export_holds_nothing_of_anyone_else(auth_client: Callable[..., Any]) -> None:
    client = auth_client()
    other = UserFactory(email="other@example.test")
    EventFactory(organizer=other, title="Someone else's party")
    ReportFactory(reporter=other)
    AlertFactory(sender=other, message="Someone else's alert")
    CheckInTimerFactory(user=other)

    body = client.get(EXPORT_URL).json()

    assert (body["events_organised"], body["reports_filed"], body["rsvps"]) == ([], [], [])
    assert (body["alerts_raised"], body["check_in_timers"]) == ([], [])
    assert "other@example.test" not in str(body)


# --- deletion ---


def test_delete_me_erases_the_account_and_undoes_what_it_took_part_in(
    auth_client: Callable[..., Any], django_capture_on_commit_callbacks: Any
) -> None:
    # given
    client = auth_client(user=UserFactory(email="maria@example.test", bio="Climber."))
    me = client.user
    upcoming = EventFactory(organizer=me)
    full = EventFactory(capacity=2)
    ParticipationFactory(event=full, user=me)
    waiting = ParticipationFactory(event=full, status=ParticipationStatus.WAITLISTED).user
    crew = GroupFactory(created_by=me)
    member = MembershipFactory(group=crew).user
    with django_capture_on_commit_callbacks(execute=False):
        message = message_send(group_id=crew.id, sender_id=me.id, body="See you at eight")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(URL)
    # then
    assert response.status_code == 204
    erased = User.objects.get(id=me.id)
    assert (erased.email, erased.bio, erased.is_active) == ("", "", False)
    assert erased.username.startswith("deleted-user-")
    assert Event.objects.get(id=upcoming.id).status == EventStatus.CANCELLED
    assert not Participation.objects.filter(user=me, event=full).exists()
    assert Participation.objects.get(event=full, user=waiting).status == "going"
    assert Membership.objects.get(group=crew, user=member).role == MemberRole.OWNER
    assert not Membership.objects.filter(group=crew, user=me).exists()
    history = message_list(group_id=crew.id, viewer_id=member.id)
    kept = next(m for m in history if m.id == message.id)
    payload = realtime.message_payload(kept)
    assert payload["body"] == "See you at eight"
    assert payload["sender"]["display_name"] == "Deleted user"
    assert "maria" not in str(payload)


def test_delete_me_leaves_my_alerts_to_the_crew_without_my_positions_answers_or_timers(
    auth_client: Callable[..., Any],
) -> None:
    # given
    client = auth_client()
    me = client.user
    alert = AlertFactory(sender=me, message="Lost at the exit")
    LocationPointFactory(alert=alert)
    answer = AlertAcknowledgementFactory(alert=AlertFactory(), user=me)
    timer = CheckInTimerFactory(user=me)
    # when
    response = client.delete(URL)
    # then
    assert response.status_code == 204
    kept = Alert.objects.get(id=alert.id)
    assert (kept.sender_id, kept.location, kept.message) == (me.id, None, "")
    assert not LocationPoint.objects.filter(alert=alert).exists()
    assert not AlertAcknowledgement.objects.filter(id=answer.id).exists()
    assert not CheckInTimer.objects.filter(id=timer.id).exists()


def test_a_still_valid_token_of_an_erased_account_is_refused_and_makes_no_account(
    auth_client: Callable[..., Any],
) -> None:
    # given
    client = auth_client(user=UserFactory(username="maria", email="maria@example.test"))
    assert client.delete(URL).status_code == 204
    # when: the same token, still valid, comes back
    responses = [client.get(URL), client.patch(URL, {"bio": "Back!"}), client.get(EXPORT_URL)]
    # then
    for response in responses:
        assert response.status_code == 401
        assert error(response)["code"] == "account_erased"
    assert not User.objects.filter(username="maria").exists()
    assert not User.objects.filter(email="maria@example.test").exists()
    assert list(User.objects.values_list("id", flat=True)) == [client.user.id]


def test_an_erased_account_does_not_stop_anyone_else(auth_client: Callable[..., Any]) -> None:
    erased, other = auth_client(), auth_client()
    erased.delete(URL)

    response = other.get(URL)

    assert response.status_code == 200
    assert response.json()["id"] == str(other.user.id)


@pytest.mark.parametrize(("actor", "status"), actor_params({"anonymous": 401, "banned": 403}))
def test_delete_me_is_refused_and_erases_nothing(
    client_as: Callable[[str], Any], actor: str, status: int
) -> None:
    client = client_as(actor)
    users_before = list(User.objects.values_list("id", "email", "deleted_at"))

    response = client.delete(URL)

    assert response.status_code == status
    assert list(User.objects.values_list("id", "email", "deleted_at")) == users_before
    if actor == "banned":
        # A banned user could otherwise start afresh under the same identity.
        assert error(response)["code"] == "user_banned"


def test_past_events_they_organised_keep_their_history(auth_client: Callable[..., Any]) -> None:
    client = auth_client()
    past = EventFactory(
        organizer=client.user,
        starts_at=timezone.now() - timedelta(days=2),
        ends_at=timezone.now() - timedelta(days=1),
    )

    client.delete(URL)

    event = Event.objects.select_related("organizer").get(id=past.id)
    assert (event.status, event.organizer.display_name) == ("scheduled", "Deleted user")
    assert Message.objects.count() == 0
