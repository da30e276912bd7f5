from __future__ import annotations

import math
import random
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone

from shared.accounts.tests.factories import UserFactory
from shared.events.errors import EventNotFound, NotEventOrganizer
from shared.events.models import Event, EventStatus, Participation, ParticipationStatus
from shared.events.selectors import (
    BoundingBox,
    EventFilters,
    EventRecord,
    Near,
    event_get,
    event_get_as_organizer,
    event_participants,
    event_record_get,
    event_search,
    event_search_query,
    participation_get,
)
from shared.events.tests.factories import LULEA, EventFactory, ParticipationFactory

pytestmark = pytest.mark.django_db

LAT, LNG = LULEA
KM_PER_DEGREE_LAT = 111.2


def north_of_lulea(km: float) -> Point:
    return Point(LNG, LAT + km / KM_PER_DEGREE_LAT, srid=4326)


def east_of_lulea(km: float) -> Point:
    return Point(LNG + km / (KM_PER_DEGREE_LAT * math.cos(math.radians(LAT))), LAT, srid=4326)


def titles(events: Any) -> list[str]:
    return [event.title for event in events]


def event_list(**kwargs: Any) -> list[EventRecord]:
    """The first page (up to 100) of a search."""
    return event_search(limit=100, **kwargs).events


# --- visible_to / event_get ---


@pytest.mark.parametrize(
    ("viewer", "visible"),
    [
        pytest.param("anonymous", False, id="anonymous_case"),
        pytest.param("organizer", True, id="organizer_case"),
        pytest.param("participant", True, id="participant_case"),
        pytest.param("other", False, id="other_case"),
    ],
)
def test_event_get_shows_a_private_event_only_to_its_people(viewer: str, visible: bool) -> None:
    # given
    event = EventFactory(visibility="private")
    participant = ParticipationFactory(event=event, status=ParticipationStatus.INTERESTED).user
    viewer_id = {
        "anonymous": None,
        "organizer": event.organizer_id,
        "participant": participant.id,
        "other": UserFactory().id,
    }[viewer]
    # when / then
    if visible:
        assert event_get(event_id=event.id, viewer_id=viewer_id).id == event.id
    else:
        with pytest.raises(EventNotFound):
            event_get(event_id=event.id, viewer_id=viewer_id)


@pytest.mark.parametrize("visibility", ["public", "private"])
@pytest.mark.parametrize("removed", [False, True], ids=["live", "removed"])
@pytest.mark.parametrize("rsvp", list(ParticipationStatus))
def test_every_read_of_an_event_applies_the_same_visibility_rule(
    visibility: str, removed: bool, rsvp: ParticipationStatus
) -> None:
    """`visible_to` (ORM), `event_get` (`Event.is_visible_to`, Python), `event_record_get` and
    `event_search` (`event_visibility_sql`): the three copies of the rule (ADR 0008)."""
    # given: an event, and each kind of viewer (a participant of any RSVP takes part)
    event = EventFactory(visibility=visibility, removed_at=timezone.now() if removed else None)
    participant = ParticipationFactory(event=event, status=rsvp).user
    viewers = [None, event.organizer_id, participant.id, UserFactory().id]

    def seen_by(read: Any, viewer_id: Any) -> bool:
        try:
            read(event_id=event.id, viewer_id=viewer_id)
        except EventNotFound:
            return False
        return True

    for viewer_id in viewers:
        # when
        in_orm = Event.objects.visible_to(viewer_id).filter(id=event.id).exists()
        in_python = seen_by(event_get, viewer_id)
        in_sql = seen_by(event_record_get, viewer_id)
        in_search = [e.id for e in event_list(viewer_id=viewer_id)] == [event.id]
        # then
        assert in_python == in_sql == in_search == in_orm, f"viewer {viewer_id}"
        # and for the writes that still reach a removed event (leaving it)
        takes_part = Participation.objects.filter(event=event, user_id=viewer_id).exists()
        assert (
            event.is_visible_to(viewer_id, takes_part=takes_part, include_removed=True)
            == Event.objects.visible_to(viewer_id, include_removed=True)
            .filter(id=event.id)
            .exists()
        ), f"viewer {viewer_id}, removed events included"
    expected = {
        ("public", False): [True, True, True, True],
        ("private", False): [False, True, True, False],
        ("public", True): [False, True, False, False],
        ("private", True): [False, True, False, False],
    }[(visibility, removed)]
    assert [Event.objects.visible_to(v).filter(id=event.id).exists() for v in viewers] == expected


