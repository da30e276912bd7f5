"""The user API: parse, authorize, call one service or selector, serialize."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from shared.accounts.models import User
from shared.accounts.selectors import signed_in_user, user_get_profile, user_search
from shared.accounts.services import user_profile_update
from shared.api.schema import ErrorResponses
from shared.api.urls import UUID_PATTERN
from shared.auth.permissions import IsModerator, NotBanned
from shared.privacy.erasure import user_account_delete
from shared.privacy.export import user_data_export
from user_service.api.serializers import (
    MeOutputSerializer,
    ProfileUpdateInputSerializer,
    PublicProfileOutputSerializer,
    UserExportOutputSerializer,
    UserSearchInputSerializer,
    UserSearchOutputSerializer,
)

errors = ErrorResponses(
    {
        403: "Banned, or not a moderator.",
        404: "No such user.",
        409: "The account cannot be erased now.",
    }
)


class UserViewSet(viewsets.GenericViewSet):
    """Your own account (`me`), others' public profiles, and moderators' search."""

    queryset = User.objects.none()  # for schema generation only; the selectors read
    lookup_value_regex = UUID_PATTERN
    filter_backends: list[Any] = []

    @extend_schema(
        responses={200: PublicProfileOutputSerializer, **errors(401, 403, 404)},
        summary="A user's public profile (no e-mail, no home, no ban state).",
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        user = user_get_profile(user_id=UUID(str(pk)))
        return Response(PublicProfileOutputSerializer(user).data)

    @extend_schema(
        responses={200: MeOutputSerializer, **errors(401, 403)},
        summary="Your own account.",
    )
    @action(detail=False, methods=["get"])
    def me(self, request: Request) -> Response:
        return Response(MeOutputSerializer(request.user).data)

    @extend_schema(
        request=ProfileUpdateInputSerializer,
        responses={200: MeOutputSerializer, **errors(400, 401, 403)},
        summary="Change your display name, bio, avatar URL, interests or home location.",
    )
    @me.mapping.patch
    def me_update(self, request: Request) -> Response:
        payload = ProfileUpdateInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        user = user_profile_update(user_id=signed_in_user(request).id, data=payload.validated_data)
        return Response(MeOutputSerializer(user).data)

    @extend_schema(
        request=None,
        responses={204: None, **errors(401, 403, 404, 409)},
        summary="Erase your account.",
        description=(
            "Your upcoming events are cancelled, your RSVPs withdrawn and your crews left "
            "(ownership goes to the next admin or member); your profile is anonymised and your "
            "messages stay, shown as 'Deleted user'. Your safety alerts stay for your crews "
            "without your positions and words; your answers to alerts, check-in timers, "
            "notifications and push subscriptions are deleted. Your sign-in at the identity "
            "provider is not deleted by this call, but CrewUp refuses it from then on (401 "
            "`account_erased`), tokens still valid included."
        ),
    )
    @me.mapping.delete
    def me_delete(self, request: Request) -> Response:
        user_account_delete(user_id=signed_in_user(request).id)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        responses={200: UserExportOutputSerializer, **errors(401, 403)},
        summary="Download everything CrewUp holds on you, as JSON.",
    )
    @action(detail=False, methods=["get"], url_path="me/export")
    def export(self, request: Request) -> Response:
        export = user_data_export(user_id=signed_in_user(request).id)
        response = Response(UserExportOutputSerializer(export).data)
        response["Content-Disposition"] = 'attachment; filename="crewup-my-data.json"'
        return response

    @extend_schema(
        parameters=[UserSearchInputSerializer],
        responses={200: UserSearchOutputSerializer(many=True), **errors(400, 401, 403)},
        summary="Find accounts by name, e-mail or id (moderators only).",
    )
    @action(
        detail=False,
        methods=["get"],
        permission_classes=[IsAuthenticated, NotBanned, IsModerator],
    )
    def search(self, request: Request) -> Response:
        params = UserSearchInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        users = user_search(query=params.validated_data["q"])
        page = self.paginate_queryset(users)
        return self.get_paginated_response(UserSearchOutputSerializer(page, many=True).data)
