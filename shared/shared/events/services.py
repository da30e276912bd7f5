"""Writes on events: create, update, cancel, and RSVPs with a capacity and a waitlist; and
the places an event can be at, mirrored from an OpenStreetMap extract.

Every write that touches an event's participants first locks the event row
(`SELECT ... FOR UPDATE`), then its participations: one lock order everywhere, and the
counters and the capacity check read under the lock are the truth.

The organizer counts as going. `event_create` makes them the first participant (status
going), so they hold one seat of the capacity (a table for six is six people with the host)
and head the participant list. They cannot leave or change their RSVP: they cancel the event.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from shared.events.errors import (
    CapacityBelowGoing,
    EventAlreadyRemoved,
    EventCancelled,
    EventEnded,
    EventFull,
    EventNotFound,
    EventRemoved,
    FieldNotUpdatable,
    NotEventOrganizer,
    NotParticipating,
    OrganizerCannotLeave,
)
from shared.events.models import (
    EVENT_MAX_LEAD_TIME,
    WAITLIST_ORDER,
    Event,
    EventStatus,
    EventVisibility,
    Participation,
    ParticipationStatus,
    Place,
)
from shared.events.osm import PlaceData
from shared.events.selectors import event_get, participation_waitlist_position
from shared.messaging import schemas as domain_events
from shared.messaging.outbox import outbox_enqueue
from shared.metrics import EVENTS_CREATED

logger = logging.getLogger(__name__)

EVENT_UPDATABLE_FIELDS = frozenset(
    {
        "title",
        "description",
        "event_type",
        "starts_at",
        "ends_at",
        "venue_name",
        "address",
        "location",
        "capacity",
        "visibility",
    }
)

REMOVAL_REASON_MAX_LENGTH = 500

_COUNTER_OF_STATUS = {
    ParticipationStatus.GOING: "going_count",
    ParticipationStatus.INTERESTED: "interested_count",
    ParticipationStatus.WAITLISTED: "waitlist_count",
}
_COUNTERS = list(_COUNTER_OF_STATUS.values())
# The changes that participants are told about (they change where or when to be there).
NOTIFIED_CHANGES = frozenset({"title", "starts_at", "ends_at", "venue_name", "address", "location"})


@transaction.atomic
def event_create(
    *,
    organizer_id: UUID,
    title: str,
    event_type: str,
    starts_at: datetime,
    ends_at: datetime,
    location: Point,
    description: str = "",
    venue_name: str = "",
    address: str = "",
    capacity: int | None = None,
    visibility: str = EventVisibility.PUBLIC,
    now: datetime | None = None,
) -> Event:
    """Create a scheduled event with its organizer as the first participant, going.

    Raises:
        ValidationError: a field is invalid, the times are naive or out of order, the event
            starts in the past or more than `EVENT_MAX_LEAD_TIME` ahead, or lasts longer
            than `EVENT_MAX_DURATION`.
    Side effects:
        increments `events_created_total` once the transaction commits.
    """
    _require_aware(starts_at=starts_at, ends_at=ends_at)
    _require_start_within_bounds(starts_at, now or timezone.now())
    event = Event(
        organizer_id=organizer_id,
        title=title,
        event_type=event_type,
        starts_at=starts_at,
        ends_at=ends_at,
        location=location,
        description=description,
        venue_name=venue_name,
        address=address,
        capacity=capacity,
        visibility=visibility,
        going_count=1,
    )
    event.full_clean()
    event.save()
    Participation.objects.create(
        event=event, user_id=organizer_id, status=ParticipationStatus.GOING
    )
    transaction.on_commit(EVENTS_CREATED.inc)
    return event_get(event_id=event.id, viewer_id=organizer_id)


@transaction.atomic
def event_update(
    *,
    event_id: UUID,
    actor_id: UUID,
    data: Mapping[str, Any],
    now: datetime | None = None,
) -> Event:
    """Change the whitelisted fields of a scheduled event; only its organizer may.

    A larger capacity gives seats to the waitlist at once, in queue order.

    Raises:
        FieldNotUpdatable: `data` names a field outside `EVENT_UPDATABLE_FIELDS`.
        EventNotFound: no such event, or a private one the actor may not see.
        NotEventOrganizer: the actor is not the organizer.
        EventRemoved: a moderator removed the event.
        EventCancelled: the event is cancelled.
        CapacityBelowGoing: the new capacity is below the number of people going.
        ValidationError: a field is invalid, a changed start is in the past or more than
            `EVENT_MAX_LEAD_TIME` ahead, or the event would last longer than
            `EVENT_MAX_DURATION`.
    Side effects:
        promotes waitlisted participants when seats were added.
    """
    refused = sorted(set(data) - EVENT_UPDATABLE_FIELDS)
    if refused:
        raise FieldNotUpdatable(
            fields={name: ["This field cannot be changed."] for name in refused}
        )
    now = now or timezone.now()
    event = event_lock_for_write(event_id=event_id, viewer_id=actor_id)
    _require_organizer(event, actor_id)
    if event.is_removed:
        raise EventRemoved()
    if event.is_cancelled:
        raise EventCancelled()
    changed = [name for name, value in data.items() if getattr(event, name) != value]
    if "starts_at" in changed or "ends_at" in changed:
        _require_aware(
            starts_at=data.get("starts_at", event.starts_at),
            ends_at=data.get("ends_at", event.ends_at),
        )
    if "starts_at" in changed:
        _require_start_within_bounds(data["starts_at"], now)
    capacity = data.get("capacity", event.capacity)
    if capacity is not None and 1 <= capacity < event.going_count:
        raise CapacityBelowGoing(fields={"capacity": [f"{event.going_count} people are going."]})
    if changed:
        for name in changed:
            setattr(event, name, data[name])
        event.full_clean()
        event.save(update_fields=[*changed, "updated_at"])
        _promote_waitlisted(event, now)
        told = sorted(set(changed) & NOTIFIED_CHANGES)
        if told:
            outbox_enqueue(
                event=domain_events.EventChanged(calendar_event_id=event.id, changed=tuple(told))
            )
    return event_get(event_id=event.id, viewer_id=actor_id)


@transaction.atomic
def event_cancel(*, event_id: UUID, actor_id: UUID, now: datetime | None = None) -> Event:
    """Cancel the event (soft: it stays, with its participants); cancelling twice is a no-op.

    Raises:
        EventNotFound: no such event, or a private one the actor may not see.
        NotEventOrganizer: the actor is not the organizer.
    """
    event = event_lock_for_write(event_id=event_id, viewer_id=actor_id)
    _require_organizer(event, actor_id)
    if not event.is_cancelled:
        event.status = EventStatus.CANCELLED
        event.cancelled_at = now or timezone.now()
        event.save(update_fields=["status", "cancelled_at", "updated_at"])
        outbox_enqueue(event=domain_events.EventCancelled(calendar_event_id=event.id))
    return event_get(event_id=event.id, viewer_id=actor_id)


@transaction.atomic
def event_join(
    *,
    event_id: UUID,
    user_id: UUID,
    status: str,
    now: datetime | None = None,
) -> tuple[Participation, bool]:
    """RSVP to an event, or change one's RSVP; return the participation and whether it is new.

    `going` takes a free seat or fails with `EventFull`. `waitlisted` takes a free seat when
    there is one, else queues behind those already waiting (a user already going keeps the
    seat, one already waiting keeps the place). `interested` holds no seat. Leaving `going`
    hands the seat to the first in the queue in the same transaction. Asking for the status
    one has is a no-op.

    Raises:
        EventNotFound: no such event, or a private one the user may not see.
        EventCancelled, EventEnded: the event is cancelled or over.
        EventFull: `going` was asked and no seat is free.
        OrganizerCannotLeave: the organizer asked for anything but `going`.
    Side effects:
        promotes waitlisted participants when a seat was given up.
    """
    now = now or timezone.now()
    if status not in ParticipationStatus.values:
        raise ValidationError(
            {"status": [f"Choose one of {', '.join(ParticipationStatus.values)}."]}
        )
    requested = ParticipationStatus(status)
    event, participation = _lock_rsvp(event_id=event_id, user_id=user_id)
    if event.is_cancelled:
        raise EventCancelled()
    if event.has_ended_at(now):
        raise EventEnded()
    if event.organizer_id == user_id and requested != ParticipationStatus.GOING:
        raise OrganizerCannotLeave()
    current = ParticipationStatus(participation.status) if participation else None
    target = _resolve_status(event, requested=requested, current=current)
    created = participation is None
    if participation is None:
        participation = Participation(event=event, user_id=user_id, status=target)
        participation.waitlisted_at = now if target == ParticipationStatus.WAITLISTED else None
        # The fields' own checks only: the event is locked and the user is the caller, and
        # PostgreSQL enforces the constraints; full_clean would add four queries (both keys,
        # the uniqueness, the status check) while the event's row stays locked.
        participation.clean_fields(exclude=["event", "user"])
        participation.save(force_insert=True)
        _shift_counters(event, add=target)
    elif target != current:
        participation.status = target
        participation.waitlisted_at = now if target == ParticipationStatus.WAITLISTED else None
        participation.save(update_fields=["status", "waitlisted_at", "updated_at"])
        _shift_counters(event, remove=current, add=target)
        if current == ParticipationStatus.GOING:
            _promote_waitlisted(event, now)
    participation.waitlist_position = participation_waitlist_position(  # type: ignore[attr-defined]
        participation=participation
    )
    return participation, created


@transaction.atomic
def event_leave(*, event_id: UUID, user_id: UUID, now: datetime | None = None) -> None:
    """Withdraw the user's RSVP; a seat given up goes to the first in the waitlist.

    An event removed by moderation can still be left by its participants (an account being
    erased leaves every event it takes part in).

    Raises:
        EventNotFound: no such event, or a private one the user may not see.
        OrganizerCannotLeave: the user organises the event.
        NotParticipating: the user has no RSVP to this event.
    Side effects:
        promotes the first waitlisted participant when a seat was given up.
    """
    event, participation = _lock_rsvp(event_id=event_id, user_id=user_id, include_removed=True)
    if event.organizer_id == user_id:
        raise OrganizerCannotLeave()
    if participation is None:
        raise NotParticipating()
    status = ParticipationStatus(participation.status)
    participation.delete()
    _shift_counters(event, remove=status)
    if status == ParticipationStatus.GOING:
        _promote_waitlisted(event, now or timezone.now())


@transaction.atomic
def event_remove(*, event_id: UUID, reason: str, now: datetime | None = None) -> Event:
    """Take an event down (soft): only its organizer still sees it, with the reason.

    For the moderation app, which checks the moderator and writes the audit log; nobody else
    calls it. The event keeps its RSVPs and status, so nothing is lost if it is put back.

    Raises:
        EventNotFound: no such event.
        EventAlreadyRemoved: the event was already removed.
        ValidationError: the reason is empty or longer than 500 characters.
    """
    event = Event.objects.select_for_update().filter(id=event_id).first()
    if event is None:
        raise EventNotFound()
    if event.is_removed:
        raise EventAlreadyRemoved()
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["Say why the event is removed."]})
    if len(reason) > REMOVAL_REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": [
                    f"Ensure this field has no more than {REMOVAL_REASON_MAX_LENGTH} characters."
                ]
            }
        )
    event.removed_at = now or timezone.now()
    event.removal_reason = reason
    event.save(update_fields=["removed_at", "removal_reason", "updated_at"])
    return event


def event_lock_for_write(*, event_id: UUID, viewer_id: UUID) -> Event:
    """Lock the event for a write by `viewer_id` (theirs, or a crew for it), if they may see it.

    FOR NO KEY UPDATE: the writers change counters and details, never the key, so the rows that
    point at the event (an RSVP, a crew) can still be inserted while it is locked.

    Read by key, with the visibility rule in Python (ADR 0011): the rule's SQL (an EXISTS and
    two ORs, planned anew each time) cost PostgreSQL 1.5 ms a write under load. The viewer's
    RSVP is looked for only when the event is hidden from them without one.

    Raises:
        EventNotFound: no such event, or one the viewer may not see.
    """
    event = _lock_by_key(event_id)
    if not event.is_visible_to(viewer_id, takes_part=False):
        takes_part = Participation.objects.filter(event=event, user_id=viewer_id).exists()
        if not event.is_visible_to(viewer_id, takes_part=takes_part):
            raise EventNotFound()
    return event


def _lock_by_key(event_id: UUID) -> Event:
    """The event, locked as `event_lock_for_write` says; EventNotFound when there is none."""
    event = (
        Event.objects.select_for_update(no_key=True)
        .defer("search_vector")
        .filter(id=event_id)
        .first()
    )
    if event is None:
        raise EventNotFound()
    return event


def _lock_rsvp(
    *, event_id: UUID, user_id: UUID, include_removed: bool = False
) -> tuple[Event, Participation | None]:
    """Lock the event (as `event_lock_for_write`) and the user's RSVP to it (if any), when the
    user may see the event; both by key, the rule in Python."""
    event = _lock_by_key(event_id)
    participation = (
        Participation.objects.select_for_update().filter(event=event, user_id=user_id).first()
    )
    takes_part = participation is not None
    if not event.is_visible_to(user_id, takes_part=takes_part, include_removed=include_removed):
        raise EventNotFound()
    return event, participation


def _require_organizer(event: Event, actor_id: UUID) -> None:
    if event.organizer_id != actor_id:
        raise NotEventOrganizer()


def _require_aware(*, starts_at: datetime, ends_at: datetime) -> None:
    errors = {
        name: ["Give a time zone (e.g. 2025-06-01T20:00:00+02:00)."]
        for name, value in (("starts_at", starts_at), ("ends_at", ends_at))
        if timezone.is_naive(value)
    }
    if errors:
        raise ValidationError(errors)


def _require_start_within_bounds(starts_at: datetime, now: datetime) -> None:
    if starts_at <= now:
        raise ValidationError({"starts_at": ["The event must start in the future."]})
    if starts_at > now + EVENT_MAX_LEAD_TIME:
        raise ValidationError(
            {"starts_at": [f"An event starts at most {EVENT_MAX_LEAD_TIME.days} days ahead."]}
        )


def _resolve_status(
    event: Event, *, requested: ParticipationStatus, current: ParticipationStatus | None
) -> ParticipationStatus:
    """The status a request ends in, given the seats free now."""
    if requested == ParticipationStatus.INTERESTED:
        return requested
    if current == ParticipationStatus.GOING:
        return current
    if requested == ParticipationStatus.WAITLISTED and current == ParticipationStatus.WAITLISTED:
        return current
    if event.has_free_seat():
        return ParticipationStatus.GOING
    if requested == ParticipationStatus.GOING:
        raise EventFull()
    return ParticipationStatus.WAITLISTED


def _shift_counters(
    event: Event,
    *,
    add: ParticipationStatus | None = None,
    remove: ParticipationStatus | None = None,
    by: int = 1,
) -> None:
    changes: dict[str, Any] = {}
    if remove is not None:
        changes[_COUNTER_OF_STATUS[remove]] = F(_COUNTER_OF_STATUS[remove]) - by
    if add is not None:
        changes[_COUNTER_OF_STATUS[add]] = F(_COUNTER_OF_STATUS[add]) + by
    Event.objects.filter(id=event.id).update(**changes)
    event.refresh_from_db(fields=_COUNTERS)


def _promote_waitlisted(event: Event, now: datetime) -> list[UUID]:
    """Give every free seat to the waitlist, first in line first; return who got one."""
    if event.is_cancelled or event.has_ended_at(now) or event.waitlist_count == 0:
        return []
    if not event.has_free_seat():
        return []
    queue = (
        Participation.objects.select_for_update()
        .filter(event=event, status=ParticipationStatus.WAITLISTED)
        .order_by(*WAITLIST_ORDER)
    )
    if event.capacity is not None:
        queue = queue[: event.capacity - event.going_count]
    promoted_rows = list(queue.values_list("id", "user_id"))
    promoted = [participation_id for participation_id, _ in promoted_rows]
    Participation.objects.filter(id__in=promoted).update(
        status=ParticipationStatus.GOING, waitlisted_at=None, updated_at=now
    )
    _shift_counters(
        event,
        remove=ParticipationStatus.WAITLISTED,
        add=ParticipationStatus.GOING,
        by=len(promoted),
    )
    for _, user_id in promoted_rows:
        outbox_enqueue(
            event=domain_events.WaitlistPromoted(calendar_event_id=event.id, user_id=user_id)
        )
    logger.info("waitlist promoted", extra={"event_id": str(event.id), "promoted": len(promoted)})
    return promoted


# --- Places (the venue search, #15) ---


@dataclass(frozen=True)
class PlaceSyncResult:
    """What `place_sync` did: how many places it made, changed, removed and left alone."""

    created: int
    updated: int
    removed: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


PLACE_SYNC_BATCH_SIZE = 2000


@transaction.atomic
def place_sync(*, places: Iterable[PlaceData]) -> PlaceSyncResult:
    """Make the stored places exactly `places`, keyed by OSM type and id.

    A new place is created, a changed one updated in place (its id, which clients hold,
    stays), one no longer given is deleted, and an unchanged one is not written at all: a
    second sync of the same places changes nothing. One transaction: searches see the old
    set or the new one, never half of each; a second sync at the same time waits.

    The places come from `shared.events.osm.read_places`, which bounds their fields; the
    database's constraints check the rest, so there is no `full_clean()` for each of the
    many rows of a region.
    """
    with connection.cursor() as cursor:
        # Blocks another sync (and any write) until commit; searches read on.
        cursor.execute(f"LOCK TABLE {Place._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
    wanted = {(place.osm_type, place.osm_id): place for place in places}
    now = timezone.now()
    to_create: list[Place] = []
    to_update: list[Place] = []
    gone: list[UUID] = []
    unchanged = 0
    stored = Place.objects.only("osm_type", "osm_id", "name", "kind", "address", "location")
    for row in stored.iterator(chunk_size=PLACE_SYNC_BATCH_SIZE):
        place = wanted.pop((row.osm_type, row.osm_id), None)
        if place is None:
            gone.append(row.id)
        elif _place_fields(row) == _place_data_fields(place):
            unchanged += 1
        else:
            row.name, row.kind, row.address = place.name, place.kind, place.address
            row.location = Point(place.lng, place.lat, srid=4326)
            row.updated_at = now
            to_update.append(row)
    for place in wanted.values():
        to_create.append(
            Place(
                osm_type=place.osm_type,
                osm_id=place.osm_id,
                name=place.name,
                kind=place.kind,
                address=place.address,
                location=Point(place.lng, place.lat, srid=4326),
            )
        )
    Place.objects.bulk_create(to_create, batch_size=PLACE_SYNC_BATCH_SIZE)
    Place.objects.bulk_update(
        to_update,
        ["name", "kind", "address", "location", "updated_at"],
        batch_size=PLACE_SYNC_BATCH_SIZE,
    )
    for start in range(0, len(gone), PLACE_SYNC_BATCH_SIZE):
        Place.objects.filter(id__in=gone[start : start + PLACE_SYNC_BATCH_SIZE]).delete()
    result = PlaceSyncResult(
        created=len(to_create), updated=len(to_update), removed=len(gone), unchanged=unchanged
    )
    logger.info("places synced", extra={"result": result.__dict__})
    return result


def _place_fields(row: Place) -> tuple[str, str, str, float, float]:
    return (row.name, row.kind, row.address, round(row.location.x, 7), round(row.location.y, 7))


def _place_data_fields(place: PlaceData) -> tuple[str, str, str, float, float]:
    return (place.name, place.kind, place.address, round(place.lng, 7), round(place.lat, 7))
