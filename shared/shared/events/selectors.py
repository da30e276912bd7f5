"""Reads on events: discovery (text, time, map), one event, who goes; and the place search."""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from datetime import datetime
from typing import Any, cast
from uuid import UUID

import orjson
from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.fields import CharField
from django.db.models.functions import Greatest, Round, RowNumber
from django.utils import timezone

from shared.accounts.models import User, UserSummary, display_name_of
from shared.core.sql import records_cursor, table
from shared.events.errors import EventNotFound, NotEventOrganizer
from shared.events.models import (
    SEARCH_CONFIG,
    WAITLIST_ORDER,
    Event,
    EventQuerySet,
    EventStatus,
    EventVisibility,
    Participation,
    ParticipationStatus,
    Place,
)


@dataclass(frozen=True)
class Near:
    """A circle on the ground: events within `radius_km` of (lat, lng)."""

    lat: float
    lng: float
    radius_km: float


@dataclass(frozen=True)
class BoundingBox:
    """A map viewport in degrees; it does not cross the antimeridian."""

    min_lng: float
    min_lat: float
    max_lng: float
    max_lat: float


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
    my_status = getattr(event, "my_status")  # noqa: B009 - annotated by _with_my_status
    if not event.is_visible_to(viewer_id, takes_part=my_status is not None):
        raise EventNotFound()
    return event


def event_get_as_organizer(*, event_id: UUID, actor_id: UUID) -> Event:
    """Return the event if the actor organises it: who may write, decided before what they send.

    The writes check it again under the event's lock; this is for an API to refuse an outsider
    before validating their input (an outsider's bad input is a 403, not a 400).

    Raises:
        EventNotFound: no such event, or a private one the actor may not see.
        NotEventOrganizer: the actor sees the event but does not organise it.
    """
    event = Event.objects.visible_to(actor_id).defer("search_vector").filter(id=event_id).first()
    if event is None:
        raise EventNotFound()
    if event.organizer_id != actor_id:
        raise NotEventOrganizer()
    return event


@dataclass(frozen=True, slots=True)
class EventRecord:
    """An event as the API shows it, read in SQL without a model instance.

    Carries the attributes the event output reads from an `Event`, with the point as `lat` and
    `lng`, plus the viewer's `my_status` and, for a `near` search, `distance_km`.
    """

    id: UUID
    title: str
    description: str
    event_type: str
    starts_at: datetime
    ends_at: datetime
    venue_name: str
    address: str
    lat: float
    lng: float
    capacity: int | None
    visibility: str
    status: str
    cancelled_at: datetime | None
    removed_at: datetime | None
    removal_reason: str
    going_count: int
    interested_count: int
    waitlist_count: int
    created_at: datetime
    updated_at: datetime
    # Built from further columns: never filled by position.
    _: KW_ONLY
    organizer: UserSummary
    my_status: str | None
    distance_km: float | None


@dataclass(frozen=True)
class EventSearchPage:
    """A slice of a discovery result and the size of the whole result."""

    total: int
    events: list[EventRecord]


# The tables the SQL below reads, named by their models.
_EVENTS, _PARTICIPATIONS, _USERS = table(Event), table(Participation), table(User)

# An `EventRecord`'s columns, in its field order; then the organizer's summary columns.
_RECORD_COLUMNS = f"""
    e.id, e.title, e.description, e.event_type, e.starts_at, e.ends_at, e.venue_name, e.address,
    ST_Y(e.location::geometry), ST_X(e.location::geometry), e.capacity, e.visibility, e.status,
    e.cancelled_at, e.removed_at, e.removal_reason, e.going_count, e.interested_count,
    e.waitlist_count, e.created_at, e.updated_at,
    {UserSummary.columns("u")}"""


