from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from prometheus_client import REGISTRY

from shared.accounts.tests.factories import UserFactory
from shared.events.errors import (
    CapacityBelowGoing,
    EventCancelled,
    EventEnded,
    EventFull,
    EventNotFound,
    FieldNotUpdatable,
    NotEventOrganizer,
    NotParticipating,
    OrganizerCannotLeave,
)
from shared.events.models import (
    EVENT_MAX_DURATION,
    EVENT_MAX_LEAD_TIME,
    Event,
    EventStatus,
    Participation,
    ParticipationStatus,
)
from shared.events.services import (
    event_cancel,
    event_create,
    event_join,
    event_leave,
    event_update,
)
from shared.events.tests.factories import EventFactory, ParticipationFactory

pytestmark = pytest.mark.django_db

GOING = ParticipationStatus.GOING
INTERESTED = ParticipationStatus.INTERESTED
WAITLISTED = ParticipationStatus.WAITLISTED


def create_kwargs(**overrides: Any) -> dict[str, Any]:
    starts_at = timezone.now() + timedelta(days=2)
    return {
        "title": "Quiz night",
        "event_type": "bar",
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=3),
        "location": Point(22.154, 65.584, srid=4326),
        "description": "Teams of four.",
        "venue_name": "Bishops Arms",
        "address": "Storgatan 17, Luleå",
        "capacity": 20,
        **overrides,
    }


def statuses(event: Event) -> dict[str, str]:
    return {
        participation.user.username: participation.status
        for participation in event.participations.select_related("user")
    }


def counters(event: Event) -> tuple[int, int, int]:
    event.refresh_from_db()
    return event.going_count, event.interested_count, event.waitlist_count


def events_created_total() -> float:
    return REGISTRY.get_sample_value("events_created_total") or 0.0


# --- event_create ---


