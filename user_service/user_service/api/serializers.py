"""What the user API accepts and returns.

Three faces of a user: `me` (the owner: e-mail and home location included), the public profile
(no e-mail, no home, no ban state) and the moderators' search result (e-mail and ban state).
"""

from __future__ import annotations

import math
from typing import Any

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shared.accounts.models import (
    AVATAR_URL_MAX_LENGTH,
    BIO_MAX_LENGTH,
    DISPLAY_NAME_MAX_LENGTH,
    INTEREST_MAX_LENGTH,
    INTERESTS_MAX_COUNT,
    LANGUAGES,
    User,
)
from shared.accounts.selectors import SEARCH_MIN_LENGTH
from shared.api.representation import iso_datetime


class FiniteFloatField(serializers.FloatField):
    """A float that is a number: DRF's own accepts "nan" and "inf"."""

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


# A profile without an avatar has "" (not null), which `format: uri` alone would refuse.
AVATAR_URL_SCHEMA = {
    "type": "string",
    "maxLength": AVATAR_URL_MAX_LENGTH,
    "anyOf": [{"type": "string", "format": "uri"}, {"type": "string", "maxLength": 0}],
    "description": 'An http(s) URL, or "" for no avatar.',
}


@extend_schema_field(AVATAR_URL_SCHEMA)
class AvatarUrlField(serializers.CharField):
    """DRF's URLField, "" allowed, but checking the URL itself.

    A URL validator among the field's validators would add `format: uri` to the schema, which
    "" does not meet.
    """

    default_error_messages = {"invalid": serializers.URLField.default_error_messages["invalid"]}

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if value:
            try:
                URLValidator()(value)
            except DjangoValidationError:
                self.fail("invalid")
        return value


class ProfileUpdateInputSerializer(serializers.Serializer):
    """The fields a user edits; any other field sent is ignored."""

    display_name = serializers.CharField(
        max_length=DISPLAY_NAME_MAX_LENGTH, allow_blank=True, required=False
    )
    bio = serializers.CharField(max_length=BIO_MAX_LENGTH, allow_blank=True, required=False)
    avatar_url = AvatarUrlField(max_length=AVATAR_URL_MAX_LENGTH, allow_blank=True, required=False)
    interests = serializers.ListField(
        child=serializers.CharField(max_length=INTEREST_MAX_LENGTH, allow_blank=True),
        max_length=INTERESTS_MAX_COUNT,
        required=False,
    )
    home_location = LocationSerializer(allow_null=True, required=False)
    language = serializers.ChoiceField(choices=LANGUAGES, required=False)
    time_zone = serializers.CharField(max_length=64, required=False)


class UserSearchInputSerializer(serializers.Serializer):
    q = serializers.CharField(min_length=SEARCH_MIN_LENGTH, max_length=100)


class PublicProfileOutputSerializer(serializers.ModelSerializer):
    """What anyone signed in sees of a user: no e-mail, no home, no ban state."""

    display_name = serializers.CharField(read_only=True)
    avatar_url = AvatarUrlField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "bio", "avatar_url", "interests", "created_at"]
        read_only_fields = fields


class MeOutputSerializer(serializers.ModelSerializer):
    """The owner's view of their own account.

    The fields document the shape (OpenAPI); `to_representation` builds the same dict by hand
    (every signed-in page asks for it; a ModelSerializer builds its fields anew each time).
    `test_me_output_matches_its_declared_fields` keeps them equal.
    """

    display_name = serializers.CharField(read_only=True)
    display_name_override = serializers.CharField(read_only=True)
    avatar_url = AvatarUrlField(read_only=True)
    home_location = LocationSerializer(read_only=True, allow_null=True)
    roles = serializers.ListField(
        source="realm_roles", child=serializers.CharField(), read_only=True
    )

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "display_name",
            "display_name_override",
            "bio",
            "avatar_url",
            "interests",
            "home_location",
            "roles",
            "language",
            "time_zone",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, user: User) -> dict[str, Any]:
        home = user.home_location
        return {
            "id": str(user.id),
            "username": user.username,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "display_name": user.display_name,
            "display_name_override": user.display_name_override,
            "bio": user.bio,
            "avatar_url": user.avatar_url,
            "interests": list(user.interests),
            "home_location": None if home is None else {"lat": home.y, "lng": home.x},
            "roles": list(user.realm_roles),
            "language": user.language,
            "time_zone": user.time_zone,
            "created_at": iso_datetime(user.created_at),
            "updated_at": iso_datetime(user.updated_at),
        }


class UserSearchOutputSerializer(serializers.ModelSerializer):
    """A moderator's view of an account, with its e-mail and ban state."""

    display_name = serializers.CharField(read_only=True)
    roles = serializers.ListField(
        source="realm_roles", child=serializers.CharField(), read_only=True
    )
    is_banned_now = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "display_name",
            "email",
            "first_name",
            "last_name",
            "roles",
            "is_active",
            "is_banned",
            "banned_until",
            "is_banned_now",
            "created_at",
            "last_seen_at",
        ]
        read_only_fields = fields

    def get_is_banned_now(self, user: User) -> bool:
        """Whether a ban holds right now (a temporary one may have ended a moment ago)."""
        return user.is_banned_at()


# --- the data export ---


class ExportEventSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    description = serializers.CharField()
    event_type = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    venue_name = serializers.CharField()
    address = serializers.CharField()
    location = LocationSerializer()
    capacity = serializers.IntegerField(allow_null=True)
    visibility = serializers.CharField()
    status = serializers.CharField()
    cancelled_at = serializers.DateTimeField(allow_null=True)
    removed_at = serializers.DateTimeField(allow_null=True)
    removal_reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class ExportRsvpSerializer(serializers.Serializer):
    event_id = serializers.UUIDField()
    event_title = serializers.CharField(source="event.title")
    status = serializers.CharField()
    waitlisted_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class ExportMembershipSerializer(serializers.Serializer):
    crew_id = serializers.UUIDField(source="group_id")
    crew_name = serializers.CharField(source="group.name")
    event_id = serializers.UUIDField(source="group.event_id")
    role = serializers.CharField()
    joined_at = serializers.DateTimeField(source="created_at")


class ExportJoinRequestSerializer(serializers.Serializer):
    crew_id = serializers.UUIDField(source="group_id")
    crew_name = serializers.CharField(source="group.name")
    message = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)


class ExportMessageSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    crew_id = serializers.UUIDField(source="group_id")
    sequence = serializers.IntegerField()
    kind = serializers.CharField()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    deleted_at = serializers.DateTimeField(allow_null=True)


class ExportReportSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    target_type = serializers.CharField()
    target_id = serializers.UUIDField()
    reason = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)


class ExportBanSerializer(serializers.Serializer):
    """A ban as its subject sees it: why and when, not which moderator."""

    id = serializers.UUIDField()
    reason = serializers.CharField()
    starts_at = serializers.DateTimeField()
    until = serializers.DateTimeField(allow_null=True)
    lifted_at = serializers.DateTimeField(allow_null=True)
    lift_reason = serializers.CharField()


class ExportLocationPointSerializer(serializers.Serializer):
    lat = serializers.FloatField(source="point.y")
    lng = serializers.FloatField(source="point.x")
    accuracy_m = serializers.FloatField(allow_null=True)
    recorded_at = serializers.DateTimeField()


class ExportAlertCrewSerializer(serializers.Serializer):
    crew_id = serializers.UUIDField(source="group_id")
    event_id = serializers.UUIDField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)


class ExportAlertSerializer(serializers.Serializer):
    """An alert the user raised, with the crews it went to and the positions they sent."""

    id = serializers.UUIDField()
    alert_type = serializers.CharField()
    message = serializers.CharField()
    location = LocationSerializer(allow_null=True)
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    resolution_note = serializers.CharField()
    cancelled_at = serializers.DateTimeField(allow_null=True)
    crews = ExportAlertCrewSerializer(source="targets", many=True)
    trail = ExportLocationPointSerializer(source="locations", many=True)


class ExportAcknowledgementSerializer(serializers.Serializer):
    alert_id = serializers.UUIDField()
    kind = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ExportCheckInTimerSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    crew_id = serializers.UUIDField(source="group_id")
    due_at = serializers.DateTimeField()
    status = serializers.CharField()
    message = serializers.CharField()
    last_location = LocationSerializer(allow_null=True)
    last_location_at = serializers.DateTimeField(allow_null=True)
    checked_in_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)
    fired_at = serializers.DateTimeField(allow_null=True)
    fired_alert_id = serializers.UUIDField(allow_null=True)
    created_at = serializers.DateTimeField()


class ExportNotificationSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.CharField()
    payload = serializers.JSONField()
    in_app = serializers.BooleanField()
    read_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class ExportNotificationPreferenceSerializer(serializers.Serializer):
    kind = serializers.CharField()
    in_app = serializers.BooleanField()
    push = serializers.BooleanField()
    email = serializers.BooleanField()


class ExportPushSubscriptionSerializer(serializers.Serializer):
    """A browser that gets pushes; its encryption keys stay out (the device's, not about you)."""

    endpoint = serializers.CharField()
    user_agent = serializers.CharField()
    language = serializers.CharField()
    created_at = serializers.DateTimeField()
    last_success_at = serializers.DateTimeField(allow_null=True)
    last_failure_at = serializers.DateTimeField(allow_null=True)


class ExportProfileSerializer(MeOutputSerializer):
    class Meta(MeOutputSerializer.Meta):
        fields = [
            *MeOutputSerializer.Meta.fields,
            "keycloak_id",
            "is_banned",
            "banned_until",
            "last_seen_at",
        ]
        read_only_fields = fields

    def to_representation(self, user: User) -> dict[str, Any]:
        # Field by field, as declared: the hand-built `/me` would leave this one's fields out.
        return dict(serializers.ModelSerializer.to_representation(self, user))


class UserExportOutputSerializer(serializers.Serializer):
    """Everything CrewUp holds on the user (`shared.privacy.export.UserDataExport`)."""

    exported_at = serializers.DateTimeField()
    profile = ExportProfileSerializer(source="user")
    events_organised = ExportEventSerializer(many=True)
    rsvps = ExportRsvpSerializer(many=True)
    crew_memberships = ExportMembershipSerializer(many=True)
    join_requests = ExportJoinRequestSerializer(many=True)
    messages = ExportMessageSerializer(many=True)
    reports_filed = ExportReportSerializer(many=True)
    bans = ExportBanSerializer(many=True)
    alerts_raised = ExportAlertSerializer(many=True)
    alert_acknowledgements = ExportAcknowledgementSerializer(many=True)
    check_in_timers = ExportCheckInTimerSerializer(many=True)
    notifications = ExportNotificationSerializer(many=True)
    notification_preferences = ExportNotificationPreferenceSerializer(many=True)
    push_subscriptions = ExportPushSubscriptionSerializer(many=True)
