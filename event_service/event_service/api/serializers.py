"""What the event API accepts and returns.

Input serializers name only what a client may set: `id`, `organizer`, `status`, the
counters and the timestamps are not among their fields, so a client sending them is ignored.
"""

from __future__ import annotations

import math
from datetime import UTC
from typing import Any

import icalendar
from django.contrib.gis.geos import Point
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from shared.accounts.models import User
from shared.api.fields import AwareDateTimeField
from shared.api.representation import iso_datetime, user_summary
from shared.events.models import (
    Event,
    EventType,
    EventVisibility,
    Participation,
    ParticipationStatus,
    Place,
)
from shared.events.selectors import EventRecord

# Above any real venue, and far below the database's integer range.
MAX_CAPACITY = 100_000


class FiniteFloatField(serializers.FloatField):
    """A float that is a number: DRF's own accepts "nan" and "inf", which pass range checks."""

    def to_internal_value(self, data: Any) -> float:
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("invalid")
        return value


class LocationSerializer(serializers.Serializer):
    """A point as `{"lat": ..., "lng": ...}` in WGS 84 degrees."""

    lat = FiniteFloatField(min_value=-90, max_value=90)
    lng = FiniteFloatField(min_value=-180, max_value=180)

    def validate(self, attrs: dict[str, float]) -> Point:
        # A PATCH makes every field optional, a nested serializer's too; a point is still whole.
        missing = {
            name: [self.fields[name].error_messages["required"]]
            for name in ("lat", "lng")
            if name not in attrs
        }
        if missing:
            raise serializers.ValidationError(missing)
        return Point(attrs["lng"], attrs["lat"], srid=4326)

    def to_representation(self, instance: Point) -> dict[str, float]:
        return {"lat": instance.y, "lng": instance.x}


class EventCreateInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(
        max_length=5000, allow_blank=True, required=False, default=""
    )
    event_type = serializers.ChoiceField(choices=EventType.choices)
    starts_at = AwareDateTimeField()
    ends_at = AwareDateTimeField()
    venue_name = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    address = serializers.CharField(max_length=300, allow_blank=True, required=False, default="")
    location = LocationSerializer()
    capacity = serializers.IntegerField(
        min_value=1, max_value=MAX_CAPACITY, allow_null=True, required=False, default=None
    )
    visibility = serializers.ChoiceField(
        choices=EventVisibility.choices, required=False, default=EventVisibility.PUBLIC
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        starts_at, ends_at = attrs.get("starts_at"), attrs.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            raise serializers.ValidationError({"ends_at": ["The event must end after it starts."]})
        return attrs


class EventUpdateInputSerializer(EventCreateInputSerializer):
    """PUT sends every field (omitted optional ones go back to their defaults); PATCH some."""


class EventJoinInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=ParticipationStatus.choices, required=False, default=ParticipationStatus.GOING
    )


class UserOutputSerializer(serializers.ModelSerializer):
    """The public face of a user: no e-mail, no ban state."""

    class Meta:
        model = User
        fields = ["id", "username", "display_name"]
        read_only_fields = fields


class EventOutputSerializer(serializers.ModelSerializer):
    """An event as the API returns it.

    The fields below document the shape (OpenAPI); `to_representation` builds the same dict
    by hand, because DRF's field-by-field rendering was most of the time of a list page
    (`bench/bench_nearby.py`). `test_event_output_matches_its_declared_fields` keeps them equal.
    """

    location = LocationSerializer(read_only=True)
    organizer = UserOutputSerializer(read_only=True)
    my_status = serializers.SerializerMethodField()
    distance_km = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = [
            "id",
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
            "status",
            "cancelled_at",
            "removed_at",
            "removal_reason",
            "organizer",
            "going_count",
            "interested_count",
            "waitlist_count",
            "my_status",
            "distance_km",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, event: Event | EventRecord) -> dict[str, Any]:
        organizer = event.organizer
        return {
            "id": str(event.id),
            "title": event.title,
            "description": event.description,
            "event_type": event.event_type,
            "starts_at": iso_datetime(event.starts_at),
            "ends_at": iso_datetime(event.ends_at),
            "venue_name": event.venue_name,
            "address": event.address,
            "location": {"lat": event.lat, "lng": event.lng},
            "capacity": event.capacity,
            "visibility": event.visibility,
            "status": event.status,
            "cancelled_at": iso_datetime(event.cancelled_at),
            # Set only on an event a moderator removed, which only its organizer still sees.
            "removed_at": iso_datetime(event.removed_at),
            "removal_reason": event.removal_reason,
            "organizer": {
                "id": str(organizer.id),
                "username": organizer.username,
                "display_name": organizer.display_name,
            },
            "going_count": event.going_count,
            "interested_count": event.interested_count,
            "waitlist_count": event.waitlist_count,
            "my_status": self.get_my_status(event),
            "distance_km": self.get_distance_km(event),
            "created_at": iso_datetime(event.created_at),
            "updated_at": iso_datetime(event.updated_at),
        }

    @extend_schema_field(
        serializers.ChoiceField(choices=ParticipationStatus.choices, allow_null=True)
    )
    def get_my_status(self, event: Event | EventRecord) -> str | None:
        """The viewer's RSVP; null when signed out or not taking part."""
        return getattr(event, "my_status", None)

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_distance_km(self, event: Event | EventRecord) -> float | None:
        """Kilometres from the `lat`/`lng` asked for; null without them."""
        return _distance_km(event)