def event_visibility_sql(viewer_id: UUID | None) -> tuple[str, str, list[str]]:
    """The joins, the `my_status` column and the conditions of `EventQuerySet.visible_to`.

    The SQL twin of `visible_to` and `Event.is_visible_to`; a test keeps all three equal (ADR 0011).
    Parameters: `viewer` and `public`.
    """
    if viewer_id is None:
        return "", "NULL::varchar", ["e.visibility = %(public)s", "e.removed_at IS NULL"]
    # (event, user) is unique: the join adds at most the viewer's own RSVP to each event.
    return (
        f"LEFT JOIN {_PARTICIPATIONS} mine ON mine.event_id = e.id AND mine.user_id = %(viewer)s",
        "mine.status",
        [
            "(e.visibility = %(public)s OR e.organizer_id = %(viewer)s OR mine.id IS NOT NULL)",
            "(e.removed_at IS NULL OR e.organizer_id = %(viewer)s)",
        ],
    )


def event_record_get(*, event_id: UUID, viewer_id: UUID | None) -> EventRecord:
    """`event_get` for showing the event: the same rule, read in SQL into an `EventRecord`.

    Raises:
        EventNotFound: no such event, or a private one the viewer may not see.
    """
    joins, my_status, where = event_visibility_sql(viewer_id)
    sql = (
        f"SELECT {_RECORD_COLUMNS}, {my_status}, NULL::float8"  # noqa: S608 - constants only
        f" FROM {_EVENTS} e JOIN {_USERS} u ON u.id = e.organizer_id {joins}"
        f" WHERE e.id = %(event)s AND {' AND '.join(where)}"
    )
    params = {"event": event_id, "viewer": viewer_id, "public": EventVisibility.PUBLIC}
    with records_cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        raise EventNotFound()
    return _record(row)


def _iso_sql(column: str) -> str:
    """A `timestamptz` column as the API writes it: ISO 8601 in UTC, six digits of microseconds
    only when there are some, and `Z` (Python's `isoformat()` with `+00:00` written `Z`, as DRF
    does). PostgreSQL's own JSON form would drop the trailing zeros of the microseconds."""
    utc = f"({column} AT TIME ZONE 'UTC')"
    return (
        f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS')"
        f" || CASE WHEN mod(extract(microseconds FROM {column})::bigint, 1000000) = 0 THEN ''"
        f" ELSE to_char({utc}, '.US') END || 'Z'"
    )


# An event of a search page as the API shows it (the event service's `EventOutputSerializer`),
# built by PostgreSQL. Two fields are finished in Python (`_finish_json`): the organizer's
# display name, from its columns, and the distance, rounded as the serializer rounds it.
_EVENT_JSON = f"""json_build_object(
    'id', e.id, 'title', e.title, 'description', e.description, 'event_type', e.event_type,
    'starts_at', {_iso_sql("e.starts_at")}, 'ends_at', {_iso_sql("e.ends_at")},
    'venue_name', e.venue_name, 'address', e.address,
    'location', json_build_object(
        'lat', ST_Y(e.location::geometry), 'lng', ST_X(e.location::geometry)),
    'capacity', e.capacity, 'visibility', e.visibility, 'status', e.status,
    'cancelled_at', {_iso_sql("e.cancelled_at")}, 'removed_at', {_iso_sql("e.removed_at")},
    'removal_reason', e.removal_reason,
    'organizer', json_build_array({UserSummary.columns("u")}),
    'going_count', e.going_count, 'interested_count', e.interested_count,
    'waitlist_count', e.waitlist_count, 'my_status', page.my_status,
    'distance_km', page.distance_m,
    'created_at', {_iso_sql("e.created_at")}, 'updated_at', {_iso_sql("e.updated_at")})"""


