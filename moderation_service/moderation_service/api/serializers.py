"""What the moderation API accepts and returns.

Reasons and notes are checked by the services (10-500 characters), so the API and the admin
console refuse the same things with the same messages.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import serializers

from shared.accounts.models import User
from shared.api.fields import AwareDateTimeField
from shared.moderation.models import (
    ActionCode,
    Ban,
    ModerationAction,
    RemovableTargetType,
    Report,
    ReportResolution,
    ReportStatus,
    ReportTargetType,
    TargetType,
)

# Generous bounds for the parsers only; the services hold the real rules.
TEXT_MAX_LENGTH = 5000


def _text(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(
        max_length=TEXT_MAX_LENGTH, allow_blank=True, trim_whitespace=False, **kwargs
    )


class UserSummaryOutputSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "display_name"]
        read_only_fields = fields


# --- bans ---


class BanCreateInputSerializer(serializers.Serializer):
    user_id = serializers.UUIDField()
    reason = _text()
    until = AwareDateTimeField(required=False, allow_null=True, default=None)


class BanLiftInputSerializer(serializers.Serializer):
    reason = _text()


class BanListInputSerializer(serializers.Serializer):
    user = serializers.UUIDField(required=False)
    active = serializers.BooleanField(required=False, allow_null=True, default=None)


class BanOutputSerializer(serializers.ModelSerializer):
    user = UserSummaryOutputSerializer(read_only=True)
    created_by = UserSummaryOutputSerializer(read_only=True, allow_null=True)
    lifted_by = UserSummaryOutputSerializer(read_only=True, allow_null=True)
    is_active = serializers.SerializerMethodField()

    class Meta:
        model = Ban
        fields = [
            "id",
            "user",
            "reason",
            "starts_at",
            "until",
            "is_active",
            "created_by",
            "lifted_at",
            "lifted_by",
            "lift_reason",
            "created_at",
        ]
        read_only_fields = fields

    def get_is_active(self, ban: Ban) -> bool:
        """Whether the ban holds now: not lifted, and permanent or not yet over."""
        return ban.is_in_force_at(timezone.now())


# --- audit log ---


class AuditLogListInputSerializer(serializers.Serializer):
    actor = serializers.UUIDField(required=False)
    action = serializers.CharField(
        required=False,
        max_length=50,
        help_text="A code (`user.banned`) or a prefix ending in a dot (`report.`).",
    )
    target_type = serializers.ChoiceField(choices=TargetType.choices, required=False)
    target = serializers.UUIDField(required=False, help_text="The id of the target.")
    created_after = AwareDateTimeField(required=False)
    created_before = AwareDateTimeField(required=False)

    def validate_action(self, value: str) -> str:
        if value not in ActionCode.values and not (
            value.endswith(".") and any(code.startswith(value) for code in ActionCode.values)
        ):
            raise serializers.ValidationError(
                f"Choose one of {', '.join(ActionCode.values)}, or a prefix such as `user.`."
            )
        return value


class ModerationActionOutputSerializer(serializers.ModelSerializer):
    actor = UserSummaryOutputSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ModerationAction
        fields = [
            "id",
            "created_at",
            "actor",
            "action",
            "target_type",
            "target_id",
            "reason",
            "data",
        ]
        read_only_fields = fields


# --- reports ---


class ReportCreateInputSerializer(serializers.Serializer):
    target_type = serializers.ChoiceField(choices=ReportTargetType.choices)
    target_id = serializers.UUIDField()
    reason = _text()


class ReportListInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=ReportStatus.choices,
        required=False,
        help_text="Without it: the open reports and those in review.",
    )


class ReportResolveInputSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=ReportResolution.choices)
    note = _text()
    ban_until = AwareDateTimeField(
        required=False, allow_null=True, default=None, help_text="With `ban_author` only."
    )


class ReportOutputSerializer(serializers.ModelSerializer):
    """A report as moderators see it."""

    reporter = UserSummaryOutputSerializer(read_only=True, allow_null=True)
    target_author = UserSummaryOutputSerializer(read_only=True, allow_null=True)
    assigned_to = UserSummaryOutputSerializer(read_only=True, allow_null=True)
    resolved_by = UserSummaryOutputSerializer(read_only=True, allow_null=True)
    # Empty until the report is resolved (declared so the schema lists "" beside the choices).
    resolution = serializers.ChoiceField(
        choices=ReportResolution.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Report
        fields = [
            "id",
            "reporter",
            "target_type",
            "target_id",
            "target_author",
            "reason",
            "status",
            "assigned_to",
            "resolution",
            "resolution_note",
            "resolved_at",
            "resolved_by",
            "created_at",
        ]
        read_only_fields = fields


class ReportMineOutputSerializer(serializers.ModelSerializer):
    """A report as the person who filed it sees it: its progress, not the moderators' notes."""

    class Meta:
        model = Report
        fields = ["id", "target_type", "target_id", "reason", "status", "created_at", "resolved_at"]
        read_only_fields = fields


# --- content removal ---


class ContentRemovalInputSerializer(serializers.Serializer):
    target_type = serializers.ChoiceField(choices=RemovableTargetType.choices)
    target_id = serializers.UUIDField()
    reason = _text()
