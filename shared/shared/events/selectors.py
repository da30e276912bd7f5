"""Reads on events: discovery (text, time, map), one event, and who goes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point, Polygon
from django.contrib.gis.measure import D
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import Case, F, OuterRef, Q, QuerySet, Subquery, Value, When, Window
from django.db.models.fields import CharField
from django.db.models.functions import RowNumber
from django.utils import timezone

from shared.accounts.models import User
from shared.events.errors import EventNotFound
from shared.events.models import (
    LOCATION_AS_GEOMETRY,
    SEARCH_CONFIG,
    WAITLIST_ORDER,
    Event,
    EventQuerySet,
    EventStatus,
    Participation,
    ParticipationStatus,
)


@dataclass(frozen=True)
class Near:
    """A circle on the ground: events within `radius_km` of (lat, lng)."""

    lat: float
    lng: float
    radius_km: float

    @property
    def point(self) -> Point:
        return Point(self.lng, self.lat, srid=4326)


@dataclass(frozen=True)
class BoundingBox:
    """A map viewport in degrees; it does not cross the antimeridian."""

    min_lng: float
    min_lat: float
    max_lng: float
    max_lat: float

    @property
    def polygon(self) -> Polygon:
        box = Polygon.from_bbox((self.min_lng, self.min_lat, self.max_lng, self.max_lat))
        box.srid = 4326
        return box


@dataclass(frozen=True)
class EventFilters:
    """What a discovery query asks for; every field narrows the result."""

    q: str = ""
    event_types: tuple[str, ...] = ()
    starts_after: datetime | None = None
    starts_before: datetime | None = None
    near: Near | None = None
    bbox: BoundingBox | None = None
    organizer_id: UUID | None = None
    my_statuses: tuple[str, ...] = ()
    include_cancelled: bool = False
    include_past: bool = False


def _with_my_status(events: EventQuerySet, viewer_id: UUID | None) -> EventQuerySet:
    if viewer_id is None:
        return events.annotate(my_status=Value(None, output_field=CharField()))
    # (event, user) is unique: no ordering needed to pick the one row.
    mine = Participation.objects.filter(event_id=OuterRef("pk"), user_id=viewer_id).order_by()
    return events.annotate(my_status=Subquery(mine.values("status")[:1]))


# The search vector is for filtering in the database, never worth sending back; of the
# organizer, what shows them to others.
_EVENT_COLUMNS = (
    *(field.name for field in Event._meta.concrete_fields if field.name != "search_vector"),
    *(f"organizer__{name}" for name in User.SUMMARY_FIELDS),
)


def _visible_events(viewer_id: UUID | None) -> EventQuerySet:
    events = Event.objects.visible_to(viewer_id).select_related("organizer").only(*_EVENT_COLUMNS)
    return _with_my_status(events, viewer_id)


def event_get(*, event_id: UUID, viewer_id: UUID | None) -> Event:
    """Return the event, annotated with the viewer's `my_status`, if the viewer may see it.

    Cancelled events are returned (their status says so); private ones only to their
    organizer and participants.

    Raises:
        EventNotFound: no such event, or a private one the viewer may not see.
    """
    # Read by id, then the visibility rule in Python: the rule's SQL (an EXISTS and two ORs)
    # cost more to build than the whole read on this, the most requested path.
    events = Event.objects.select_related("organizer").only(*_EVENT_COLUMNS)
    try:
        event = _with_my_status(events, viewer_id).get(id=event_id)
    except Event.DoesNotExist:
        raise EventNotFound() from None
    if not event.is_visible_to(viewer_id, takes_part=event.my_status is not None):
        raise EventNotFound()
    return event


def event_list(
    *,
    viewer_id: UUID | None,
    filters: EventFilters | None = None,
    now: datetime | None = None,
) -> QuerySet[Event]:
    """Return the events the viewer may see that match `filters`, best first, in one query.

    Order: by text rank when `q` is given, then by distance when `near` is given, then by
    start time. Past events (ended before `now`) and cancelled ones are left out unless asked
    for. `near` and `bbox` filter through the GiST indexes on `location`; `q` through the GIN
    index on the search vector. Each event carries `my_status`, and `distance` when `near`.
    """
    filters = filters or EventFilters()
    events = _visible_events(viewer_id)
    if not filters.include_cancelled:
        events = events.filter(status=EventStatus.SCHEDULED)
    if not filters.include_past:
        events = events.filter(ends_at__gt=now or timezone.now())
    if filters.event_types:
        events = events.filter(event_type__in=filters.event_types)
    if filters.starts_after is not None:
        events = events.filter(starts_at__gte=filters.starts_after)
    if filters.starts_before is not None:
        events = events.filter(starts_at__lte=filters.starts_before)
    if filters.organizer_id is not None:
        events = events.filter(organizer_id=filters.organizer_id)
    if filters.my_statuses:
        if viewer_id is None:
            return events.none()
        events = events.filter(my_status__in=filters.my_statuses)
    if filters.bbox is not None:
        events = events.alias(location_geometry=LOCATION_AS_GEOMETRY).filter(
            location_geometry__bboverlaps=filters.bbox.polygon
        )
    ordering: list[str] = []
    if filters.q.strip():
        query = SearchQuery(filters.q, config=SEARCH_CONFIG, search_type="websearch")
        events = events.filter(search_vector=query).annotate(
            rank=SearchRank(F("search_vector"), query)
        )
        ordering.append("-rank")
    if filters.near is not None:
        point = filters.near.point
        events = events.filter(location__dwithin=(point, D(km=filters.near.radius_km))).annotate(
            distance=Distance("location", point)
        )
        ordering.append("distance")
    return events.order_by(*ordering, "starts_at", "id")


def event_participants(*, event_id: UUID, viewer_id: UUID | None) -> QuerySet[Participation]:
    """Return who takes part in a visible event: going, then interested, then the waitlist.

    Going and interested people are in the order they joined; the waitlist in queue order,
    and each row carries `waitlist_position` (1 = next to get a seat; meaningful only for
    waitlisted rows).

    Raises:
        EventNotFound: no such event, or a private one the viewer may not see.
    """
    if not Event.objects.visible_to(viewer_id).filter(id=event_id).exists():
        raise EventNotFound()
    status_rank = Case(
        When(status=ParticipationStatus.GOING, then=Value(0)),
        When(status=ParticipationStatus.INTERESTED, then=Value(1)),
        default=Value(2),
    )
    return (
        Participation.objects.filter(event_id=event_id)
        .select_related("user")
        .annotate(
            status_rank=status_rank,
            waitlist_position=Window(
                RowNumber(),
                partition_by=[F("status")],
                order_by=[F(name) for name in WAITLIST_ORDER],
            ),
        )
        .order_by("status_rank", "waitlisted_at", "created_at", "id")
    )


def participation_waitlist_position(*, participation: Participation) -> int | None:
    """Return the place of a waitlisted participation in its queue (1 = next), else None."""
    if participation.status != ParticipationStatus.WAITLISTED:
        return None
    ahead = Participation.objects.filter(
        event_id=participation.event_id, status=ParticipationStatus.WAITLISTED
    ).filter(
        Q(waitlisted_at__lt=participation.waitlisted_at)
        | Q(waitlisted_at=participation.waitlisted_at, created_at__lt=participation.created_at)
        | Q(
            waitlisted_at=participation.waitlisted_at,
            created_at=participation.created_at,
            id__lt=participation.id,
        )
    )
    return ahead.count() + 1


def participation_get(*, event_id: UUID, user_id: UUID) -> Participation | None:
    """Return the user's participation in the event with its `waitlist_position`, or None."""
    participation = (
        Participation.objects.select_related("user").filter(event_id=event_id, user_id=user_id)
    ).first()
    if participation is not None:
        participation.waitlist_position = participation_waitlist_position(  # type: ignore[attr-defined]
            participation=participation
        )
    return participation


def event_list_organized_by(*, organizer_id: UUID) -> QuerySet[Event]:
    """Return every event the user organises, cancelled, past and removed ones included.

    No visibility rule: for the user's own data (the export), not for browsing.
    """
    return (
        Event.objects.filter(organizer_id=organizer_id)
        .defer("search_vector")
        .order_by("starts_at", "id")
    )


def participation_list_of_user(*, user_id: UUID) -> QuerySet[Participation]:
    """Return every RSVP of the user with its event, oldest event first (for the export)."""
    return (
        Participation.objects.filter(user_id=user_id)
        .select_related("event")
        .defer("event__search_vector")
        .order_by("event__starts_at", "event_id")
    )