def test_event_record_get_reads_the_event_and_my_status_in_one_query(
    django_assert_num_queries: Any,
) -> None:
    event = EventFactory(title="Open air")
    viewer = ParticipationFactory(event=event, status=ParticipationStatus.INTERESTED).user

    with django_assert_num_queries(1):
        record = event_record_get(event_id=event.id, viewer_id=viewer.id)

    assert (record.title, record.my_status, record.distance_km) == ("Open air", "interested", None)
    assert record.organizer.username == event.organizer.username


def test_event_record_get_refuses_an_unknown_id() -> None:
    with pytest.raises(EventNotFound):
        event_record_get(event_id=uuid4(), viewer_id=None)


def test_event_get_shows_a_public_event_to_anyone_in_one_query(
    django_assert_num_queries: Any,
) -> None:
    event = EventFactory(title="Open air")

    with django_assert_num_queries(1):
        found = event_get(event_id=event.id, viewer_id=None)
        organizer_name = found.organizer.username

    assert found.title == "Open air"
    assert organizer_name == event.organizer.username
    assert found.my_status is None  # type: ignore[attr-defined]


def test_event_get_tells_the_viewer_their_status() -> None:
    event = EventFactory()
    participation = ParticipationFactory(event=event, status=ParticipationStatus.WAITLISTED)

    found = event_get(event_id=event.id, viewer_id=participation.user_id)

    assert found.my_status == "waitlisted"  # type: ignore[attr-defined]


def test_event_get_returns_a_cancelled_event() -> None:
    event = EventFactory(status=EventStatus.CANCELLED)

    assert event_get(event_id=event.id, viewer_id=None).status == "cancelled"


def test_event_get_refuses_an_unknown_id() -> None:
    with pytest.raises(EventNotFound):
        event_get(event_id=uuid4(), viewer_id=None)


# --- event_list ---


def test_event_list_leaves_out_cancelled_and_past_events_unless_asked() -> None:
    # given
    now = timezone.now()
    EventFactory(title="Upcoming", starts_at=now + timedelta(days=1))
    EventFactory(title="Running", starts_at=now - timedelta(hours=1))
    EventFactory(title="Cancelled", status=EventStatus.CANCELLED)
    EventFactory(
        title="Past", starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=2, hours=-1)
    )
    # when
    default = event_list(viewer_id=None)
    everything = event_list(
        viewer_id=None, filters=EventFilters(include_cancelled=True, include_past=True)
    )
    # then
    assert titles(default) == ["Running", "Upcoming"]
    assert titles(everything) == ["Past", "Running", "Upcoming", "Cancelled"]


def test_event_list_is_ordered_by_start_time() -> None:
    now = timezone.now()
    EventFactory(title="Later", starts_at=now + timedelta(days=3))
    EventFactory(title="Sooner", starts_at=now + timedelta(days=1))

    assert titles(event_list(viewer_id=None)) == ["Sooner", "Later"]


def test_event_list_applies_visibility() -> None:
    # given
    viewer = UserFactory()
    now = timezone.now()
    EventFactory(title="Public", starts_at=now + timedelta(days=1))
    EventFactory(title="Others private", visibility="private")
    EventFactory(
        title="My private",
        visibility="private",
        organizer=viewer,
        starts_at=now + timedelta(days=2),
    )
    invited = EventFactory(
        title="Invited private", visibility="private", starts_at=now + timedelta(days=3)
    )
    ParticipationFactory(event=invited, user=viewer, status=ParticipationStatus.GOING)
    # when / then
    assert titles(event_list(viewer_id=viewer.id)) == ["Public", "My private", "Invited private"]
    assert titles(event_list(viewer_id=None)) == ["Public"]


def test_event_list_filters_by_type_and_start_range() -> None:
    # given
    now = timezone.now()
    EventFactory(title="Bar tomorrow", event_type="bar", starts_at=now + timedelta(days=1))
    EventFactory(title="Club in 3 days", event_type="club", starts_at=now + timedelta(days=3))
    EventFactory(title="Bar in 5 days", event_type="bar", starts_at=now + timedelta(days=5))
    EventFactory(title="Concert in 3 days", event_type="concert", starts_at=now + timedelta(days=3))
    filters = EventFilters(
        event_types=("bar", "club"),
        starts_after=now + timedelta(days=2),
        starts_before=now + timedelta(days=6),
    )
    # when
    events = event_list(viewer_id=None, filters=filters)
    # then
    assert titles(events) == ["Club in 3 days", "Bar in 5 days"]