def test_event_create_makes_a_scheduled_event_with_the_organizer_going(
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given
    organizer = UserFactory()
    kwargs = create_kwargs()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        event = event_create(organizer_id=organizer.id, **kwargs)
    # then
    event.refresh_from_db()
    assert event.title == "Quiz night"
    assert event.status == EventStatus.SCHEDULED
    assert event.visibility == "public"
    assert event.cancelled_at is None
    assert event.organizer == organizer
    assert event.starts_at == kwargs["starts_at"]
    assert (event.location.x, event.location.y) == (22.154, 65.584)
    assert (event.going_count, event.interested_count, event.waitlist_count) == (1, 0, 0)
    assert Participation.objects.get(event=event).user == organizer
    assert Participation.objects.get(event=event).status == GOING


def test_event_create_returns_the_event_with_the_organizers_status() -> None:
    organizer = UserFactory()

    event = event_create(organizer_id=organizer.id, **create_kwargs())

    assert event.my_status == GOING  # type: ignore[attr-defined]
    assert event.organizer == organizer


def test_event_create_counts_the_event_after_commit(
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given
    organizer = UserFactory()
    before = events_created_total()
    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        event_create(organizer_id=organizer.id, **create_kwargs())
        # then: nothing is counted before the commit
        assert events_created_total() == before
    for callback in callbacks:
        callback()
    assert events_created_total() == before + 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"title": "x" * 201}, "title", id="title_too_long_case"),
        pytest.param({"title": ""}, "title", id="title_blank_case"),
        pytest.param({"description": "x" * 5001}, "description", id="description_too_long_case"),
        pytest.param({"event_type": "rave"}, "event_type", id="unknown_type_case"),
        pytest.param({"capacity": 0}, "capacity", id="capacity_zero_case"),
        pytest.param({"visibility": "unlisted"}, "visibility", id="unknown_visibility_case"),
        pytest.param({"location": Point(22.0, 123.0, srid=4326)}, "location", id="lat_123_case"),
        pytest.param({"location": Point(181.0, 65.0, srid=4326)}, "location", id="lng_181_case"),
        pytest.param(
            {"starts_at": timezone.now() - timedelta(hours=1)}, "starts_at", id="start_past_case"
        ),
        pytest.param(
            {"starts_at": datetime(2099, 1, 1, 20), "ends_at": datetime(2099, 1, 1, 23)},  # noqa: DTZ001
            "starts_at",
            id="naive_times_case",
        ),
    ],
)
def test_event_create_refuses_invalid_input_and_writes_nothing(
    overrides: dict[str, Any], field: str, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    organizer = UserFactory()
    kwargs = create_kwargs(**overrides)
    if "ends_at" not in overrides:
        kwargs["ends_at"] = kwargs["starts_at"] + timedelta(hours=2)
    before = events_created_total()
    # when
    with (
        pytest.raises(ValidationError) as error,
        django_capture_on_commit_callbacks(execute=True),
    ):
        event_create(organizer_id=organizer.id, **kwargs)
    # then
    assert field in error.value.message_dict
    assert not Event.objects.exists()
    assert not Participation.objects.exists()
    assert events_created_total() == before


def test_event_create_refuses_an_end_before_the_start() -> None:
    organizer = UserFactory()
    kwargs = create_kwargs()
    kwargs["ends_at"] = kwargs["starts_at"] - timedelta(minutes=1)

    with pytest.raises(ValidationError) as error:
        event_create(organizer_id=organizer.id, **kwargs)

    assert error.value.message_dict == {"ends_at": ["The event must end after it starts."]}
    assert not Event.objects.exists()


def test_database_refuses_an_end_before_the_start() -> None:
    event = EventFactory()

    with pytest.raises(IntegrityError, match="events_event_ends_after_start"), transaction.atomic():
        Event.objects.filter(id=event.id).update(ends_at=event.starts_at)


def test_database_refuses_more_going_than_capacity() -> None:
    event = EventFactory(capacity=1)

    with (
        pytest.raises(IntegrityError, match="events_event_going_within_capacity"),
        transaction.atomic(),
    ):
        Event.objects.filter(id=event.id).update(going_count=2)


# --- event_update ---


def test_event_update_changes_the_whitelisted_fields() -> None:
    # given
    event = EventFactory(title="Old", capacity=10)
    starts_at = timezone.now() + timedelta(days=5)
    data = {
        "title": "New",
        "description": "Bring a friend.",
        "event_type": "concert",
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=1),
        "venue_name": "Kulturens hus",
        "address": "Skeppsbrogatan 17",
        "location": Point(22.15, 65.58, srid=4326),
        "capacity": 12,
        "visibility": "private",
    }
    # when
    updated = event_update(event_id=event.id, actor_id=event.organizer_id, data=data)
    # then
    event.refresh_from_db()
    for name, value in data.items():
        assert getattr(event, name) == value
    assert updated.my_status == GOING  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "field",
    ["status", "organizer_id", "going_count", "cancelled_at", "id", "created_at", "nonsense"],
)
def test_event_update_refuses_fields_outside_the_whitelist(field: str) -> None:
    event = EventFactory(title="Old")

    with pytest.raises(FieldNotUpdatable) as error:
        event_update(
            event_id=event.id, actor_id=event.organizer_id, data={"title": "New", field: 1}
        )

    assert error.value.fields == {field: ["This field cannot be changed."]}
    event.refresh_from_db()
    assert event.title == "Old"


def test_event_update_refuses_another_user() -> None:
    event = EventFactory(title="Old")
    other = UserFactory()

    with pytest.raises(NotEventOrganizer):
        event_update(event_id=event.id, actor_id=other.id, data={"title": "Mine now"})

    event.refresh_from_db()
    assert event.title == "Old"


def test_event_update_hides_a_private_event_from_another_user() -> None:
    event = EventFactory(title="Old", visibility="private")
    other = UserFactory()

    with pytest.raises(EventNotFound):
        event_update(event_id=event.id, actor_id=other.id, data={"title": "Mine now"})

    event.refresh_from_db()
    assert event.title == "Old"


def test_event_update_refuses_a_cancelled_event() -> None:
    event = EventFactory(title="Old", status=EventStatus.CANCELLED)

    with pytest.raises(EventCancelled):
        event_update(event_id=event.id, actor_id=event.organizer_id, data={"title": "New"})

    event.refresh_from_db()
    assert event.title == "Old"


def test_event_update_refuses_an_end_before_the_start() -> None:
    event = EventFactory()

    with pytest.raises(ValidationError) as error:
        event_update(
            event_id=event.id,
            actor_id=event.organizer_id,
            data={"ends_at": event.starts_at - timedelta(hours=1)},
        )

    assert "ends_at" in error.value.message_dict
    assert Event.objects.get(id=event.id).ends_at == event.ends_at


