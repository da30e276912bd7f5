"""The internal endpoint the safety service calls to post an alert into a crew's chat stream.

`POST /internal/v1/groups/{id}/safety-alerts/` with `{"alert_id", "change", "alert"}`: the
group service, which owns the chat, stores the notice as a `safety_alert` message (history
for members offline) and broadcasts it (a `safety_alert` frame for members online). Like the
membership check beside it, it is outside `/api/v1/` (the ingress does not route it) and
needs a token with the `service` realm role.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from shared.auth.permissions import IsService
from shared.chat.alerts import (
    NOTICE_CHANGES,
    safety_alert_notice_post,
    safety_notice_locations_clear,
)
from shared.chat.models import Message

# The alert as the safety service renders it: small; a notice is not a file upload.
MAX_ALERT_BYTES = 16 * 1024


class SafetyAlertNoticeInputSerializer(serializers.Serializer):
    alert_id = serializers.UUIDField()
    change = serializers.ChoiceField(choices=NOTICE_CHANGES)
    alert = serializers.DictField()

    def validate_alert(self, value: dict[str, Any]) -> dict[str, Any]:
        if len(json.dumps(value)) > MAX_ALERT_BYTES:
            raise serializers.ValidationError(f"At most {MAX_ALERT_BYTES} bytes of JSON.")
        return value


class SafetyAlertNoticeOutputSerializer(serializers.Serializer):
    message_id = serializers.UUIDField()
    sequence = serializers.IntegerField()
    created = serializers.BooleanField()
    broadcast = serializers.BooleanField()


class NoticeLocationsPurgeInputSerializer(serializers.Serializer):
    before = serializers.DateTimeField()


class InternalSafetyAlertViewSet(viewsets.GenericViewSet):
    """For the safety service only: alert notices into a crew's chat."""

    permission_classes = [IsAuthenticated, IsService]
    queryset = Message.objects.none()
    pagination_class = None
    filter_backends: list[Any] = []

    @extend_schema(exclude=True)
    def create(self, request: Request, group_id: UUID) -> Response:
        params = SafetyAlertNoticeInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        posted = safety_alert_notice_post(group_id=group_id, **params.validated_data)
        data = {
            "message_id": posted.message.id,
            "sequence": posted.message.sequence,
            "created": posted.created,
            "broadcast": posted.broadcast,
        }
        return Response(
            SafetyAlertNoticeOutputSerializer(data).data,
            status=status.HTTP_201_CREATED if posted.created else status.HTTP_200_OK,
        )

    @extend_schema(exclude=True)
    def purge_locations(self, request: Request) -> Response:
        """Clear the positions in notices stored before `before` (the safety service's retention)."""
        params = NoticeLocationsPurgeInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        cleared = safety_notice_locations_clear(before=params.validated_data["before"])
        return Response({"cleared": cleared})