def test_event_list_filters_by_organizer_and_my_status() -> None:
    # given
    viewer = UserFactory()
    now = timezone.now()
    mine = EventFactory(title="Mine", organizer=viewer, starts_at=now + timedelta(days=1))
    going = EventFactory(title="Going", starts_at=now + timedelta(days=2))
    ParticipationFactory(event=going, user=viewer, status=ParticipationStatus.GOING)
    maybe = EventFactory(title="Maybe", starts_at=now + timedelta(days=3))
    ParticipationFactory(event=maybe, user=viewer, status=ParticipationStatus.INTERESTED)
    EventFactory(title="Other")
    # when
    organised = event_list(viewer_id=viewer.id, filters=EventFilters(organizer_id=viewer.id))
    attending = event_list(viewer_id=viewer.id, filters=EventFilters(my_statuses=("going",)))
    anonymous = event_list(viewer_id=None, filters=EventFilters(my_statuses=("going",)))
    # then
    assert titles(organised) == ["Mine"]
    assert [(e.title, e.my_status) for e in attending] == [("Mine", "going"), ("Going", "going")]
    assert titles(anonymous) == []
    assert mine.id in {event.id for event in attending}


def test_event_list_near_keeps_the_radius_and_orders_by_distance() -> None:
    # given
    EventFactory(title="6 km", location=north_of_lulea(6))
    EventFactory(title="1 km", location=east_of_lulea(1))
    EventFactory(title="3 km", location=north_of_lulea(3))
    EventFactory(title="12 km", location=east_of_lulea(12))
    # when
    events = list(
        event_list(viewer_id=None, filters=EventFilters(near=Near(lat=LAT, lng=LNG, radius_km=10)))
    )
    # then
    assert titles(events) == ["1 km", "3 km", "6 km"]
    assert [round(event.distance_km, 1) for event in events] == [1.0, 3.0, 6.0]  # type: ignore[arg-type]


def test_event_list_within_a_bounding_box() -> None:
    # given
    EventFactory(title="Inside", location=Point(22.15, 65.58, srid=4326))
    EventFactory(title="West", location=Point(21.90, 65.58, srid=4326))
    EventFactory(title="North", location=Point(22.15, 65.70, srid=4326))
    box = BoundingBox(min_lng=22.0, min_lat=65.5, max_lng=22.3, max_lat=65.65)
    # when
    events = event_list(viewer_id=None, filters=EventFilters(bbox=box))
    # then
    assert titles(events) == ["Inside"]


def test_event_list_text_search_ranks_title_over_venue_over_description() -> None:
    # given
    now = timezone.now()
    EventFactory(
        title="Karaoke", description="Sing, then a party.", starts_at=now + timedelta(days=1)
    )
    EventFactory(title="House party", starts_at=now + timedelta(days=3))
    EventFactory(title="Trivia", venue_name="Party Barn", starts_at=now + timedelta(days=2))
    EventFactory(title="Salsa", description="Dance all night.")
    # when: "parties" and "party" share the English stem
    events = event_list(viewer_id=None, filters=EventFilters(q="parties"))
    # then
    assert titles(events) == ["House party", "Trivia", "Karaoke"]


def test_event_list_text_search_reads_web_search_syntax() -> None:
    now = timezone.now()
    EventFactory(title="Jazz in the park", starts_at=now + timedelta(days=1))
    EventFactory(title="Jazz in the cellar", starts_at=now + timedelta(days=2))

    events = event_list(viewer_id=None, filters=EventFilters(q='jazz -cellar "the park"'))

    assert titles(events) == ["Jazz in the park"]


def test_event_list_text_search_then_distance_order() -> None:
    EventFactory(title="Quiz far", location=north_of_lulea(5))
    EventFactory(title="Quiz near", location=north_of_lulea(1))

    events = event_list(
        viewer_id=None,
        filters=EventFilters(q="quiz", near=Near(lat=LAT, lng=LNG, radius_km=10)),
    )

    assert titles(events) == ["Quiz near", "Quiz far"]


