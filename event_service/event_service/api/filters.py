"""Query parameters of the event list and the map, checked before any query runs."""

from __future__ import annotations

import copy
import math
from typing import Any
from uuid import UUID

from django.contrib.gis.geos import Point
from rest_framework import serializers

from event_service.api.serializers import FiniteFloatField
from shared.api.fields import AwareDateTimeField
from shared.events.models import EventType, ParticipationStatus
from shared.events.selectors import BoundingBox, EventFilters, Near

MAX_RADIUS_KM = 100.0
DEFAULT_RADIUS_KM = 10.0
GEOJSON_MAX_FEATURES = 500


class CommaSeparatedChoicesField(serializers.ListField):
    """`?type=bar,club`, `?type=bar&type=club`, or both: a list of known choices."""

    def __init__(self, *, choices: list[str], **kwargs: Any) -> None:
        super().__init__(child=serializers.ChoiceField(choices=choices), **kwargs)

    def get_value(self, dictionary: Any) -> Any:
        if hasattr(dictionary, "getlist"):
            return dictionary.getlist(self.field_name) or serializers.empty
        return super().get_value(dictionary)

    def to_internal_value(self, data: Any) -> tuple[str, ...]:  # type: ignore[override]
        raw = data if isinstance(data, list) else [data]
        values = [part.strip() for item in raw for part in str(item).split(",") if part.strip()]
        return tuple(dict.fromkeys(super().to_internal_value(values)))


class BoundingBoxField(serializers.CharField):
    """`min_lng,min_lat,max_lng,max_lat` in degrees, as map libraries give a viewport."""

    default_error_messages = {
        "format": "Give four numbers: min_lng,min_lat,max_lng,max_lat.",
        "range": "Longitudes lie in [-180, 180] and latitudes in [-90, 90].",
        "order": "The minimum must be below the maximum (boxes across the antimeridian are not supported).",
    }

    def to_internal_value(self, data: Any) -> BoundingBox:  # type: ignore[override]
        text = super().to_internal_value(data)
        try:
            numbers = [float(part) for part in text.split(",")]
        except ValueError:
            self.fail("format")
        if len(numbers) != 4 or not all(math.isfinite(number) for number in numbers):
            self.fail("format")
        min_lng, min_lat, max_lng, max_lat = numbers
        if not (-180 <= min_lng <= 180 and -180 <= max_lng <= 180):
            self.fail("range")
        if not (-90 <= min_lat <= 90 and -90 <= max_lat <= 90):
            self.fail("range")
        if min_lng >= max_lng or min_lat >= max_lat:
            self.fail("order")
        return BoundingBox(min_lng=min_lng, min_lat=min_lat, max_lng=max_lng, max_lat=max_lat)


class OrganizerField(serializers.CharField):
    """`me`, or a user's id."""

    default_error_messages = {"invalid": 'Give "me" or a user id.'}

    def to_internal_value(self, data: Any) -> str | UUID:  # type: ignore[override]
        text = super().to_internal_value(data)
        if text == "me":
            return text
        try:
            return UUID(text)
        except ValueError:
            self.fail("invalid")


class QueryParametersSerializer(serializers.Serializer):
    """A serializer whose fields are copied shallowly for each instance.

    DRF deep-copies every declared field for every instance (a field is bound to one parent),
    which re-runs each field's constructor: for the list's fourteen query parameters that was
    most of their validation, on every discovery request. A field keeps no per-request state
    but its binding, which `bind` sets anew on the copy; a list field's child is copied too,
    with the copied list as its parent.
    """

    def get_fields(self) -> dict[str, serializers.Field]:
        fields: dict[str, serializers.Field] = {}
        for name, declared in self._declared_fields.items():
            field = copy.copy(declared)
            if isinstance(field, serializers.ListField):
                field.child = copy.copy(field.child)
                # its name and source stay those `bind` gave it (the stubs: a serializer's parent)
                field.child.parent = field  # type: ignore[assignment]
            fields[name] = field
        return fields


