"""What the crew API accepts and returns.

Input serializers name only what a client may set: ids of owners and creators, counters,
roles on join and timestamps are not among their fields, so a client sending them is ignored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shared.accounts.models import User
from shared.api.fields import AwareDateTimeField
from shared.api.representation import iso_datetime, user_summary
from shared.events.models import Event
from shared.groups.models import (
    MAX_MEMBERS,
    MIN_MEMBERS,
    Group,
    GroupVisibility,
    Invite,
    JoinPolicy,
    JoinRequest,
    JoinRequestStatus,
    MemberRole,
    Membership,
)
from shared.groups.selectors import GroupRecord

DEFAULT_MAX_MEMBERS = 10
# Far above any crew (50 at most) and far below the database's integer range.
MAX_INVITE_USES = 1000
INVITE_TOKEN_MAX_LENGTH = 128
PRIVATE_NEEDS_INVITE = "A private crew is joined by invite only."


# --- input ---


class GroupCreateInputSerializer(serializers.Serializer):
    event_id = serializers.UUIDField()
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(
        max_length=2000, allow_blank=True, required=False, default=""
    )
    max_members = serializers.IntegerField(
        min_value=MIN_MEMBERS, max_value=MAX_MEMBERS, required=False, default=DEFAULT_MAX_MEMBERS
    )
    join_policy = serializers.ChoiceField(
        choices=JoinPolicy.choices,
        required=False,
        help_text="Defaults to `invite` for a private crew, else `open`.",
    )
    visibility = serializers.ChoiceField(
        choices=GroupVisibility.choices, required=False, default=GroupVisibility.PUBLIC
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        private = attrs["visibility"] == GroupVisibility.PRIVATE
        if "join_policy" not in attrs:
            attrs["join_policy"] = JoinPolicy.INVITE if private else JoinPolicy.OPEN
        if private and attrs["join_policy"] != JoinPolicy.INVITE:
            raise serializers.ValidationError({"join_policy": [PRIVATE_NEEDS_INVITE]})
        return attrs


class GroupUpdateInputSerializer(serializers.Serializer):
    """Any of these; the crew's current values fill in the rest (a private crew stays
    invite-only, and the capacity cannot drop below the members)."""

    name = serializers.CharField(max_length=100, required=False)
    description = serializers.CharField(max_length=2000, allow_blank=True, required=False)
    max_members = serializers.IntegerField(
        min_value=MIN_MEMBERS, max_value=MAX_MEMBERS, required=False
    )
    join_policy = serializers.ChoiceField(choices=JoinPolicy.choices, required=False)
    visibility = serializers.ChoiceField(choices=GroupVisibility.choices, required=False)


class GroupListInputSerializer(serializers.Serializer):
    event_id = serializers.UUIDField(required=False, help_text="Only the crews of this event.")
    mine = serializers.BooleanField(
        required=False, default=False, help_text="Only the crews I am in."
    )


class GroupTransferOwnershipInputSerializer(serializers.Serializer):
    user_id = serializers.UUIDField(help_text="The member who becomes the owner.")


class MembershipUpdateInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(
        choices=[(MemberRole.ADMIN, "Admin"), (MemberRole.MEMBER, "Member")],
        help_text="Ownership is handed over with transfer-ownership instead.",
    )


class JoinRequestCreateInputSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")


class JoinRequestListInputSerializer(serializers.Serializer):
    ALL = "all"

    status = serializers.ChoiceField(
        choices=[*JoinRequestStatus.values, ALL],
        required=False,
        default=JoinRequestStatus.PENDING,
        help_text="Default `pending`; `all` for every state.",
    )

    @property
    def status_filter(self) -> str | None:
        status = self.validated_data["status"]
        return None if status == self.ALL else status


class InviteCreateInputSerializer(serializers.Serializer):
    expires_at = AwareDateTimeField(
        required=False, allow_null=True, default=None, help_text="Never expires when omitted."
    )
    max_uses = serializers.IntegerField(
        min_value=1,
        max_value=MAX_INVITE_USES,
        required=False,
        allow_null=True,
        default=None,
        help_text="Unlimited when omitted.",
    )

    def validate_expires_at(self, value: datetime | None) -> datetime | None:
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError("The invite must expire in the future.")
        return value


class GroupJoinByInviteInputSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=INVITE_TOKEN_MAX_LENGTH)


# --- output ---


class UserOutputSerializer(serializers.ModelSerializer):
    """The public face of a user: no e-mail, no ban state."""

    class Meta:
        model = User
        fields = ["id", "username", "display_name"]
        read_only_fields = fields


class GroupEventOutputSerializer(serializers.ModelSerializer):
    """What a crew shows of its event."""

    class Meta:
        model = Event
        fields = ["id", "title", "starts_at", "ends_at", "status"]
        read_only_fields = fields


class GroupOutputSerializer(serializers.ModelSerializer):
    """A crew as the API returns it, from a `Group` or a `GroupRecord`.

    The fields below document the shape (OpenAPI); `to_representation` builds the same dict
    by hand, as the event output does (`shared.api.representation`);
    `test_group_output_matches_its_declared_fields` keeps them equal.
    """

    event = GroupEventOutputSerializer(read_only=True)
    created_by = UserOutputSerializer(read_only=True, allow_null=True)
    is_full = serializers.BooleanField(read_only=True)
    my_role = serializers.SerializerMethodField()

    class Meta:
        model = Group
        fields = [
            "id",
            "event",
            "name",
            "description",
            "max_members",
            "member_count",
            "is_full",
            "join_policy",
            "visibility",
            "created_by",
            "my_role",
            "removed_at",
            "removal_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, group: Group | GroupRecord) -> dict[str, Any]:
        event = group.event
        return {
            "id": str(group.id),
            "event": {
                "id": str(event.id),
                "title": event.title,
                "starts_at": iso_datetime(event.starts_at),
                "ends_at": iso_datetime(event.ends_at),
                "status": event.status,
            },
            "name": group.name,
            "description": group.description,
            "max_members": group.max_members,
            "member_count": group.member_count,
            "is_full": group.is_full,
            "join_policy": group.join_policy,
            "visibility": group.visibility,
            "created_by": user_summary(group.created_by),
            "my_role": self.get_my_role(group),
            "removed_at": iso_datetime(group.removed_at),
            "removal_reason": group.removal_reason,
            "created_at": iso_datetime(group.created_at),
            "updated_at": iso_datetime(group.updated_at),
        }

    @extend_schema_field(serializers.ChoiceField(choices=MemberRole.choices, allow_null=True))
    def get_my_role(self, group: Group | GroupRecord) -> str | None:
        """The viewer's role in the crew; null when not a member."""
        return getattr(group, "my_role", None)