def test_event_search_is_one_query_with_the_total_and_every_filter(
    django_assert_num_queries: Any,
) -> None:
    # given
    viewer = UserFactory()
    for number in range(5):
        event = EventFactory(title=f"Quiz {number}", location=north_of_lulea(number + 1))
        ParticipationFactory(event=event, user=viewer, status=ParticipationStatus.GOING)
    filters = EventFilters(
        q="quiz",
        event_types=("bar",),
        starts_after=timezone.now(),
        starts_before=timezone.now() + timedelta(days=3),
        near=Near(lat=LAT, lng=LNG, radius_km=20),
        bbox=BoundingBox(min_lng=21.0, min_lat=65.0, max_lng=23.0, max_lat=66.0),
        my_statuses=("going",),
    )
    # when
    with django_assert_num_queries(1):
        found = event_search(viewer_id=viewer.id, filters=filters, limit=3)
    # then
    assert found.total == 5
    page = [(event.title, event.my_status, round(event.distance_km or 0)) for event in found.events]
    assert page == [("Quiz 0", "going", 1), ("Quiz 1", "going", 2), ("Quiz 2", "going", 3)]


def test_event_search_pages_keep_the_total_and_a_page_past_the_end_is_empty() -> None:
    for day in range(5):
        EventFactory(title=f"Day {day}", starts_at=timezone.now() + timedelta(days=day + 1))

    second = event_search(viewer_id=None, offset=2, limit=2)
    past_the_end = event_search(viewer_id=None, offset=10, limit=2)

    assert (second.total, titles(second.events)) == (5, ["Day 2", "Day 3"])
    assert (past_the_end.total, past_the_end.events) == (0, [])


def test_event_search_item_shows_the_organizers_display_name() -> None:
    organizer = UserFactory(first_name="Ada", last_name="Lind", display_name_override="")
    EventFactory(organizer=organizer)

    [item] = event_list(viewer_id=None)

    assert item.organizer.display_name == organizer.display_name == "Ada Lind"


def test_event_search_item_has_the_fields_of_the_event() -> None:
    """The SQL read gives what the model gives, field by field."""
    event = EventFactory(
        capacity=12, address="Storgatan 1", location=Point(22.15, 65.58, srid=4326)
    )

    [item] = event_list(viewer_id=None)

    for field in (
        "id", "title", "description", "event_type", "starts_at", "ends_at", "venue_name",
        "address", "lat", "lng", "capacity", "visibility", "status", "cancelled_at",
        "removed_at", "removal_reason", "going_count", "interested_count", "waitlist_count",
        "created_at", "updated_at",
    ):  # fmt: skip
        assert getattr(item, field) == getattr(event, field), field
    assert (item.lat, item.lng) == (65.58, 22.15)
    assert item.organizer.id == event.organizer_id


def _plan(viewer_id: Any, filters: EventFilters, *, seqscan: bool = False) -> str:
    sql, params = event_search_query(
        viewer_id=viewer_id, filters=filters, now=timezone.now(), offset=0, limit=20
    )
    with connection.cursor() as cursor:
        if not seqscan:
            # SET LOCAL lasts until the test's transaction ends; with few rows the planner
            # would otherwise prefer a sequential scan, which says nothing about what it *can*
            # use.
            cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


# In the three plan tests the status and time filters are lifted, so the predicate under test
# is the only one an index could serve.
EVERY_EVENT: dict[str, Any] = {"include_cancelled": True, "include_past": True}


def test_nearby_query_can_use_the_geography_gist_index() -> None:
    EventFactory.create_batch(3)
    filters = EventFilters(near=Near(lat=LAT, lng=LNG, radius_km=5), **EVERY_EVENT)

    plan = _plan(uuid4(), filters)

    assert "events_event_location_gist" in plan


def test_bounding_box_query_can_use_the_geometry_gist_index() -> None:
    EventFactory.create_batch(3)
    box = BoundingBox(min_lng=22.0, min_lat=65.5, max_lng=22.3, max_lat=65.65)

    plan = _plan(None, EventFilters(bbox=box, **EVERY_EVENT))

    assert "events_event_location_geom_gist" in plan


def test_text_search_can_use_the_gin_index() -> None:
    EventFactory.create_batch(3)

    plan = _plan(None, EventFilters(q="quiz", **EVERY_EVENT))

    assert "events_event_search_gin" in plan


