"""Input and output shapes of the safety API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shared.safety.models import (
    MAX_MESSAGE_LENGTH,
    USER_ALERT_TYPES,
    AcknowledgementKind,
    Alert,
    AlertStatus,
    CheckInStatus,
)


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField()


class ErrorOutputSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


# --- Input ---


class LocationInputSerializer(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lng = serializers.FloatField(min_value=-180, max_value=180)
    accuracy_m = serializers.FloatField(
        required=False, allow_null=True, min_value=0, max_value=100_000, default=None
    )


class AlertCreateInputSerializer(serializers.Serializer):
    group_ids = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=10)
    alert_type = serializers.ChoiceField(choices=USER_ALERT_TYPES)
    message = serializers.CharField(
        max_length=MAX_MESSAGE_LENGTH, allow_blank=True, required=False, default=""
    )
    location = LocationInputSerializer(
        required=False,
        allow_null=True,
        default=None,
        help_text=(
            "Where you are, if your phone knows. Leave it out (or null) rather than wait for a "
            "fix: the alert goes out at once, and positions follow on `locations/`."
        ),
    )


class AlertListInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=AlertStatus.choices, required=False)


class AlertAcknowledgeInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AcknowledgementKind.choices)


class AlertTokenAcknowledgeInputSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=500)
    kind = serializers.ChoiceField(choices=AcknowledgementKind.choices)


class AlertResolveInputSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=MAX_MESSAGE_LENGTH, allow_blank=True, required=False, default=""
    )


class AlertLocationAddInputSerializer(LocationInputSerializer):
    recorded_at = serializers.DateTimeField(required=False, default=None)


class CheckInCreateInputSerializer(serializers.Serializer):
    group_id = serializers.UUIDField()
    due_at = serializers.DateTimeField()
    message = serializers.CharField(
        max_length=MAX_MESSAGE_LENGTH, allow_blank=True, required=False, default=""
    )
    location = LocationInputSerializer(required=False, default=None)


class CheckInExtendInputSerializer(serializers.Serializer):
    due_at = serializers.DateTimeField()
    location = LocationInputSerializer(required=False, default=None)


class CheckInCheckInInputSerializer(serializers.Serializer):
    location = LocationInputSerializer(required=False, default=None)


class CheckInListInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CheckInStatus.choices, required=False)


# --- Output ---


class UserOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    username = serializers.CharField()
    display_name = serializers.CharField()


class PointOutputSerializer(serializers.Serializer):
    lat = serializers.FloatField()
    lng = serializers.FloatField()


class TrailPointOutputSerializer(serializers.Serializer):
    lat = serializers.FloatField(source="point.y")
    lng = serializers.FloatField(source="point.x")
    recorded_at = serializers.DateTimeField()
    accuracy_m = serializers.FloatField(allow_null=True)


class LatestLocationOutputSerializer(serializers.Serializer):
    lat = serializers.FloatField()
    lng = serializers.FloatField()
    recorded_at = serializers.DateTimeField()
    accuracy_m = serializers.FloatField(allow_null=True)


class AlertEventOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    event_type = serializers.CharField()
    status = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    venue_name = serializers.CharField()
    address = serializers.CharField()


class AlertCrewOutputSerializer(serializers.Serializer):
    """A crew an alert went to, with its event as the sender saw it (null when hidden to them)."""

    id = serializers.UUIDField(source="group_id")
    name = serializers.CharField(source="group.name")
    event = serializers.SerializerMethodField()
    delivered_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(AlertEventOutputSerializer(allow_null=True))
    def get_event(self, target: Any) -> dict[str, Any] | None:
        # A copy of what the event service said then: read what is there, never trust a shape.
        details = target.event_details or {}
        if not details:
            return None
        return {name: details.get(name) for name in AlertEventOutputSerializer().fields}


class AcknowledgementOutputSerializer(serializers.Serializer):
    user = UserOutputSerializer()
    kind = serializers.ChoiceField(choices=AcknowledgementKind.choices)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


def _point(point: Any) -> dict[str, float] | None:
    return None if point is None else {"lat": point.y, "lng": point.x}


class AlertOutputSerializer(serializers.ModelSerializer):
    """An alert as a viewer sees it: only the crews they are in (all for its sender and moderators).

    Context: `viewer_id`, `viewer_crew_ids` (a set) and `sees_all_crews`.
    """

    sender = UserOutputSerializer()
    resolved_by = UserOutputSerializer(allow_null=True)
    location = serializers.SerializerMethodField()
    latest_location = serializers.SerializerMethodField()
    crews = serializers.SerializerMethodField()
    cancellable_until = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = [
            "id",
            "alert_type",
            "message",
            "status",
            "sender",
            "location",
            "latest_location",
            "crews",
            "created_at",
            "cancellable_until",
            "resolved_at",
            "resolved_by",
            "resolution_note",
            "cancelled_at",
        ]
        read_only_fields = fields

    @extend_schema_field(PointOutputSerializer(allow_null=True))
    def get_location(self, alert: Alert) -> dict[str, float] | None:
        return _point(alert.location)

    @extend_schema_field(LatestLocationOutputSerializer(allow_null=True))
    def get_latest_location(self, alert: Alert) -> dict[str, Any] | None:
        point = getattr(alert, "latest_point", None)
        if point is None:
            return None
        return {
            "lat": point.y,
            "lng": point.x,
            "recorded_at": serializers.DateTimeField().to_representation(alert.latest_recorded_at),  # type: ignore[attr-defined]
            "accuracy_m": alert.latest_accuracy_m,  # type: ignore[attr-defined]
        }

    @extend_schema_field(AlertCrewOutputSerializer(many=True))
    def get_crews(self, alert: Alert) -> list[dict[str, Any]]:
        targets = alert.targets.all()
        if not (
            self.context.get("sees_all_crews") or alert.sender_id == self.context.get("viewer_id")
        ):
            mine = self.context.get("viewer_crew_ids") or set()
            targets = [target for target in targets if target.group_id in mine]
        return AlertCrewOutputSerializer(targets, many=True).data

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_cancellable_until(self, alert: Alert) -> str | None:
        if alert.status != AlertStatus.OPEN:
            return None
        until = alert.created_at + timedelta(seconds=settings.SAFETY_ALERT_CANCEL_WINDOW_SECONDS)
        return serializers.DateTimeField().to_representation(until)


class AlertDetailOutputSerializer(AlertOutputSerializer):
    """An alert with who answered and its latest trail (the whole trail: `locations/`)."""

    acknowledgements = AcknowledgementOutputSerializer(many=True)
    trail = TrailPointOutputSerializer(many=True)

    class Meta(AlertOutputSerializer.Meta):
        fields = [*AlertOutputSerializer.Meta.fields, "acknowledgements", "trail"]
        read_only_fields = fields


class AlertCreateOutputSerializer(AlertDetailOutputSerializer):
    """The alert just raised, and the crews it did not go to (the sender is not in them)."""

    skipped_group_ids = serializers.ListField(child=serializers.UUIDField())

    class Meta(AlertDetailOutputSerializer.Meta):
        fields = [*AlertDetailOutputSerializer.Meta.fields, "skipped_group_ids"]
        read_only_fields = fields


class CheckInCrewOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class CheckInOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    crew = CheckInCrewOutputSerializer(source="group")
    due_at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=CheckInStatus.choices)
    message = serializers.CharField()
    last_location = serializers.SerializerMethodField()
    last_location_at = serializers.DateTimeField(allow_null=True)
    checked_in_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)
    fired_at = serializers.DateTimeField(allow_null=True)
    fired_alert_id = serializers.UUIDField(allow_null=True)
    created_at = serializers.DateTimeField()

    @extend_schema_field(PointOutputSerializer(allow_null=True))
    def get_last_location(self, timer: Any) -> dict[str, float] | None:
        return _point(timer.last_location)