class MembershipOutputSerializer(serializers.ModelSerializer):
    user = UserOutputSerializer(read_only=True)
    joined_at = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "group_id", "user", "role", "joined_at"]
        read_only_fields = fields


class JoinRequestOutputSerializer(serializers.ModelSerializer):
    user = UserOutputSerializer(read_only=True)
    decided_by = UserOutputSerializer(read_only=True, allow_null=True)

    class Meta:
        model = JoinRequest
        fields = [
            "id",
            "group_id",
            "user",
            "message",
            "status",
            "decided_by",
            "decided_at",
            "created_at",
        ]
        read_only_fields = fields


class InviteOutputSerializer(serializers.ModelSerializer):
    created_by = UserOutputSerializer(read_only=True, allow_null=True)
    is_usable = serializers.SerializerMethodField()

    class Meta:
        model = Invite
        fields = [
            "id",
            "group_id",
            "created_by",
            "expires_at",
            "max_uses",
            "use_count",
            "revoked_at",
            "is_usable",
            "created_at",
        ]
        read_only_fields = fields

    def get_is_usable(self, invite: Invite) -> bool:
        """Not revoked, not expired and not used up."""
        if invite.revoked_at is not None:
            return False
        if invite.expires_at is not None and invite.expires_at <= timezone.now():
            return False
        return invite.max_uses is None or invite.use_count < invite.max_uses


class InviteCreateOutputSerializer(InviteOutputSerializer):
    """A new invite with its token: shown this once, never stored in clear."""

    token = serializers.SerializerMethodField()

    class Meta(InviteOutputSerializer.Meta):
        fields = [*InviteOutputSerializer.Meta.fields, "token"]
        read_only_fields = fields

    def get_token(self, invite: Invite) -> str:
        """The secret of the invite link; send it to `POST /api/v1/groups/join-by-invite/`."""
        return str(self.context["token"])


class InternalMembershipOutputSerializer(serializers.Serializer):
    """The answer to another service asking whether a user is in a crew."""

    group_id = serializers.UUIDField()
    user_id = serializers.UUIDField()
    role = serializers.ChoiceField(choices=MemberRole.choices)
    event_id = serializers.UUIDField()
    member_ids = serializers.ListField(child=serializers.UUIDField())