def test_nearby_query_uses_the_gist_index_on_a_realistic_table() -> None:
    # given: 3,000 upcoming events spread over northern Sweden, with fresh statistics
    organizer = UserFactory()
    rng = random.Random(7)  # noqa: S311 - test data
    starts_at = timezone.now() + timedelta(days=1)
    Event.objects.bulk_create(
        Event(
            title=f"Event {number}",
            event_type="bar",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=2),
            location=Point(rng.uniform(12.0, 24.0), rng.uniform(60.0, 68.0), srid=4326),
            organizer=organizer,
        )
        for number in range(3000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE events_event")
    filters = EventFilters(near=Near(lat=LAT, lng=LNG, radius_km=2))
    # when: the planner is left alone
    plan = _plan(None, filters, seqscan=True)
    # then
    assert "events_event_location_gist" in plan


# --- event_participants ---


def test_event_participants_lists_going_then_interested_then_the_queue(
    django_assert_num_queries: Any,
) -> None:
    # given
    event = EventFactory(capacity=2)
    now = timezone.now()
    second_in_line = ParticipationFactory(
        event=event, status="waitlisted", waitlisted_at=now + timedelta(seconds=5)
    )
    interested = ParticipationFactory(event=event, status="interested")
    first_in_line = ParticipationFactory(event=event, status="waitlisted", waitlisted_at=now)
    going = ParticipationFactory(event=event, status="going")
    # when
    with django_assert_num_queries(3):
        participants = event_participants(event_id=event.id, viewer_id=None)
        total = participants.count()
        rows = [(p.user.username, p.status, p.waitlist_position) for p in participants]  # type: ignore[attr-defined]
    # then
    assert total == 5
    assert rows == [
        (event.organizer.username, "going", 1),
        (going.user.username, "going", 2),
        (interested.user.username, "interested", 1),
        (first_in_line.user.username, "waitlisted", 1),
        (second_in_line.user.username, "waitlisted", 2),
    ]


def test_event_participants_of_a_private_event_are_hidden_from_outsiders() -> None:
    event = EventFactory(visibility="private")

    with pytest.raises(EventNotFound):
        event_participants(event_id=event.id, viewer_id=UserFactory().id)


def test_participation_get_tells_the_waitlist_position() -> None:
    event = EventFactory(capacity=1)
    now = timezone.now()
    ParticipationFactory(event=event, status="waitlisted", waitlisted_at=now)
    mine = ParticipationFactory(
        event=event, status="waitlisted", waitlisted_at=now + timedelta(seconds=1)
    )

    found = participation_get(event_id=event.id, user_id=mine.user_id)

    assert found is not None
    assert found.waitlist_position == 2  # type: ignore[attr-defined]
    assert participation_get(event_id=event.id, user_id=uuid4()) is None


def test_events_keep_their_counters_through_the_factories() -> None:
    event = EventFactory(capacity=3)
    ParticipationFactory(event=event, status="going")

    assert Event.objects.get(id=event.id).going_count == 2


# --- event_get_as_organizer ---


def test_event_get_as_organizer_returns_the_event_to_its_organizer(
    django_assert_num_queries: Any,
) -> None:
    event = EventFactory(visibility="private")

    with django_assert_num_queries(1):
        found = event_get_as_organizer(event_id=event.id, actor_id=event.organizer_id)

    assert found.id == event.id


def test_event_get_as_organizer_refuses_a_participant_who_does_not_organise() -> None:
    event = EventFactory(visibility="private")
    participant = ParticipationFactory(event=event).user

    with pytest.raises(NotEventOrganizer):
        event_get_as_organizer(event_id=event.id, actor_id=participant.id)


@pytest.mark.parametrize("visibility", ["private", "public"])
def test_event_get_as_organizer_hides_a_private_event_from_outsiders(visibility: str) -> None:
    event = EventFactory(visibility=visibility)
    expected = EventNotFound if visibility == "private" else NotEventOrganizer

    with pytest.raises(expected):
        event_get_as_organizer(event_id=event.id, actor_id=UserFactory().id)


def test_event_get_as_organizer_of_an_unknown_event_is_not_found() -> None:
    with pytest.raises(EventNotFound):
        event_get_as_organizer(event_id=uuid4(), actor_id=UserFactory().id)