class EventListInputSerializer(QueryParametersSerializer):
    q = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="Full-text search."
    )
    type = CommaSeparatedChoicesField(
        choices=list(EventType.values), required=False, help_text="Event types, e.g. bar,club."
    )
    starts_after = AwareDateTimeField(required=False, help_text="Starts at or after (ISO 8601).")
    starts_before = AwareDateTimeField(required=False, help_text="Starts at or before (ISO 8601).")
    lat = FiniteFloatField(min_value=-90, max_value=90, required=False)
    lng = FiniteFloatField(min_value=-180, max_value=180, required=False)
    radius_km = FiniteFloatField(
        max_value=MAX_RADIUS_KM,
        required=False,
        help_text=f"Kilometres around lat/lng, above 0 and at most {MAX_RADIUS_KM:g} (default {DEFAULT_RADIUS_KM:g}).",
    )
    bbox = BoundingBoxField(required=False, help_text="min_lng,min_lat,max_lng,max_lat")
    organizer = OrganizerField(required=False, help_text='"me" or a user id.')
    my_status = CommaSeparatedChoicesField(
        choices=list(ParticipationStatus.values),
        required=False,
        help_text="Only events where my RSVP is one of these (needs sign-in).",
    )
    include_cancelled = serializers.BooleanField(required=False, default=False)
    include_past = serializers.BooleanField(required=False, default=False)

    def validate_radius_km(self, value: float) -> float:
        if value <= 0:
            raise serializers.ValidationError("Must be above 0.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        has_lat, has_lng = "lat" in attrs, "lng" in attrs
        if has_lat != has_lng:
            errors["lat" if not has_lat else "lng"] = ["Give lat and lng together."]
        if "radius_km" in attrs and not (has_lat and has_lng):
            errors["radius_km"] = ["Give lat and lng with radius_km."]
        after, before = attrs.get("starts_after"), attrs.get("starts_before")
        if after and before and after > before:
            errors["starts_before"] = ["Must not be before starts_after."]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    @property
    def needs_viewer(self) -> bool:
        """Whether the filters name the viewer ("my" events), which needs a signed-in user."""
        data = self.validated_data
        return data.get("organizer") == "me" or bool(data.get("my_status"))

    def to_filters(self, *, viewer_id: UUID | None) -> EventFilters:
        data = self.validated_data
        near = None
        if "lat" in data:
            near = Near(
                lat=data["lat"],
                lng=data["lng"],
                radius_km=data.get("radius_km", DEFAULT_RADIUS_KM),
            )
        organizer = data.get("organizer")
        return EventFilters(
            q=data.get("q", ""),
            event_types=data.get("type", ()),
            starts_after=data.get("starts_after"),
            starts_before=data.get("starts_before"),
            near=near,
            bbox=data.get("bbox"),
            organizer_id=viewer_id if organizer == "me" else organizer,
            my_statuses=data.get("my_status", ()),
            include_cancelled=data["include_cancelled"],
            include_past=data["include_past"],
        )


class EventGeoJSONInputSerializer(EventListInputSerializer):
    limit = serializers.IntegerField(
        min_value=1,
        max_value=GEOJSON_MAX_FEATURES,
        required=False,
        default=GEOJSON_MAX_FEATURES,
        help_text=f"At most this many features (1-{GEOJSON_MAX_FEATURES}), best first.",
    )


PLACE_QUERY_MIN_LENGTH = 2
PLACE_QUERY_MAX_LENGTH = 100


class LatLngField(serializers.CharField):
    """`lat,lng` in degrees, as a phone's position reads: a point."""

    default_error_messages = {
        "format": "Give two numbers: lat,lng.",
        "range": "Latitudes lie in [-90, 90] and longitudes in [-180, 180].",
    }

    def to_internal_value(self, data: Any) -> Point:  # type: ignore[override]
        text = super().to_internal_value(data)
        try:
            numbers = [float(part) for part in text.split(",")]
        except ValueError:
            self.fail("format")
        if len(numbers) != 2 or not all(math.isfinite(number) for number in numbers):
            self.fail("format")
        lat, lng = numbers
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            self.fail("range")
        return Point(lng, lat, srid=4326)


class PlaceSearchInputSerializer(QueryParametersSerializer):
    q = serializers.CharField(
        min_length=PLACE_QUERY_MIN_LENGTH,
        max_length=PLACE_QUERY_MAX_LENGTH,
        help_text=(
            f"A venue's name, a street or an address as typed "
            f"({PLACE_QUERY_MIN_LENGTH}-{PLACE_QUERY_MAX_LENGTH} characters)."
        ),
    )
    near = LatLngField(
        required=False, help_text="lat,lng: of places that match as well, the nearer first."
    )