def test_event_update_refuses_moving_the_start_into_the_past() -> None:
    event = EventFactory()

    with pytest.raises(ValidationError) as error:
        event_update(
            event_id=event.id,
            actor_id=event.organizer_id,
            data={"starts_at": timezone.now() - timedelta(days=1)},
        )

    assert error.value.message_dict == {"starts_at": ["The event must start in the future."]}


# --- bounds of the dates ---

NOW = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def test_event_create_allows_an_event_of_exactly_the_longest_duration() -> None:
    starts_at = NOW + timedelta(days=1)
    kwargs = create_kwargs(starts_at=starts_at, ends_at=starts_at + EVENT_MAX_DURATION)

    event = event_create(organizer_id=UserFactory().id, now=NOW, **kwargs)

    assert Event.objects.get(id=event.id).ends_at == starts_at + timedelta(days=14)


def test_event_create_refuses_an_event_a_second_longer_than_the_longest() -> None:
    starts_at = NOW + timedelta(days=1)
    kwargs = create_kwargs(starts_at=starts_at, ends_at=starts_at + EVENT_MAX_DURATION + SECOND)

    with pytest.raises(ValidationError) as error:
        event_create(organizer_id=UserFactory().id, now=NOW, **kwargs)

    assert error.value.message_dict == {"ends_at": ["An event lasts at most 14 days."]}
    assert not Event.objects.exists()


def test_event_create_allows_a_start_exactly_the_longest_lead_time_ahead() -> None:
    starts_at = NOW + EVENT_MAX_LEAD_TIME
    kwargs = create_kwargs(starts_at=starts_at, ends_at=starts_at + timedelta(hours=3))

    event = event_create(organizer_id=UserFactory().id, now=NOW, **kwargs)

    assert Event.objects.get(id=event.id).starts_at == starts_at


def test_event_create_refuses_a_start_a_second_beyond_the_longest_lead_time() -> None:
    starts_at = NOW + EVENT_MAX_LEAD_TIME + SECOND
    kwargs = create_kwargs(starts_at=starts_at, ends_at=starts_at + timedelta(hours=3))

    with pytest.raises(ValidationError) as error:
        event_create(organizer_id=UserFactory().id, now=NOW, **kwargs)

    assert error.value.message_dict == {"starts_at": ["An event starts at most 730 days ahead."]}
    assert not Event.objects.exists()


def test_event_update_allows_stretching_an_event_to_exactly_the_longest_duration() -> None:
    event = EventFactory()
    ends_at = event.starts_at + EVENT_MAX_DURATION

    event_update(event_id=event.id, actor_id=event.organizer_id, data={"ends_at": ends_at})

    assert Event.objects.get(id=event.id).ends_at == ends_at


def test_event_update_refuses_stretching_an_event_a_second_beyond_the_longest() -> None:
    event = EventFactory()
    ends_at = event.starts_at + EVENT_MAX_DURATION + SECOND

    with pytest.raises(ValidationError) as error:
        event_update(event_id=event.id, actor_id=event.organizer_id, data={"ends_at": ends_at})

    assert error.value.message_dict == {"ends_at": ["An event lasts at most 14 days."]}
    assert Event.objects.get(id=event.id).ends_at == event.ends_at


def test_event_update_allows_moving_the_start_exactly_the_longest_lead_time_ahead() -> None:
    event = EventFactory()
    now = timezone.now()
    starts_at = now + EVENT_MAX_LEAD_TIME
    data = {"starts_at": starts_at, "ends_at": starts_at + timedelta(hours=3)}

    event_update(event_id=event.id, actor_id=event.organizer_id, data=data, now=now)

    assert Event.objects.get(id=event.id).starts_at == starts_at


def test_event_update_refuses_moving_the_start_a_second_beyond_the_longest_lead_time() -> None:
    event = EventFactory()
    now = timezone.now()
    starts_at = now + EVENT_MAX_LEAD_TIME + SECOND
    data = {"starts_at": starts_at, "ends_at": starts_at + timedelta(hours=3)}

    with pytest.raises(ValidationError) as error:
        event_update(event_id=event.id, actor_id=event.organizer_id, data=data, now=now)

    assert error.value.message_dict == {"starts_at": ["An event starts at most 730 days ahead."]}
    assert Event.objects.get(id=event.id).starts_at == event.starts_at