def event_search_query(
    *,
    viewer_id: UUID | None,
    filters: EventFilters,
    now: datetime,
    offset: int,
    limit: int,
    as_json: bool = False,
) -> tuple[str, dict[str, Any]]:
    """The SQL of `event_search` and its parameters (also for EXPLAIN in tests and benchmarks).

    `as_json`: the SQL of `event_search_json`, one row of the page as a JSON array, and the total.
    Every fragment is a constant of this module; every value a client gave is a parameter.
    """
    params: dict[str, Any] = {
        "viewer": viewer_id,
        "now": now,
        "public": EventVisibility.PUBLIC,
        "scheduled": EventStatus.SCHEDULED,
        "offset": offset,
        "limit": limit,
    }
    joins, my_status, where = event_visibility_sql(viewer_id)
    if not filters.include_cancelled:
        where.append("e.status = %(scheduled)s")
    if not filters.include_past:
        where.append("e.ends_at > %(now)s")
    if filters.event_types:
        where.append("e.event_type = ANY(%(event_types)s)")
        params["event_types"] = list(filters.event_types)
    if filters.starts_after is not None:
        where.append("e.starts_at >= %(starts_after)s")
        params["starts_after"] = filters.starts_after
    if filters.starts_before is not None:
        where.append("e.starts_at <= %(starts_before)s")
        params["starts_before"] = filters.starts_before
    if filters.organizer_id is not None:
        where.append("e.organizer_id = %(organizer)s")
        params["organizer"] = filters.organizer_id
    if filters.my_statuses:
        where.append("mine.status = ANY(%(my_statuses)s)")
        params["my_statuses"] = list(filters.my_statuses)
    if filters.bbox is not None:
        # The same cast as the geometry index `events_event_location_geom_gist`.
        where.append(
            "e.location::geometry(Point, 4326)"
            " && ST_MakeEnvelope(%(min_lng)s, %(min_lat)s, %(max_lng)s, %(max_lat)s, 4326)"
        )
        box = filters.bbox
        params.update(
            min_lng=box.min_lng, min_lat=box.min_lat, max_lng=box.max_lng, max_lat=box.max_lat
        )
    order = []
    rank = "NULL::real"
    if filters.q.strip():
        where.append("e.search_vector @@ websearch_to_tsquery(%(config)s, %(q)s)")
        rank = "ts_rank(e.search_vector, websearch_to_tsquery(%(config)s, %(q)s))"
        params.update(config=SEARCH_CONFIG, q=filters.q)
        order.append("rank DESC")
    distance = "NULL::float8"
    if filters.near is not None:
        point = "ST_SetSRID(ST_MakePoint(%(lng)s, %(lat)s), 4326)::geography"
        where.append(f"ST_DWithin(e.location, {point}, %(radius_m)s)")
        distance = f"ST_Distance(e.location, {point})"
        params.update(lat=filters.near.lat, lng=filters.near.lng)
        params["radius_m"] = filters.near.radius_km * 1000
        order.append("distance_m")
    order += ["starts_at", "id"]
    # The page is chosen and counted on narrow rows; only its own rows are then read whole
    # (`count(*) OVER ()` makes every match pass the window, not just the page's).
    page = (
        f"SELECT e.id, e.starts_at, {my_status} AS my_status, {distance} AS distance_m,"  # noqa: S608 - constants only
        f" {rank} AS rank, count(*) OVER () AS total FROM {_EVENTS} e {joins}"
        f" WHERE {' AND '.join(where)}"
        f" ORDER BY {', '.join(order)} LIMIT %(limit)s OFFSET %(offset)s"
    )
    joined = (
        f" FROM ({page}) page JOIN {_EVENTS} e ON e.id = page.id"
        f" JOIN {_USERS} u ON u.id = e.organizer_id"
    )
    page_order = ", ".join("page." + key for key in order)
    if as_json:
        return (
            f"SELECT json_agg({_EVENT_JSON} ORDER BY {page_order})::text, max(page.total){joined}",
            params,
        )
    sql = (
        f"SELECT {_RECORD_COLUMNS}, page.my_status, page.distance_m, page.rank, page.total"
        f"{joined} ORDER BY {page_order}"
    )
    return sql, params


def event_search(
    *,
    viewer_id: UUID | None,
    filters: EventFilters | None = None,
    now: datetime | None = None,
    offset: int = 0,
    limit: int = 20,
) -> EventSearchPage:
    """Return `limit` of the events the viewer may see that match `filters`, best first, and
    how many match in all, in one query.

    Order: by text rank when `q` is given, then by distance when `near` is given, then by
    start time. Past events (ended before `now`) and cancelled ones are left out unless asked
    for. `near` and `bbox` filter through the GiST indexes on `location`; `q` through the GIN
    index on the search vector. Each event carries `my_status`, and `distance_km` when `near`.

    Written in SQL rather than built with the ORM: building and compiling the queryset and
    making the model instances took most of a discovery request's time
    (`bench/bench_nearby.py`). A page past the end has no rows and, so, no total (0).
    """
    query = _search(viewer_id, filters, now, offset, limit, as_json=False)
    if query is None:
        return EventSearchPage(total=0, events=[])
    sql, params = query
    with records_cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return EventSearchPage(total=rows[0][-1] if rows else 0, events=[_record(row) for row in rows])


