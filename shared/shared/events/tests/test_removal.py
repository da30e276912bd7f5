"""Moderation's takedown of an event: `event_remove` and who still sees the event."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from shared.accounts.tests.factories import UserFactory
from shared.events.errors import EventAlreadyRemoved, EventNotFound, EventRemoved
from shared.events.models import Event, ParticipationStatus
from shared.events.selectors import (
    event_get,
    event_list_organized_by,
    event_participants,
    event_search,
    participation_list_of_user,
)
from shared.events.services import event_leave, event_remove, event_update
from shared.events.tests.factories import EventFactory, ParticipationFactory

pytestmark = pytest.mark.django_db


def test_event_remove_records_when_and_why() -> None:
    event = EventFactory()
    moment = timezone.now()

    removed = event_remove(event_id=event.id, reason="  Spam listing  ", now=moment)

    stored = Event.objects.get(id=event.id)
    assert (stored.removed_at, stored.removal_reason) == (moment, "Spam listing")
    assert removed.removed_at == moment
    assert stored.status == "scheduled"


def test_event_remove_twice_is_refused_and_keeps_the_first_reason() -> None:
    event = EventFactory()
    event_remove(event_id=event.id, reason="Spam listing")

    with pytest.raises(EventAlreadyRemoved):
        event_remove(event_id=event.id, reason="Another reason")

    assert Event.objects.get(id=event.id).removal_reason == "Spam listing"


@pytest.mark.parametrize(
    "reason", [pytest.param("   ", id="blank_case"), pytest.param("x" * 501, id="too_long_case")]
)
def test_event_remove_needs_a_reason_of_at_most_500_characters(reason: str) -> None:
    event = EventFactory()

    with pytest.raises(ValidationError) as raised:
        event_remove(event_id=event.id, reason=reason)

    assert "reason" in raised.value.message_dict
    assert Event.objects.get(id=event.id).removed_at is None


def test_event_remove_of_an_unknown_event_is_not_found() -> None:
    from uuid import uuid4

    with pytest.raises(EventNotFound):
        event_remove(event_id=uuid4(), reason="Spam listing")


@pytest.mark.parametrize(
    ("viewer", "visible"),
    [
        pytest.param("anonymous", False, id="anonymous_case"),
        pytest.param("organizer", True, id="organizer_case"),
        pytest.param("participant", False, id="participant_case"),
        pytest.param("other", False, id="other_case"),
    ],
)
def test_a_removed_event_is_seen_by_its_organizer_only(viewer: str, visible: bool) -> None:
    # given
    event = EventFactory()
    participant = ParticipationFactory(event=event).user
    event_remove(event_id=event.id, reason="Spam listing")
    viewer_id = {
        "anonymous": None,
        "organizer": event.organizer_id,
        "participant": participant.id,
        "other": UserFactory().id,
    }[viewer]
    # when / then
    listed = [listed.id for listed in event_search(viewer_id=viewer_id).events]
    if visible:
        seen = event_get(event_id=event.id, viewer_id=viewer_id)
        assert (seen.removal_reason, listed) == ("Spam listing", [event.id])
    else:
        with pytest.raises(EventNotFound):
            event_get(event_id=event.id, viewer_id=viewer_id)
        with pytest.raises(EventNotFound):
            event_participants(event_id=event.id, viewer_id=viewer_id)
        assert listed == []


def test_a_participant_can_still_leave_a_removed_event_and_the_waitlist_moves() -> None:
    # given
    event = EventFactory(capacity=2)
    seated = ParticipationFactory(event=event).user
    waiting = ParticipationFactory(event=event, status=ParticipationStatus.WAITLISTED).user
    event_remove(event_id=event.id, reason="Spam listing")
    # when
    event_leave(event_id=event.id, user_id=seated.id)
    # then
    event.refresh_from_db()
    assert (event.going_count, event.waitlist_count) == (2, 0)
    assert event.participations.get(user=waiting).status == ParticipationStatus.GOING


def test_the_organizer_cannot_edit_a_removed_event() -> None:
    event = EventFactory(title="Before")
    event_remove(event_id=event.id, reason="Spam listing")

    with pytest.raises(EventRemoved):
        event_update(event_id=event.id, actor_id=event.organizer_id, data={"title": "After"})

    assert Event.objects.get(id=event.id).title == "Before"


def test_export_selectors_return_everything_of_the_user() -> None:
    # given
    user = UserFactory()
    past = EventFactory(
        organizer=user,
        starts_at=timezone.now() - timedelta(days=3),
        ends_at=timezone.now() - timedelta(days=2),
    )
    removed = EventFactory(organizer=user)
    event_remove(event_id=removed.id, reason="Spam listing")
    elsewhere = ParticipationFactory(user=user, status=ParticipationStatus.INTERESTED)
    EventFactory()
    # when
    organised = list(event_list_organized_by(organizer_id=user.id))
    rsvps = list(participation_list_of_user(user_id=user.id))
    # then
    assert [event.id for event in organised] == [past.id, removed.id]
    assert {(rsvp.event_id, rsvp.status) for rsvp in rsvps} == {
        (past.id, "going"),
        (removed.id, "going"),
        (elsewhere.event_id, "interested"),
    }