def test_event_update_refuses_a_capacity_below_the_people_going() -> None:
    # given
    event = EventFactory(capacity=5)
    ParticipationFactory.create_batch(2, event=event, status=GOING)
    # when
    with pytest.raises(CapacityBelowGoing) as error:
        event_update(event_id=event.id, actor_id=event.organizer_id, data={"capacity": 2})
    # then
    assert error.value.fields == {"capacity": ["3 people are going."]}
    assert Event.objects.get(id=event.id).capacity == 5


def test_event_update_gives_added_seats_to_the_waitlist_in_order() -> None:
    # given
    event = EventFactory(capacity=1)
    now = timezone.now()
    first = ParticipationFactory(event=event, status=WAITLISTED, waitlisted_at=now)
    second = ParticipationFactory(
        event=event, status=WAITLISTED, waitlisted_at=now + timedelta(seconds=1)
    )
    third = ParticipationFactory(
        event=event, status=WAITLISTED, waitlisted_at=now + timedelta(seconds=2)
    )
    # when
    event_update(event_id=event.id, actor_id=event.organizer_id, data={"capacity": 3})
    # then
    assert Participation.objects.get(id=first.id).status == GOING
    assert Participation.objects.get(id=second.id).status == GOING
    assert Participation.objects.get(id=third.id).status == WAITLISTED
    assert Participation.objects.get(id=first.id).waitlisted_at is None
    assert counters(event) == (3, 0, 1)


def test_event_update_removing_the_capacity_seats_the_whole_waitlist() -> None:
    event = EventFactory(capacity=1)
    ParticipationFactory.create_batch(3, event=event, status=WAITLISTED)

    event_update(event_id=event.id, actor_id=event.organizer_id, data={"capacity": None})

    assert counters(event) == (4, 0, 0)
    assert not event.participations.filter(status=WAITLISTED).exists()


def test_event_update_without_changes_writes_nothing() -> None:
    event = EventFactory(title="Same")
    updated_at = event.updated_at

    event_update(event_id=event.id, actor_id=event.organizer_id, data={"title": "Same"})

    assert Event.objects.get(id=event.id).updated_at == updated_at


# --- event_cancel ---


def test_event_cancel_marks_the_event_cancelled_and_keeps_its_people() -> None:
    # given
    event = EventFactory()
    ParticipationFactory(event=event)
    moment = timezone.now()
    # when
    cancelled = event_cancel(event_id=event.id, actor_id=event.organizer_id, now=moment)
    # then
    event.refresh_from_db()
    assert event.status == EventStatus.CANCELLED
    assert event.cancelled_at == moment
    assert cancelled.status == EventStatus.CANCELLED
    assert event.participations.count() == 2


def test_event_cancel_twice_keeps_the_first_cancellation_time() -> None:
    event = EventFactory()
    first = timezone.now()
    event_cancel(event_id=event.id, actor_id=event.organizer_id, now=first)

    event_cancel(event_id=event.id, actor_id=event.organizer_id, now=first + timedelta(hours=1))

    assert Event.objects.get(id=event.id).cancelled_at == first


def test_event_cancel_refuses_another_user() -> None:
    event = EventFactory()
    other = UserFactory()

    with pytest.raises(NotEventOrganizer):
        event_cancel(event_id=event.id, actor_id=other.id)

    assert Event.objects.get(id=event.id).status == EventStatus.SCHEDULED


def test_event_cancel_hides_a_private_event_from_another_user() -> None:
    event = EventFactory(visibility="private")
    other = UserFactory()

    with pytest.raises(EventNotFound):
        event_cancel(event_id=event.id, actor_id=other.id)

    assert Event.objects.get(id=event.id).status == EventStatus.SCHEDULED


# --- event_join ---


def test_event_join_going_takes_a_free_seat() -> None:
    event = EventFactory(capacity=2)
    user = UserFactory()

    participation, created = event_join(event_id=event.id, user_id=user.id, status="going")

    assert created is True
    assert participation.status == GOING
    assert participation.waitlist_position is None  # type: ignore[attr-defined]
    assert counters(event) == (2, 0, 0)


def test_event_join_with_the_same_status_again_changes_nothing() -> None:
    event = EventFactory()
    user = UserFactory()
    first, _ = event_join(event_id=event.id, user_id=user.id, status="going")

    again, created = event_join(event_id=event.id, user_id=user.id, status="going")

    assert created is False
    assert again.id == first.id
    assert counters(event) == (2, 0, 0)


