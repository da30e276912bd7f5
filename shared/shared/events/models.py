"""Events on the map and the people who RSVP to them."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GinIndex, GistIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Cast

from shared.core.models import BaseModel

if TYPE_CHECKING:
    from datetime import datetime

# One text-search configuration for the stored vector and every query; they must agree,
# and naming it makes `to_tsvector` immutable, which a generated column requires.
SEARCH_CONFIG = "english"

# The same geometry cast in the bounding-box index and in the query that should use it.
LOCATION_AS_GEOMETRY = Cast("location", output_field=models.PointField(srid=4326))

# Queue order of the waitlist, the same for positions, listings and promotion.
WAITLIST_ORDER = ("waitlisted_at", "created_at", "id")

# The bounds of an event's dates. CrewUp's events are nights out, matches, festivals and
# trips: an event that lasts months or starts decades ahead is a typo or abuse, and it would
# sit on the map (and in every search of its dates) all that time.
EVENT_MAX_DURATION = timedelta(days=14)
"""The longest an event may last, from start to end: a two-week festival or trip; exactly
14 days is allowed. Checked by `Event.clean`, so on every create and update."""

EVENT_MAX_LEAD_TIME = timedelta(days=2 * 365)
"""How far ahead of now an event may start (730 days; exactly that is allowed): far enough for
next year's festival. Checked by the event services when a start is set."""


class EventType(models.TextChoices):
    BAR = "bar", "Bar"
    CLUB = "club", "Club"
    CONCERT = "concert", "Concert"
    PARTY = "party", "Party"
    RESTAURANT = "restaurant", "Restaurant"
    OUTDOOR = "outdoor", "Outdoor"
    SPORTS = "sports", "Sports"
    OTHER = "other", "Other"


class EventVisibility(models.TextChoices):
    PUBLIC = "public", "Public"
    PRIVATE = "private", "Private"


class EventStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    CANCELLED = "cancelled", "Cancelled"


class ParticipationStatus(models.TextChoices):
    GOING = "going", "Going"
    INTERESTED = "interested", "Interested"
    WAITLISTED = "waitlisted", "Waitlisted"


class EventQuerySet(models.QuerySet["Event"]):
    def visible_to(self, viewer_id: UUID | None, *, include_removed: bool = False) -> EventQuerySet:
        """Public events, and private ones the viewer organises or takes part in.

        An event removed by moderation stays visible to its organizer only (who sees that and
        why); `include_removed` keeps it for its participants too, for the writes that must
        still reach it (leaving it).
        """
        public = Q(visibility=EventVisibility.PUBLIC)
        if viewer_id is None:
            return self.filter(public, removed_at__isnull=True)
        takes_part = Exists(
            Participation.objects.filter(event_id=OuterRef("pk"), user_id=viewer_id)
        )
        events = self.filter(public | Q(organizer_id=viewer_id) | takes_part)
        if include_removed:
            return events
        return events.filter(Q(removed_at__isnull=True) | Q(organizer_id=viewer_id))

    def scheduled(self) -> EventQuerySet:
        return self.filter(status=EventStatus.SCHEDULED)


