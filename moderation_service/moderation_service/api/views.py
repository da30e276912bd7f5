"""The moderation API: parse, authorize, call one service or selector, serialize.

Everything is for moderators and admins (a plain user gets 403), except filing a report and
following one's own reports, which any signed-in user may do.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from moderation_service.api.serializers import (
    AuditLogListInputSerializer,
    BanCreateInputSerializer,
    BanLiftInputSerializer,
    BanListInputSerializer,
    BanOutputSerializer,
    ContentRemovalInputSerializer,
    ModerationActionOutputSerializer,
    ReportCreateInputSerializer,
    ReportListInputSerializer,
    ReportMineOutputSerializer,
    ReportOutputSerializer,
    ReportResolveInputSerializer,
)
from shared.accounts.selectors import signed_in_user
from shared.api.schema import ErrorResponses
from shared.api.urls import UUID_PATTERN
from shared.auth.permissions import IsModerator, NotBanned, is_moderator
from shared.moderation.models import Ban, ModerationAction, Report
from shared.moderation.selectors import (
    AuditFilters,
    audit_log_list,
    ban_get,
    ban_list,
    report_get,
    report_list,
    report_list_of_reporter,
)
from shared.moderation.services import (
    ban_lift,
    content_remove,
    report_create,
    report_resolve,
    report_take,
    user_ban,
)

MODERATORS = [IsAuthenticated, NotBanned, IsModerator]
SIGNED_IN = [IsAuthenticated, NotBanned]

errors = ErrorResponses(
    {
        403: "Banned, not a moderator, or a protected target.",
        404: "No such ban, report or content.",
        409: "The state forbids it now.",
    }
)


class BanViewSet(viewsets.GenericViewSet):
    """Bans, current and past; banning and lifting (moderators)."""

    permission_classes = MODERATORS
    queryset = Ban.objects.none()  # for schema generation only; the selectors read
    lookup_value_regex = UUID_PATTERN
    filter_backends: list[Any] = []

    @extend_schema(
        parameters=[BanListInputSerializer],
        responses={200: BanOutputSerializer(many=True), **errors(400, 401, 403)},
        summary="Bans, newest first; `active=true` for those in force, `false` for past ones.",
    )
    def list(self, request: Request) -> Response:
        params = BanListInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        bans = ban_list(
            user_id=params.validated_data.get("user"), in_force=params.validated_data["active"]
        )
        page = self.paginate_queryset(bans)
        return self.get_paginated_response(BanOutputSerializer(page, many=True).data)

    @extend_schema(responses={200: BanOutputSerializer, **errors(401, 403, 404)})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(BanOutputSerializer(ban_get(ban_id=UUID(str(pk)))).data)

    @extend_schema(
        request=BanCreateInputSerializer,
        responses={201: BanOutputSerializer, **errors(400, 401, 403, 404, 409)},
        summary="Ban a user, with a reason (10-500 characters) and an optional end time.",
        description=(
            "The ban holds at once on every service (they read the same account). Nobody bans "
            "themself (400 `cannot_ban_self`) or an admin (403 `cannot_ban_admin`); a user "
            "already banned is 409 `user_already_banned`."
        ),
    )
    def create(self, request: Request) -> Response:
        payload = BanCreateInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        ban = user_ban(moderator_id=signed_in_user(request).id, **payload.validated_data)
        return Response(
            BanOutputSerializer(ban_get(ban_id=ban.id)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=BanLiftInputSerializer,
        responses={200: BanOutputSerializer, **errors(400, 401, 403, 404, 409)},
        summary="Lift a ban, with a reason (10-500 characters).",
    )
    @action(detail=True, methods=["post"])
    def lift(self, request: Request, pk: str) -> Response:
        payload = BanLiftInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        ban = ban_lift(
            moderator_id=signed_in_user(request).id,
            ban_id=UUID(str(pk)),
            reason=payload.validated_data["reason"],
        )
        return Response(BanOutputSerializer(ban_get(ban_id=ban.id)).data)


class AuditLogViewSet(viewsets.GenericViewSet):
    """The audit log of every moderator action (moderators)."""

    permission_classes = MODERATORS
    queryset = ModerationAction.objects.none()
    filter_backends: list[Any] = []

    @extend_schema(
        parameters=[AuditLogListInputSerializer],
        responses={200: ModerationActionOutputSerializer(many=True), **errors(400, 401, 403)},
        summary="Who did what, to which target, why and when; newest first.",
    )
    def list(self, request: Request) -> Response:
        params = AuditLogListInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        entries = audit_log_list(
            filters=AuditFilters(
                actor_id=data.get("actor"),
                action=data.get("action"),
                target_type=data.get("target_type"),
                target_id=data.get("target"),
                created_after=data.get("created_after"),
                created_before=data.get("created_before"),
            )
        )
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(ModerationActionOutputSerializer(page, many=True).data)


class ReportViewSet(viewsets.GenericViewSet):
    """Reports: anyone signed in files one and follows their own; moderators handle the queue."""

    permission_classes = MODERATORS
    queryset = Report.objects.none()
    lookup_value_regex = UUID_PATTERN
    filter_backends: list[Any] = []
    # Any signed-in user may file a report and follow their own; the rest is moderators'.
    signed_in_actions = frozenset({"create", "mine", "retrieve"})

    def get_permissions(self) -> list[Any]:
        if self.action in self.signed_in_actions:
            return [permission() for permission in SIGNED_IN]
        return list(super().get_permissions())

    @extend_schema(
        request=ReportCreateInputSerializer,
        responses={
            201: ReportMineOutputSerializer,
            200: ReportMineOutputSerializer,
            **errors(400, 401, 403, 404),
        },
        summary="Report an event, a crew, a message or a user.",
        description=(
            "201 for a new report; 200 with your earlier report when it is still open. "
            "What you cannot see cannot be reported (404)."
        ),
    )
    def create(self, request: Request) -> Response:
        payload = ReportCreateInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        report, created = report_create(
            reporter_id=signed_in_user(request).id, **payload.validated_data
        )
        return Response(
            ReportMineOutputSerializer(report).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        parameters=[ReportListInputSerializer],
        responses={200: ReportOutputSerializer(many=True), **errors(400, 401, 403)},
        summary="The report queue, oldest first (moderators).",
    )
    def list(self, request: Request) -> Response:
        params = ReportListInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        reports = report_list(status=params.validated_data.get("status"))
        page = self.paginate_queryset(reports)
        return self.get_paginated_response(ReportOutputSerializer(page, many=True).data)

    @extend_schema(
        responses={200: ReportMineOutputSerializer(many=True), **errors(401, 403)},
        summary="The reports you filed, newest first.",
    )
    @action(detail=False, methods=["get"])
    def mine(self, request: Request) -> Response:
        reports = report_list_of_reporter(reporter_id=signed_in_user(request).id)
        page = self.paginate_queryset(reports)
        return self.get_paginated_response(ReportMineOutputSerializer(page, many=True).data)

    @extend_schema(
        responses={
            # A moderator's view or a reporter's: anyOf, as the first also matches the second.
            200: OpenApiResponse(
                {
                    "anyOf": [
                        {"$ref": "#/components/schemas/ReportOutput"},
                        {"$ref": "#/components/schemas/ReportMineOutput"},
                    ]
                },
                description="Moderators get `ReportOutput`; a reporter `ReportMineOutput`.",
            ),
            **errors(401, 403, 404),
        },
        summary="One report: moderators see any; others only their own (as in `mine`).",
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        if is_moderator(request.user):
            return Response(ReportOutputSerializer(report_get(report_id=UUID(str(pk)))).data)
        report = report_get(report_id=UUID(str(pk)), reporter_id=request.user.id)
        return Response(ReportMineOutputSerializer(report).data)

    @extend_schema(
        request=None,
        responses={200: ReportOutputSerializer, **errors(401, 403, 404, 409)},
        summary="Take a report into review; it is assigned to you.",
    )
    @action(detail=True, methods=["post"])
    def take(self, request: Request, pk: str) -> Response:
        report = report_take(report_id=UUID(str(pk)), moderator_id=signed_in_user(request).id)
        return Response(ReportOutputSerializer(report_get(report_id=report.id)).data)

    @extend_schema(
        request=ReportResolveInputSerializer,
        responses={200: ReportOutputSerializer, **errors(400, 401, 403, 404, 409)},
        summary="Resolve a report: dismiss it, remove the content, or ban its author.",
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str) -> Response:
        payload = ReportResolveInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        report = report_resolve(
            report_id=UUID(str(pk)),
            moderator_id=signed_in_user(request).id,
            **payload.validated_data,
        )
        return Response(ReportOutputSerializer(report_get(report_id=report.id)).data)


class ContentRemovalViewSet(viewsets.GenericViewSet):
    """Taking events, crews and messages down (moderators)."""

    permission_classes = MODERATORS
    queryset = ModerationAction.objects.none()
    filter_backends: list[Any] = []

    @extend_schema(
        request=ContentRemovalInputSerializer,
        responses={201: ModerationActionOutputSerializer, **errors(400, 401, 403, 404, 409)},
        summary="Remove an event, a crew or a message; returns the audit row.",
        description=(
            "Soft: the owner of an event or a crew still sees it with `removed_at` and "
            "`removal_reason`; everyone else gets 404. A message becomes a tombstone."
        ),
    )
    def create(self, request: Request) -> Response:
        payload = ContentRemovalInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        audit = content_remove(moderator_id=signed_in_user(request).id, **payload.validated_data)
        return Response(
            ModerationActionOutputSerializer(audit).data, status=status.HTTP_201_CREATED
        )