def test_event_join_going_on_a_full_event_is_refused_and_writes_nothing() -> None:
    # given
    event = EventFactory(capacity=2)
    ParticipationFactory(event=event, status=GOING)
    user = UserFactory()
    # when
    with pytest.raises(EventFull) as error:
        event_join(event_id=event.id, user_id=user.id, status="going")
    # then
    assert error.value.code == "event_full"
    assert error.value.status == 409
    assert not event.participations.filter(user=user).exists()
    assert counters(event) == (2, 0, 0)


def test_event_join_without_a_capacity_is_never_full() -> None:
    event = EventFactory(capacity=None)
    ParticipationFactory.create_batch(30, event=event, status=GOING)
    user = UserFactory()

    participation, _ = event_join(event_id=event.id, user_id=user.id, status="going")

    assert participation.status == GOING
    assert counters(event) == (32, 0, 0)


def test_event_join_waitlisted_on_a_full_event_queues_in_join_order() -> None:
    # given
    event = EventFactory(capacity=1)
    first_user, second_user = UserFactory(), UserFactory()
    # when
    first, _ = event_join(event_id=event.id, user_id=first_user.id, status="waitlisted")
    second, _ = event_join(event_id=event.id, user_id=second_user.id, status="waitlisted")
    # then
    assert (first.status, first.waitlist_position) == (WAITLISTED, 1)  # type: ignore[attr-defined]
    assert (second.status, second.waitlist_position) == (WAITLISTED, 2)  # type: ignore[attr-defined]
    assert counters(event) == (1, 0, 2)


def test_event_join_waitlisted_with_a_free_seat_is_going() -> None:
    event = EventFactory(capacity=2)
    user = UserFactory()

    participation, _ = event_join(event_id=event.id, user_id=user.id, status="waitlisted")

    assert participation.status == GOING
    assert participation.waitlisted_at is None
    assert counters(event) == (2, 0, 0)


def test_event_join_waitlisted_keeps_a_going_user_seated() -> None:
    event = EventFactory(capacity=2)
    participation = ParticipationFactory(event=event, status=GOING)

    joined, _ = event_join(event_id=event.id, user_id=participation.user_id, status="waitlisted")

    assert joined.status == GOING
    assert counters(event) == (2, 0, 0)


def test_event_join_waitlisted_again_keeps_the_place_in_the_queue() -> None:
    # given
    event = EventFactory(capacity=1)
    now = timezone.now()
    first = ParticipationFactory(event=event, status=WAITLISTED, waitlisted_at=now)
    ParticipationFactory(event=event, status=WAITLISTED, waitlisted_at=now + timedelta(seconds=1))
    # when
    again, created = event_join(event_id=event.id, user_id=first.user_id, status="waitlisted")
    # then
    assert created is False
    assert again.waitlisted_at == now
    assert again.waitlist_position == 1  # type: ignore[attr-defined]


def test_event_join_queues_by_the_time_of_asking_not_of_the_first_rsvp() -> None:
    # given: A was interested long before B queued
    event = EventFactory(capacity=1)
    early = ParticipationFactory(event=event, status=INTERESTED)
    later = UserFactory()
    event_join(event_id=event.id, user_id=later.id, status="waitlisted")
    # when
    early_queued, _ = event_join(event_id=event.id, user_id=early.user_id, status="waitlisted")
    # then
    assert early_queued.waitlist_position == 2  # type: ignore[attr-defined]
    assert counters(event) == (1, 0, 2)


def test_event_join_interested_holds_no_seat() -> None:
    event = EventFactory(capacity=1)
    user = UserFactory()

    participation, _ = event_join(event_id=event.id, user_id=user.id, status="interested")

    assert participation.status == INTERESTED
    assert counters(event) == (1, 1, 0)


def test_event_join_interested_to_going_moves_the_counters() -> None:
    event = EventFactory(capacity=3)
    participation = ParticipationFactory(event=event, status=INTERESTED)

    event_join(event_id=event.id, user_id=participation.user_id, status="going")

    assert Participation.objects.get(id=participation.id).status == GOING
    assert counters(event) == (2, 0, 0)


def test_event_join_interested_to_going_on_a_full_event_is_refused() -> None:
    event = EventFactory(capacity=1)
    participation = ParticipationFactory(event=event, status=INTERESTED)

    with pytest.raises(EventFull):
        event_join(event_id=event.id, user_id=participation.user_id, status="going")

    assert Participation.objects.get(id=participation.id).status == INTERESTED
    assert counters(event) == (1, 1, 0)