class Event(BaseModel):
    """Something to go out to, at a place and a time, organised by one user."""

    title = models.CharField(max_length=200)
    # A TextField's max_length is not validated by the model; the validator is.
    description = models.TextField(
        max_length=5000, blank=True, validators=[MaxLengthValidator(5000)]
    )
    event_type = models.CharField(max_length=20, choices=EventType.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    venue_name = models.CharField(max_length=200, blank=True)
    address = models.CharField(max_length=300, blank=True)
    # Geography: distances and radii in metres on the spheroid, right at Luleå's latitude too.
    location = models.PointField(geography=True, srid=4326, spatial_index=False)
    capacity = models.PositiveIntegerField(null=True, blank=True, validators=[MinValueValidator(1)])
    visibility = models.CharField(
        max_length=10, choices=EventVisibility.choices, default=EventVisibility.PUBLIC
    )
    status = models.CharField(
        max_length=10, choices=EventStatus.choices, default=EventStatus.SCHEDULED
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    organizer = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="organized_events"
    )
    # Taken down by moderation (soft): hidden from everyone but the organizer, who sees why.
    # Written only by `event_remove`, which the moderation service calls.
    removed_at = models.DateTimeField(null=True, blank=True)
    removal_reason = models.CharField(max_length=500, blank=True, db_default="")
    # Kept by the services under the event's row lock; never written from outside them.
    going_count = models.PositiveIntegerField(default=0, editable=False)
    interested_count = models.PositiveIntegerField(default=0, editable=False)
    waitlist_count = models.PositiveIntegerField(default=0, editable=False)
    search_vector = models.GeneratedField(
        expression=(
            SearchVector("title", weight="A", config=SEARCH_CONFIG)
            + SearchVector("venue_name", weight="B", config=SEARCH_CONFIG)
            + SearchVector("description", weight="C", config=SEARCH_CONFIG)
        ),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            GistIndex(fields=["location"], name="events_event_location_gist"),
            GistIndex(LOCATION_AS_GEOMETRY, name="events_event_location_geom_gist"),
            GinIndex(fields=["search_vector"], name="events_event_search_gin"),
            models.Index(fields=["status", "starts_at"], name="events_event_status_starts"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="events_event_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gte=1),
                name="events_event_capacity_positive",
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(going_count__lte=models.F("capacity")),
                name="events_event_going_within_capacity",
            ),
            models.CheckConstraint(
                condition=(Q(status=EventStatus.CANCELLED) & Q(cancelled_at__isnull=False))
                | (~Q(status=EventStatus.CANCELLED) & Q(cancelled_at__isnull=True)),
                name="events_event_cancelled_at_iff_cancelled",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = "The event must end after it starts."
        elif self.starts_at and self.ends_at and self.ends_at - self.starts_at > EVENT_MAX_DURATION:
            errors["ends_at"] = f"An event lasts at most {EVENT_MAX_DURATION.days} days."
        if self.location is not None:
            if not -90 <= self.location.y <= 90:
                errors["location"] = "Latitude must be between -90 and 90."
            elif not -180 <= self.location.x <= 180:
                errors["location"] = "Longitude must be between -180 and 180."
        if errors:
            raise ValidationError(errors)

    @property
    def lat(self) -> float:
        return self.location.y

    @property
    def lng(self) -> float:
        return self.location.x

    @property
    def is_cancelled(self) -> bool:
        return self.status == EventStatus.CANCELLED

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None

    def has_ended_at(self, moment: datetime) -> bool:
        return self.ends_at <= moment

    def is_visible_to(
        self, viewer_id: UUID | None, *, takes_part: bool, include_removed: bool = False
    ) -> bool:
        """`EventQuerySet.visible_to`'s rule, for an event already loaded (ADR 0011).

        `takes_part`: whether the viewer has a participation (any status) in it.
        `include_removed`: as for `visible_to` (a removed event, to signed-in viewers only).
        """
        if self.organizer_id == viewer_id:
            return True
        if self.is_removed and not (include_removed and viewer_id is not None):
            return False
        return self.visibility == EventVisibility.PUBLIC or (viewer_id is not None and takes_part)

    def has_free_seat(self) -> bool:
        return self.capacity is None or self.going_count < self.capacity


class Participation(BaseModel):
    """One user's RSVP to one event.

    The waitlist is ordered by `waitlisted_at`, the moment the user joined the queue (not the
    moment the row was made: someone interested for a week queues behind those already there).
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="participations")
    # PROTECT: removing a user must go through a service that leaves their events,
    # so the event counters stay true.
    user = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="participations"
    )
    status = models.CharField(max_length=10, choices=ParticipationStatus.choices)
    waitlisted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="events_participation_unique"),
            models.CheckConstraint(
                condition=(
                    Q(status=ParticipationStatus.WAITLISTED) & Q(waitlisted_at__isnull=False)
                )
                | (~Q(status=ParticipationStatus.WAITLISTED) & Q(waitlisted_at__isnull=True)),
                name="events_participation_waitlisted_at_iff_waitlisted",
            ),
        ]
        indexes = [
            models.Index(
                fields=["event", "waitlisted_at"],
                condition=Q(status=ParticipationStatus.WAITLISTED),
                name="events_participation_queue",
            ),
            models.Index(fields=["user", "status"], name="events_participation_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.status} {self.event_id}"


class OsmType(models.TextChoices):
    NODE = "node", "Node"
    WAY = "way", "Way"
    RELATION = "relation", "Relation"


class PlaceKind(models.TextChoices):
    """What a named place is: a venue to go out to, a street, or an address."""

    BAR = "bar", "Bar"
    PUB = "pub", "Pub"
    CAFE = "cafe", "Café"
    RESTAURANT = "restaurant", "Restaurant"
    NIGHTCLUB = "nightclub", "Nightclub"
    THEATRE = "theatre", "Theatre"
    CINEMA = "cinema", "Cinema"
    CONCERT_HALL = "concert_hall", "Concert hall"
    ARTS_CENTRE = "arts_centre", "Arts centre"
    SPORTS = "sports", "Sports venue"
    PARK = "park", "Park"
    SQUARE = "square", "Square"
    STREET = "street", "Street"
    ADDRESS = "address", "Address"


class Place(BaseModel):
    """A named place from OpenStreetMap that an event can be at (#15).

    Written only by `place_sync` (the `load_places` command), which mirrors an extract: the
    OSM type and id say which object a row came from, so a reload updates it in place.
    """

    osm_type = models.CharField(max_length=8, choices=OsmType.choices)
    osm_id = models.BigIntegerField()
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=PlaceKind.choices)
    # "Mannerheimintie 5, Helsinki", from the object's addr:* tags; blank where it has none.
    address = models.CharField(max_length=300, blank=True)
    # A way or an area is placed at its centroid; a street at the node nearest its middle.
    location = models.PointField(geography=True, srid=4326, spatial_index=False)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["osm_type", "osm_id"], name="events_place_osm_unique"),
        ]
        indexes = [
            GistIndex(fields=["location"], name="events_place_location_gist"),
            # Trigram indexes serve the search's `%>` (word similarity) and ILIKE alike.
            GinIndex(fields=["name"], opclasses=["gin_trgm_ops"], name="events_place_name_trgm"),
            GinIndex(
                fields=["address"], opclasses=["gin_trgm_ops"], name="events_place_address_trgm"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def lat(self) -> float:
        return self.location.y

    @property
    def lng(self) -> float:
        return self.location.x
