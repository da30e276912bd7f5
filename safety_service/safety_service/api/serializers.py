"""Input and output shapes of the safety API."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shared.api.representation import iso_datetime, user_summary
from shared.safety.models import (
    MAX_MESSAGE_LENGTH,
    USER_ALERT_TYPES,
    AcknowledgementKind,
    Alert,
    AlertStatus,
    AlertTarget,
    CheckInStatus,
)
from shared.safety.selectors import AlertRecord, crew_event_shown

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
        return crew_event_shown(target.event_details)


class AcknowledgementOutputSerializer(serializers.Serializer):
    user = UserOutputSerializer()
    kind = serializers.ChoiceField(choices=AcknowledgementKind.choices)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


def _point(point: Any) -> dict[str, float] | None:
    return None if point is None else {"lat": point.y, "lng": point.x}


class AlertOutputSerializer(serializers.ModelSerializer):
    """An alert as a viewer sees it: only the crews they are in (all for its sender and moderators).

    From an `Alert` (context: `viewer_id`, `viewer_crew_ids` (a set) and `sees_all_crews`) or
    an `AlertRecord` of a list (which holds the crews to show already). The fields document
    the shape (OpenAPI); `to_representation` builds the same dict by hand, as the event output
    does; `test_alert_output_matches_its_declared_fields` keeps them equal.
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
            "check_in_due_at",
        ]
        read_only_fields = fields

    def to_representation(self, alert: Alert | AlertRecord) -> dict[str, Any]:
        return {
            "id": str(alert.id),
            "alert_type": alert.alert_type,
            "message": alert.message,
            "status": alert.status,
            "sender": user_summary(alert.sender),
            "location": self.get_location(alert),
            "latest_location": self.get_latest_location(alert),
            "crews": self.get_crews(alert),
            "created_at": iso_datetime(alert.created_at),
            "cancellable_until": self.get_cancellable_until(alert),
            "resolved_at": iso_datetime(alert.resolved_at),
            "resolved_by": user_summary(alert.resolved_by),
            "resolution_note": alert.resolution_note,
            "cancelled_at": iso_datetime(alert.cancelled_at),
            "check_in_due_at": iso_datetime(alert.check_in_due_at),
        }

    @extend_schema_field(PointOutputSerializer(allow_null=True))
    def get_location(self, alert: Alert | AlertRecord) -> dict[str, float] | None:
        if isinstance(alert, AlertRecord):
            return alert.location
        return _point(alert.location)

    @extend_schema_field(LatestLocationOutputSerializer(allow_null=True))
    def get_latest_location(self, alert: Alert | AlertRecord) -> dict[str, Any] | None:
        if isinstance(alert, AlertRecord):
            return alert.latest_location
        point = getattr(alert, "latest_point", None)
        if point is None:
            return None
        return {
            "lat": point.y,
            "lng": point.x,
            "recorded_at": iso_datetime(alert.latest_recorded_at),  # type: ignore[attr-defined]
            "accuracy_m": alert.latest_accuracy_m,  # type: ignore[attr-defined]
        }

    @extend_schema_field(AlertCrewOutputSerializer(many=True))
    def get_crews(self, alert: Alert | AlertRecord) -> list[dict[str, Any]]:
        if isinstance(alert, AlertRecord):
            return alert.crews
        targets: Iterable[AlertTarget] = alert.targets.all()
        if not (
            self.context.get("sees_all_crews") or alert.sender_id == self.context.get("viewer_id")
        ):
            mine = self.context.get("viewer_crew_ids") or set()
            targets = [target for target in targets if target.group_id in mine]
        return [
            {
                "id": str(target.group_id),
                "name": target.group.name,
                "event": crew_event_shown(target.event_details),
                "delivered_at": iso_datetime(target.delivered_at),
            }
            for target in targets
        ]

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_cancellable_until(self, alert: Alert | AlertRecord) -> str | None:
        if alert.status != AlertStatus.OPEN:
            return None
        until = alert.created_at + timedelta(seconds=settings.SAFETY_ALERT_CANCEL_WINDOW_SECONDS)
        return iso_datetime(until)


class AlertDetailOutputSerializer(AlertOutputSerializer):
    """An alert with who answered and its latest trail (the whole trail: `locations/`)."""

    acknowledgements = AcknowledgementOutputSerializer(many=True)
    trail = TrailPointOutputSerializer(many=True)

    class Meta(AlertOutputSerializer.Meta):
        fields = [*AlertOutputSerializer.Meta.fields, "acknowledgements", "trail"]
        read_only_fields = fields

    def to_representation(self, alert: Alert) -> dict[str, Any]:  # type: ignore[override]
        return {
            **super().to_representation(alert),
            "acknowledgements": [
                {
                    "user": user_summary(acknowledgement.user),
                    "kind": acknowledgement.kind,
                    "created_at": iso_datetime(acknowledgement.created_at),
                    "updated_at": iso_datetime(acknowledgement.updated_at),
                }
                for acknowledgement in alert.acknowledgements.all()
            ],
            "trail": [
                {
                    "lat": point.point.y,
                    "lng": point.point.x,
                    "recorded_at": iso_datetime(point.recorded_at),
                    "accuracy_m": point.accuracy_m,
                }
                for point in alert.trail  # type: ignore[attr-defined]
            ],
        }


class AlertCreateOutputSerializer(AlertDetailOutputSerializer):
    """The alert just raised, and the crews it did not go to (the sender is not in them)."""

    skipped_group_ids = serializers.ListField(child=serializers.UUIDField())

    class Meta(AlertDetailOutputSerializer.Meta):
        fields = [*AlertDetailOutputSerializer.Meta.fields, "skipped_group_ids"]
        read_only_fields = fields

    def to_representation(self, alert: Alert) -> dict[str, Any]:  # type: ignore[override]
        skipped = alert.skipped_group_ids  # type: ignore[attr-defined]
        return {
            **super().to_representation(alert),
            "skipped_group_ids": [str(group_id) for group_id in skipped],
        }


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