def test_event_join_going_to_interested_gives_the_seat_to_the_first_in_line() -> None:
    # given
    event = EventFactory(capacity=2)
    seated = ParticipationFactory(event=event, status=GOING)
    now = timezone.now()
    first = ParticipationFactory(event=event, status=WAITLISTED, waitlisted_at=now)
    second = ParticipationFactory(
        event=event, status=WAITLISTED, waitlisted_at=now + timedelta(seconds=1)
    )
    # when
    event_join(event_id=event.id, user_id=seated.user_id, status="interested")
    # then
    assert Participation.objects.get(id=seated.id).status == INTERESTED
    assert Participation.objects.get(id=first.id).status == GOING
    assert Participation.objects.get(id=second.id).status == WAITLISTED
    assert counters(event) == (2, 1, 1)


def test_event_join_waitlisted_to_interested_leaves_the_queue() -> None:
    event = EventFactory(capacity=1)
    participation = ParticipationFactory(event=event, status=WAITLISTED)

    joined, _ = event_join(event_id=event.id, user_id=participation.user_id, status="interested")

    assert joined.waitlisted_at is None
    assert counters(event) == (1, 1, 0)


def test_event_join_refuses_a_cancelled_event() -> None:
    event = EventFactory(status=EventStatus.CANCELLED)
    user = UserFactory()

    with pytest.raises(EventCancelled):
        event_join(event_id=event.id, user_id=user.id, status="going")

    assert not event.participations.filter(user=user).exists()


def test_event_join_refuses_an_event_that_has_ended() -> None:
    event = EventFactory(
        starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=1)
    )
    user = UserFactory()

    with pytest.raises(EventEnded):
        event_join(event_id=event.id, user_id=user.id, status="going")

    assert not event.participations.filter(user=user).exists()


def test_event_join_hides_a_private_event_from_an_outsider() -> None:
    event = EventFactory(visibility="private")
    user = UserFactory()

    with pytest.raises(EventNotFound):
        event_join(event_id=event.id, user_id=user.id, status="going")

    assert not event.participations.filter(user=user).exists()


def test_event_join_lets_a_participant_of_a_private_event_change_status() -> None:
    event = EventFactory(visibility="private")
    participation = ParticipationFactory(event=event, status=INTERESTED)

    joined, _ = event_join(event_id=event.id, user_id=participation.user_id, status="going")

    assert joined.status == GOING


@pytest.mark.parametrize("status", ["interested", "waitlisted"])
def test_event_join_keeps_the_organizer_going(status: str) -> None:
    event = EventFactory()

    with pytest.raises(OrganizerCannotLeave):
        event_join(event_id=event.id, user_id=event.organizer_id, status=status)

    assert Participation.objects.get(event=event, user=event.organizer).status == GOING


def test_event_join_refuses_an_unknown_status() -> None:
    event = EventFactory()
    user = UserFactory()

    with pytest.raises(ValidationError) as error:
        event_join(event_id=event.id, user_id=user.id, status="not_going")

    assert list(error.value.message_dict) == ["status"]
    assert not event.participations.filter(user=user).exists()


def test_event_join_refuses_an_unknown_event() -> None:
    user = UserFactory()

    with pytest.raises(EventNotFound):
        event_join(event_id=uuid4(), user_id=user.id, status="going")


# --- event_leave ---


def test_event_leave_by_a_going_user_seats_the_first_in_line_only() -> None:
    # given
    event = EventFactory(capacity=2)
    seated = ParticipationFactory(event=event, status=GOING)
    now = timezone.now()
    first = ParticipationFactory(event=event, status=WAITLISTED, waitlisted_at=now)
    second = ParticipationFactory(
        event=event, status=WAITLISTED, waitlisted_at=now + timedelta(seconds=1)
    )
    # when
    event_leave(event_id=event.id, user_id=seated.user_id)
    # then
    assert not Participation.objects.filter(id=seated.id).exists()
    assert Participation.objects.get(id=first.id).status == GOING
    assert Participation.objects.get(id=second.id).status == WAITLISTED
    assert counters(event) == (2, 0, 1)


