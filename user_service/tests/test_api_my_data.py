"""`/api/v1/users/me/export/` and `DELETE /api/v1/users/me/`: a user's rights over their data."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
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
from tests.conftest import actor_params, error

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


def test_my_export_holds_nothing_of_anyone_else(auth_client: Callable[..., Any]) -> None:
    client = auth_client()
    other = UserFactory(email="other@example.test")
    EventFactory(organizer=other, title="Someone else's party")
    ReportFactory(reporter=other)

    body = client.get(EXPORT_URL).json()

    assert (body["events_organised"], body["reports_filed"], body["rsvps"]) == ([], [], [])
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