def event_search_json(
    *,
    viewer_id: UUID | None,
    filters: EventFilters | None = None,
    now: datetime | None = None,
    offset: int = 0,
    limit: int = 20,
) -> tuple[int, list[dict[str, Any]]]:
    """`event_search`, each event already as the API shows it: (total, the page's events).

    The page is built as JSON by PostgreSQL and read with orjson: a discovery page of 50 events
    spent about half of its service CPU making an `EventRecord` and then a dict of each row
    (`bench/endpoint_cpu.py`). `test_event_search_json_is_the_output_of_the_records` keeps the
    two equal, field by field.
    """
    query = _search(viewer_id, filters, now, offset, limit, as_json=True)
    if query is None:
        return 0, []
    sql, params = query
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        page, total = cursor.fetchone()
    if page is None:
        return 0, []
    events = orjson.loads(page)
    for event in events:
        user_id, username, first_name, last_name, override, deleted_at = event["organizer"]
        event["organizer"] = {
            "id": user_id,
            "username": username,
            "display_name": display_name_of(
                username=username,
                first_name=first_name,
                last_name=last_name,
                override=override,
                deleted_at=deleted_at,
            ),
        }
        distance_m = event["distance_km"]
        event["distance_km"] = None if distance_m is None else round(distance_m / 1000, 3)
    return total, events


def _search(
    viewer_id: UUID | None,
    filters: EventFilters | None,
    now: datetime | None,
    offset: int,
    limit: int,
    *,
    as_json: bool,
) -> tuple[str, dict[str, Any]] | None:
    """The query of a search, or None when it cannot match (`mine` asked by nobody)."""
    filters = filters or EventFilters()
    if filters.my_statuses and viewer_id is None:
        return None
    return event_search_query(
        viewer_id=viewer_id,
        filters=filters,
        now=now or timezone.now(),
        offset=offset,
        limit=limit,
        as_json=as_json,
    )


def _record(row: tuple[Any, ...]) -> EventRecord:
    """An `EventRecord` from a row of `_RECORD_COLUMNS`, `my_status` and the distance in metres."""
    # An inner join: an event always has its organizer (PROTECT), so never None.
    organizer = cast(UserSummary, UserSummary.from_columns(row[21:27]))
    my_status, distance_m = row[27:29]
    return EventRecord(
        *row[:21],
        organizer=organizer,
        my_status=my_status,
        distance_km=None if distance_m is None else distance_m / 1000,
    )


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


# --- Places (the venue search, #15) ---

PLACE_SEARCH_LIMIT = 10


def place_search(
    *, q: str, near: Point | None = None, limit: int = PLACE_SEARCH_LIMIT
) -> list[Place]:
    """The places whose name or address matches `q`, best first, at most `limit`.

    A match is a word similarity (pg_trgm's `%>`, at least 0.6) of `q` to the name or the
    address: a prefix as typed ("kaivo"), a word inside ("esplanadi"), or a small typo. Both
    conditions are served by the trigram indexes, in one query. Ranked: names that start with
    `q` first, then by similarity in steps of 0.1, then (given `near`) by distance, then by
    name.
    """
    text = q.strip()
    similarity = Greatest(
        TrigramWordSimilarity(text, "name"), TrigramWordSimilarity(text, "address")
    )
    # The lookups themselves: `name__trigram_word_similar` needs django.contrib.postgres
    # installed in every service for no other use.
    places = Place.objects.filter(
        Q(TrigramWordSimilar(F("name"), Value(text)))
        | Q(TrigramWordSimilar(F("address"), Value(text)))
    ).annotate(
        name_starts=ExpressionWrapper(Q(name__istartswith=text), output_field=BooleanField()),
        similarity_step=Round(similarity, 1),
    )
    order: list[Any] = [F("name_starts").desc(), F("similarity_step").desc()]
    if near is not None:
        places = places.annotate(distance=Distance("location", near))
        order.append(F("distance").asc())
    return list(places.order_by(*order, "name", "id")[:limit])