def test_event_leave_from_the_waitlist_moves_the_others_up() -> None:
    # given
    event = EventFactory(capacity=1)
    now = timezone.now()
    first = ParticipationFactory(event=event, status=WAITLISTED, waitlisted_at=now)
    second = ParticipationFactory(
        event=event, status=WAITLISTED, waitlisted_at=now + timedelta(seconds=1)
    )
    # when
    event_leave(event_id=event.id, user_id=first.user_id)
    # then
    moved, _ = event_join(event_id=event.id, user_id=second.user_id, status="waitlisted")
    assert moved.waitlist_position == 1  # type: ignore[attr-defined]
    assert counters(event) == (1, 0, 1)


def test_event_leave_by_an_interested_user() -> None:
    event = EventFactory()
    participation = ParticipationFactory(event=event, status=INTERESTED)

    event_leave(event_id=event.id, user_id=participation.user_id)

    assert not Participation.objects.filter(id=participation.id).exists()
    assert counters(event) == (1, 0, 0)


def test_event_leave_without_an_rsvp_is_refused() -> None:
    event = EventFactory()
    user = UserFactory()

    with pytest.raises(NotParticipating):
        event_leave(event_id=event.id, user_id=user.id)

    assert counters(event) == (1, 0, 0)


def test_event_leave_by_the_organizer_is_refused() -> None:
    event = EventFactory()

    with pytest.raises(OrganizerCannotLeave):
        event_leave(event_id=event.id, user_id=event.organizer_id)

    assert event.participations.filter(user=event.organizer).exists()


def test_event_leave_of_a_cancelled_event_promotes_nobody() -> None:
    event = EventFactory(capacity=2)
    seated = ParticipationFactory(event=event, status=GOING)
    waiting = ParticipationFactory(event=event, status=WAITLISTED)
    Event.objects.filter(id=event.id).update(
        status=EventStatus.CANCELLED, cancelled_at=timezone.now()
    )

    event_leave(event_id=event.id, user_id=seated.user_id)

    assert Participation.objects.get(id=waiting.id).status == WAITLISTED
    assert counters(event) == (1, 0, 1)


def test_event_leave_hides_a_private_event_from_an_outsider() -> None:
    event = EventFactory(visibility="private")
    user = UserFactory()

    with pytest.raises(EventNotFound):
        event_leave(event_id=event.id, user_id=user.id)


# --- concurrency ---


def _join_in_thread(event_id: Any, user_id: Any, barrier: threading.Barrier) -> str:
    try:
        barrier.wait(timeout=10)
        participation, _ = event_join(event_id=event_id, user_id=user_id, status="going")
    except EventFull:
        return "full"
    finally:
        connection.close()
    return participation.status


@pytest.mark.django_db(transaction=True)
def test_two_users_racing_for_the_last_seat_get_one_seat_and_one_event_full() -> None:
    # given
    event = EventFactory(capacity=2)
    users = [UserFactory(), UserFactory()]
    barrier = threading.Barrier(2)
    results: list[str] = []
    # when
    threads = [
        threading.Thread(
            target=lambda user=user: results.append(_join_in_thread(event.id, user.id, barrier))
        )
        for user in users
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # then
    assert sorted(results) == ["full", "going"]
    assert counters(event) == (2, 0, 0)
    assert event.participations.filter(status=GOING).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_seat_given_up_during_a_race_goes_to_the_waitlist_once() -> None:
    # given: a full event, one going user leaves while two others queue
    event = EventFactory(capacity=2)
    seated = ParticipationFactory(event=event, status=GOING)
    users = [UserFactory(), UserFactory()]
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def run(work: Any) -> None:
        try:
            barrier.wait(timeout=10)
            work()
        except BaseException as error:  # collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    works = [
        lambda: event_leave(event_id=event.id, user_id=seated.user_id),
        *[
            lambda user=user: event_join(event_id=event.id, user_id=user.id, status="waitlisted")
            for user in users
        ],
    ]
    # when
    threads = [threading.Thread(target=run, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # then: one of the two holds the seat, the other waits; never two seats
    assert errors == []
    assert counters(event) == (2, 0, 1)
    assert sorted(statuses(event).values()) == ["going", "going", "waitlisted"]


def test_event_times_are_kept_in_utc() -> None:
    organizer = UserFactory()
    starts_at = datetime(2099, 6, 1, 20, 0, tzinfo=UTC)

    event = event_create(
        organizer_id=organizer.id,
        now=starts_at - timedelta(days=30),
        **create_kwargs(starts_at=starts_at, ends_at=starts_at + timedelta(hours=2)),
    )

    assert Event.objects.get(id=event.id).starts_at == starts_at
