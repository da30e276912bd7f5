"""The notification centre's API: the list, reading, channel choices and push devices.

All under /api/v1/users/: `me/notifications/` (cursor pages, newest first, with the unread
count), `me/notifications/{id}/read/`, `me/notifications/read-all/`,
`me/notification-preferences/`, `me/push-subscriptions/` and `push-config/`.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.conf import settings
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status, views, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from shared.accounts.models import LANGUAGES
from shared.accounts.selectors import signed_in_user
from shared.api.errors import NotFound
from shared.api.schema import ErrorResponses
from shared.api.urls import UUID_PATTERN
from shared.notifications.kinds import NotificationKind
from shared.notifications.live import notification_payload
from shared.notifications.models import ENDPOINT_MAX_LENGTH, Notification
from shared.notifications.selectors import notification_list, preference_table, unread_count
from shared.notifications.services import (
    notification_mark_read,
    notifications_mark_all_read,
    preferences_update,
    push_subscription_delete,
    push_subscription_save,
)
from shared.notifications.webpush import push_endpoint_allowed, push_keys_valid


class NotificationNotFound(NotFound):
    code = "notification_not_found"
    message = "No such notification."


# --- Serializers ---


class NotificationOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=[kind.value for kind in NotificationKind])
    payload = serializers.DictField()
    link = serializers.CharField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, instance: Notification) -> dict[str, Any]:
        return notification_payload(instance)


@extend_schema_serializer(many=False)  # one page object, not a list of them wrapped in a page
class NotificationPageOutputSerializer(serializers.Serializer):
    results = NotificationOutputSerializer(many=True)
    next = serializers.CharField(allow_null=True)
    unread_count = serializers.IntegerField()


class UnreadCountOutputSerializer(serializers.Serializer):
    unread_count = serializers.IntegerField()


class PreferenceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[kind.value for kind in NotificationKind])
    in_app = serializers.BooleanField(required=False)
    push = serializers.BooleanField(required=False)
    email = serializers.BooleanField(required=False)
    locked = serializers.ListField(child=serializers.CharField(), read_only=True)


class PreferencesSerializer(serializers.Serializer):
    preferences = PreferenceSerializer(many=True)


class PushKeysInputSerializer(serializers.Serializer):
    p256dh = serializers.CharField(max_length=200)
    auth = serializers.CharField(max_length=100)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not push_keys_valid(p256dh=attrs["p256dh"], auth=attrs["auth"]):
            raise serializers.ValidationError(
                "Not a P-256 public key and a 16-byte auth secret (RFC 8291)."
            )
        return attrs


class PushSubscriptionInputSerializer(serializers.Serializer):
    endpoint = serializers.URLField(max_length=ENDPOINT_MAX_LENGTH)
    keys = PushKeysInputSerializer()
    language = serializers.ChoiceField(choices=LANGUAGES, required=False, default="")
    # The browser's PushSubscription.toJSON() carries it; push services we post to ignore it.
    expirationTime = serializers.IntegerField(required=False, allow_null=True)  # noqa: N815

    def validate_endpoint(self, value: str) -> str:
        # Only the browsers' push services: a crafted endpoint must not make us call anything.
        if not push_endpoint_allowed(value):
            raise serializers.ValidationError("Not a push service this server sends to.")
        return value


class PushSubscriptionDeleteInputSerializer(serializers.Serializer):
    endpoint = serializers.URLField(max_length=ENDPOINT_MAX_LENGTH)


class PushConfigOutputSerializer(serializers.Serializer):
    vapid_public_key = serializers.CharField(allow_null=True)


errors = ErrorResponses({404: "No such notification (or not yours)."})


# --- Views ---


class NotificationCursor(CursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 20
    max_page_size = 100
    page_size_query_param = "page_size"


class NotificationViewSet(viewsets.GenericViewSet):
    """The signed-in person's notifications."""

    lookup_value_regex = UUID_PATTERN
    pagination_class = NotificationCursor
    # For the schema's path parameter types only; every action reads through the selectors.
    queryset = Notification.objects.none()

    @extend_schema(
        responses={200: NotificationPageOutputSerializer, **errors(400, 401, 403)},
        summary="Your notifications, newest first (cursor pages), with how many are unread.",
    )
    def list(self, request: Request) -> Response:
        paginator = NotificationCursor()
        page = paginator.paginate_queryset(
            notification_list(recipient_id=signed_in_user(request).id), request, view=self
        )
        return Response(
            {
                "results": NotificationOutputSerializer(page, many=True).data,
                "next": paginator.get_next_link(),
                "unread_count": unread_count(recipient_id=signed_in_user(request).id),
            }
        )

    @extend_schema(
        request=None,
        responses={200: NotificationOutputSerializer, **errors(401, 403, 404)},
        summary="Mark one of your notifications read.",
    )
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str) -> Response:
        try:
            notification = notification_mark_read(
                notification_id=UUID(pk), user_id=signed_in_user(request).id
            )
        except Notification.DoesNotExist:
            raise NotificationNotFound() from None
        return Response(NotificationOutputSerializer(notification).data)

    @extend_schema(
        request=None,
        responses={200: UnreadCountOutputSerializer, **errors(401, 403)},
        summary="Mark all your notifications read.",
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        notifications_mark_all_read(user_id=signed_in_user(request).id)
        return Response({"unread_count": 0})


class NotificationPreferencesView(views.APIView):
    """Which channels each kind of notification comes on; safety kinds cannot be silenced."""

    @extend_schema(
        responses={200: PreferencesSerializer, **errors(401, 403)},
        summary="Your channels (in the app, push, e-mail) for each kind of notification.",
    )
    def get(self, request: Request) -> Response:
        return Response({"preferences": preference_table(user_id=signed_in_user(request).id)})

    @extend_schema(
        request=PreferencesSerializer,
        responses={200: PreferencesSerializer, **errors(400, 401, 403)},
        summary="Change your channels for some kinds (safety alerts always come in the app "
        "and by push).",
    )
    def patch(self, request: Request) -> Response:
        params = PreferencesSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        preferences_update(
            user_id=signed_in_user(request).id, changes=params.validated_data["preferences"]
        )
        return Response({"preferences": preference_table(user_id=signed_in_user(request).id)})


class PushSubscriptionsView(views.APIView):
    """This browser's Web Push subscription for the signed-in person."""

    @extend_schema(
        request=PushSubscriptionInputSerializer,
        responses={201: None, **errors(400, 401, 403)},
        summary="Get push notifications on this browser (its PushSubscription as JSON).",
    )
    def post(self, request: Request) -> Response:
        params = PushSubscriptionInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        push_subscription_save(
            user_id=signed_in_user(request).id,
            endpoint=data["endpoint"],
            p256dh=data["keys"]["p256dh"],
            auth=data["keys"]["auth"],
            user_agent=request.headers.get("User-Agent", ""),
            language=data["language"],
        )
        return Response(status=status.HTTP_201_CREATED)

    @extend_schema(
        request=PushSubscriptionDeleteInputSerializer,
        responses={204: None, **errors(400, 401, 403)},
        summary="Stop push notifications on this browser.",
    )
    def delete(self, request: Request) -> Response:
        params = PushSubscriptionDeleteInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        push_subscription_delete(
            user_id=signed_in_user(request).id, endpoint=params.validated_data["endpoint"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class PushConfigView(views.APIView):
    """What a browser needs to subscribe: the server's VAPID public key (null: push is off)."""

    @extend_schema(
        responses={200: PushConfigOutputSerializer, **errors(401, 403)},
        summary="The VAPID public key browsers subscribe with (null when push is off).",
    )
    def get(self, request: Request) -> Response:
        return Response({"vapid_public_key": settings.WEBPUSH_VAPID_PUBLIC_KEY or None})