class EventGeoFeatureOutputSerializer(GeoFeatureModelSerializer):  # type: ignore[misc]  # untyped
    """An event of a discovery result as a GeoJSON Feature, with what a map pin shows.

    The fields document the shape; `to_representation` builds it from an `EventRecord`
    (`test_geojson_feature_matches_its_declared_fields` keeps the two equal).
    """

    distance_km = serializers.SerializerMethodField()

    class Meta:
        model = Event
        geo_field = "location"
        fields = [
            "id",
            "title",
            "event_type",
            "starts_at",
            "ends_at",
            "venue_name",
            "status",
            "visibility",
            "capacity",
            "going_count",
            "distance_km",
        ]
        read_only_fields = fields

    def to_representation(self, event: EventRecord) -> dict[str, Any]:
        return {
            "id": str(event.id),
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [event.lng, event.lat]},
            "properties": {
                "title": event.title,
                "event_type": event.event_type,
                "starts_at": iso_datetime(event.starts_at),
                "ends_at": iso_datetime(event.ends_at),
                "venue_name": event.venue_name,
                "status": event.status,
                "visibility": event.visibility,
                "capacity": event.capacity,
                "going_count": event.going_count,
                "distance_km": _distance_km(event),
            },
        }

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_distance_km(self, event: EventRecord) -> float | None:
        return _distance_km(event)


class ParticipationOutputSerializer(serializers.ModelSerializer):
    """An RSVP as the API returns it (an RSVP's answer, the participants' pages).

    Built by hand, as `EventOutputSerializer` is; the fields document the shape, and
    `test_participation_output_matches_its_declared_fields` keeps the two equal.
    """

    user = UserOutputSerializer(read_only=True)
    waitlist_position = serializers.SerializerMethodField()

    class Meta:
        model = Participation
        fields = ["id", "event_id", "user", "status", "waitlist_position", "created_at"]
        read_only_fields = fields

    def to_representation(self, participation: Participation) -> dict[str, Any]:
        return {
            "id": str(participation.id),
            "event_id": str(participation.event_id),
            "user": user_summary(participation.user),
            "status": participation.status,
            "waitlist_position": self.get_waitlist_position(participation),
            "created_at": iso_datetime(participation.created_at),
        }

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_waitlist_position(self, participation: Participation) -> int | None:
        """1 for the next to get a seat; null unless waitlisted."""
        if participation.status != ParticipationStatus.WAITLISTED:
            return None
        return getattr(participation, "waitlist_position", None)


class PlaceOutputSerializer(serializers.ModelSerializer):
    """A place an event can be at: a venue, a street or an address (#15)."""

    location = LocationSerializer(read_only=True)

    class Meta:
        model = Place
        fields = ["id", "name", "kind", "address", "location"]
        read_only_fields = fields


def _distance_km(event: Event | EventRecord) -> float | None:
    """An `EventRecord` of a `near` search has a distance; an `Event` never has."""
    distance = getattr(event, "distance_km", None)
    return None if distance is None else round(distance, 3)


def event_to_icalendar(event: Event) -> bytes:
    """The event as an iCalendar (RFC 5545) file with one VEVENT, times in UTC."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//CrewUp//Events//EN")
    calendar.add("version", "2.0")
    entry = icalendar.Event()
    entry.add("uid", f"{event.id}@crewup")
    entry.add("dtstamp", event.updated_at.astimezone(UTC))
    entry.add("created", event.created_at.astimezone(UTC))
    entry.add("last-modified", event.updated_at.astimezone(UTC))
    entry.add("dtstart", event.starts_at.astimezone(UTC))
    entry.add("dtend", event.ends_at.astimezone(UTC))
    entry.add("summary", event.title)
    if event.description:
        entry.add("description", event.description)
    place = ", ".join(part for part in (event.venue_name, event.address) if part)
    if place:
        entry.add("location", place)
    entry.add("geo", (event.location.y, event.location.x))
    entry.add("status", "CANCELLED" if event.is_cancelled else "CONFIRMED")
    entry.add("categories", [event.event_type])
    calendar.add_component(entry)
    ical: bytes = calendar.to_ical()
    return ical
