"""The chat history API: `/api/v1/groups/<id>/messages/`, and message edit/delete over HTTP."""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from shared.accounts.selectors import signed_in_user
from shared.api.schema import ErrorResponses
from shared.auth.permissions import is_moderator
from shared.chat import live_state, realtime
from shared.chat.errors import RateLimited
from shared.chat.models import MAX_CLIENT_ID_LENGTH
from shared.chat.selectors import HISTORY_PAGE_MAX, message_list
from shared.chat.services import message_delete, message_edit, message_send


class MessageListInputSerializer(serializers.Serializer):
    before = serializers.IntegerField(required=False, min_value=1)
    after = serializers.IntegerField(required=False, min_value=0)
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=HISTORY_PAGE_MAX, default=50
    )

    def validate(self, attrs: dict) -> dict:
        if "before" in attrs and "after" in attrs:
            raise serializers.ValidationError("Give `before` or `after`, not both.")
        return attrs


class MessageSendInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=2000, trim_whitespace=True)


class ClientIdField(serializers.CharField):
    """A string as sent: a number is refused, not turned into one (it would not be the key)."""

    def to_internal_value(self, data: object) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class MessageCreateInputSerializer(MessageSendInputSerializer):
    client_id = ClientIdField(
        max_length=MAX_CLIENT_ID_LENGTH,
        required=False,
        allow_null=True,
        trim_whitespace=False,
        help_text=(
            "The client's own key for the message. Sending again with it answers the message"
            " stored the first time (201, the same body), and is not counted again against"
            " the rate limit."
        ),
    )


class MessageSenderOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    username = serializers.CharField()
    display_name = serializers.CharField()


class MessageOutputSerializer(serializers.Serializer):
    """The same shape as a `message` frame on the socket."""

    id = serializers.UUIDField()
    group_id = serializers.UUIDField()
    sequence = serializers.IntegerField()
    kind = serializers.CharField()
    sender = MessageSenderOutputSerializer(allow_null=True)
    body = serializers.CharField()
    # A field named `data` (the message's data): DRF's metaclass takes it out of the class, so the
    # serializer's own `data` stays; the stubs see a clash.
    data = serializers.JSONField()  # type: ignore[assignment]
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    deleted_at = serializers.DateTimeField(allow_null=True)


@extend_schema_serializer(many=False)  # one page object, though the action is `list`
class MessagePageOutputSerializer(serializers.Serializer):
    results = MessageOutputSerializer(many=True)
    first_sequence = serializers.IntegerField(allow_null=True)
    last_sequence = serializers.IntegerField(allow_null=True)


errors = ErrorResponses(
    {
        403: "Banned, or not the sender (nor a moderator).",
        404: "No such crew (or not a member), or no such message.",
        409: "The message is deleted.",
        429: "Too many messages (socket and HTTP together); `Retry-After`.",
    }
)


class MessageViewSet(viewsets.ViewSet):
    """A crew's chat history (members only; others get 404), and writes for clients without a socket."""

    @extend_schema(
        parameters=[MessageListInputSerializer],
        responses={200: MessagePageOutputSerializer, **errors(400, 401, 403, 404)},
    )
    def list(self, request: Request, group_pk: UUID) -> Response:
        params = MessageListInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        messages = message_list(
            group_id=group_pk, viewer_id=signed_in_user(request).id, **params.validated_data
        )
        return Response(
            {
                "results": [realtime.message_payload(message) for message in messages],
                "first_sequence": messages[0].sequence if messages else None,
                "last_sequence": messages[-1].sequence if messages else None,
            }
        )

    @extend_schema(
        request=MessageCreateInputSerializer,
        responses={
            201: OpenApiResponse(
                MessageOutputSerializer,
                description="Stored, or stored before under the same `client_id` (a repeat).",
            ),
            **errors(400, 401, 403, 404, 429),
        },
    )
    def create(self, request: Request, group_pk: UUID) -> Response:
        data = MessageCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        client_id = data.validated_data.get("client_id")
        # The socket's limit, in the same window: one limit per user whichever way they send.
        retry_after = live_state.chat_message_rate_limit_hit_sync(
            user_id=signed_in_user(request).id, group_id=group_pk, client_id=client_id
        )
        if retry_after:
            raise RateLimited(retry_after)
        message = message_send(
            group_id=group_pk,
            sender_id=signed_in_user(request).id,
            body=data.validated_data["body"],
            client_id=client_id,
        )
        # A repeat answers as the first send did (201): a client that lost the first answer
        # cannot tell, and need not.
        return Response(realtime.message_payload(message), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=MessageSendInputSerializer,
        responses={200: MessageOutputSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def partial_update(self, request: Request, group_pk: UUID, pk: UUID) -> Response:
        data = MessageSendInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = message_edit(
            group_id=group_pk,
            message_id=pk,
            editor_id=signed_in_user(request).id,
            body=data.validated_data["body"],
        )
        return Response(realtime.message_payload(message))

    @extend_schema(responses={204: None, **errors(401, 403, 404, 409)})
    def destroy(self, request: Request, group_pk: UUID, pk: UUID) -> Response:
        message_delete(
            group_id=group_pk,
            message_id=pk,
            actor_id=signed_in_user(request).id,
            actor_is_moderator=is_moderator(request.user),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
