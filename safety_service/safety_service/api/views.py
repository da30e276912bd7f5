"""The safety API: parse, authorize, call one service or selector, serialize.

Every endpoint needs a signed-in user who is not banned. Who may do what with an alert is
decided by the services and selectors: an alert the viewer may not see answers 404 (its
sender, the members of its crews and moderators see it), a visible one where the viewer
lacks the standing answers 403.
"""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from safety_service.api.serializers import (
    AcknowledgementOutputSerializer,
    AlertAcknowledgeInputSerializer,
    AlertCreateInputSerializer,
    AlertCreateOutputSerializer,
    AlertDetailOutputSerializer,
    AlertListInputSerializer,
    AlertLocationAddInputSerializer,
    AlertOutputSerializer,
    AlertResolveInputSerializer,
    AlertTokenAcknowledgeInputSerializer,
    CheckInCheckInInputSerializer,
    CheckInCreateInputSerializer,
    CheckInExtendInputSerializer,
    CheckInListInputSerializer,
    CheckInOutputSerializer,
    TrailPointOutputSerializer,
)
from shared.accounts.selectors import signed_in_user
from shared.api.pagination import PageNumberPagination
from shared.api.schema import ErrorResponses
from shared.api.urls import UUID_PATTERN
from shared.auth.permissions import is_moderator
from shared.safety.models import Alert, CheckInTimer
from shared.safety.selectors import (
    AlertRecord,
    alert_get,
    alert_locations,
    alert_search,
    checkin_timer_get,
    checkin_timer_list,
    crew_ids_of,
)
from shared.safety.services import (
    alert_acknowledge,
    alert_acknowledge_with_token,
    alert_cancel,
    alert_location_add,
    alert_raise,
    alert_resolve,
    checkin_timer_cancel,
    checkin_timer_check_in,
    checkin_timer_extend,
    checkin_timer_set,
)

errors = ErrorResponses(
    {
        403: "Banned, or lacking the standing for this alert.",
        404: "No such alert or crew (or one you may not see).",
        409: "Conflicts with the alert's state.",
        429: "Too many alerts; `retry_after`.",
    }
)


class AlertViewSet(viewsets.GenericViewSet):
    """Safety alerts: raise one to your crews, answer one, follow its sender."""

    queryset = Alert.objects.none()  # for schema generation only; the selectors read
    lookup_value_regex = UUID_PATTERN
    filter_backends: list[Any] = []

    def _context(self, request: Request) -> dict[str, Any]:
        return {
            "viewer_id": request.user.id,
            "viewer_crew_ids": crew_ids_of(user_id=signed_in_user(request).id),
            "sees_all_crews": is_moderator(request.user),
        }

    def _alert_page(self, request: Request, *, sent_only: bool) -> Response:
        params = AlertListInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)

        def fetch(offset: int, limit: int) -> tuple[int, list[AlertRecord]]:
            found = alert_search(
                viewer_id=signed_in_user(request).id,
                sent_only=sent_only,
                status=params.validated_data.get("status"),
                sees_all_crews=is_moderator(request.user),
                offset=offset,
                limit=limit,
            )
            return found.total, found.alerts

        page = cast(PageNumberPagination, self.paginator).paginate_counted(fetch, request)
        return self.get_paginated_response(AlertOutputSerializer(page, many=True).data)

    def _detail(self, request: Request, alert_id: UUID, **extra: Any) -> dict[str, Any]:
        alert = alert_get(
            alert_id=alert_id,
            viewer_id=signed_in_user(request).id,
            viewer_is_moderator=is_moderator(request.user),
        )
        serializer = AlertCreateOutputSerializer if extra else AlertDetailOutputSerializer
        for name, value in extra.items():
            setattr(alert, name, value)
        return serializer(alert, context=self._context(request)).data

    @extend_schema(
        parameters=[AlertListInputSerializer],
        responses={200: AlertOutputSerializer(many=True), **errors(400, 401, 403)},
        summary="The alerts of your crews (yours included), newest first; `?status=open`.",
    )
    def list(self, request: Request) -> Response:
        return self._alert_page(request, sent_only=False)

    @extend_schema(
        parameters=[AlertListInputSerializer],
        responses={200: AlertOutputSerializer(many=True), **errors(400, 401, 403)},
        summary="The alerts you raised (your check-in timers' included), newest first.",
    )
    @action(detail=False, methods=["get"])
    def mine(self, request: Request) -> Response:
        return self._alert_page(request, sent_only=True)

    @extend_schema(
        request=AlertCreateInputSerializer,
        responses={201: AlertCreateOutputSerializer, **errors(400, 401, 403, 404, 429)},
        summary=(
            "Raise an alert to one or several of your crews, with where you are when known "
            "(`location` null: not known yet)."
        ),
    )
    def create(self, request: Request) -> Response:
        params = AlertCreateInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        location = data["location"] or {}
        raised = alert_raise(
            sender_id=signed_in_user(request).id,
            group_ids=data["group_ids"],
            alert_type=data["alert_type"],
            message=data["message"],
            lat=location.get("lat"),
            lng=location.get("lng"),
            accuracy_m=location.get("accuracy_m"),
        )
        body = self._detail(request, raised.alert.id, skipped_group_ids=raised.skipped_group_ids)
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={200: AlertDetailOutputSerializer, **errors(401, 403, 404)},
        summary="One alert, with who answered and its latest trail.",
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self._detail(request, UUID(pk)))

    @extend_schema(
        request=AlertAcknowledgeInputSerializer,
        responses={200: AcknowledgementOutputSerializer, **errors(400, 401, 403, 404, 409)},
        summary="Answer an alert of your crew: seen, on my way, with them (the sender sees it live).",
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str) -> Response:
        params = AlertAcknowledgeInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        acknowledgement = alert_acknowledge(
            alert_id=UUID(pk),
            user_id=signed_in_user(request).id,
            kind=params.validated_data["kind"],
            user_is_moderator=is_moderator(request.user),
        )
        return Response(AcknowledgementOutputSerializer(acknowledgement).data)

    @extend_schema(
        request=AlertTokenAcknowledgeInputSerializer,
        responses={201: AcknowledgementOutputSerializer, **errors(400, 403, 404, 409)},
        summary="Answer an alert from its push notification, with the single-use token it "
        "carried (no access token: see shared.safety.ack_tokens).",
        auth=[],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="token-acknowledgements",
        authentication_classes=[],
        permission_classes=[AllowAny],
    )
    def token_acknowledgements(self, request: Request, pk: str) -> Response:
        params = AlertTokenAcknowledgeInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        acknowledgement = alert_acknowledge_with_token(
            alert_id=UUID(pk),
            token=params.validated_data["token"],
            kind=params.validated_data["kind"],
        )
        return Response(AcknowledgementOutputSerializer(acknowledgement).data, status=201)

    @extend_schema(
        request=AlertResolveInputSerializer,
        responses={200: AlertDetailOutputSerializer, **errors(400, 401, 403, 404, 409)},
        summary="Close an alert as dealt with (its sender or a crew admin), with an optional note.",
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str) -> Response:
        params = AlertResolveInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        alert_resolve(
            alert_id=UUID(pk),
            actor_id=signed_in_user(request).id,
            note=params.validated_data["note"],
            actor_is_moderator=is_moderator(request.user),
        )
        return Response(self._detail(request, UUID(pk)))

    @extend_schema(
        request=None,
        responses={200: AlertDetailOutputSerializer, **errors(401, 403, 404, 409)},
        summary="Withdraw your own alert as a false alarm, shortly after raising it.",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        alert_cancel(
            alert_id=UUID(pk),
            actor_id=signed_in_user(request).id,
            actor_is_moderator=is_moderator(request.user),
        )
        return Response(self._detail(request, UUID(pk)))

    @extend_schema(
        methods=["GET"],
        responses={200: TrailPointOutputSerializer(many=True), **errors(401, 403, 404)},
        summary="The alert's whole trail, oldest first.",
    )
    @extend_schema(
        methods=["POST"],
        request=AlertLocationAddInputSerializer,
        responses={201: TrailPointOutputSerializer, **errors(400, 401, 403, 404, 409)},
        summary="Add your current position to your open alert (the crews see it live).",
    )
    @action(detail=True, methods=["get", "post"])
    def locations(self, request: Request, pk: str) -> Response:
        if request.method == "GET":
            points = alert_locations(
                alert_id=UUID(pk),
                viewer_id=signed_in_user(request).id,
                viewer_is_moderator=is_moderator(request.user),
            )
            page = self.paginate_queryset(points)
            return self.get_paginated_response(TrailPointOutputSerializer(page, many=True).data)
        params = AlertLocationAddInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        point = alert_location_add(
            alert_id=UUID(pk),
            actor_id=signed_in_user(request).id,
            lat=data["lat"],
            lng=data["lng"],
            accuracy_m=data["accuracy_m"],
            recorded_at=data["recorded_at"],
            actor_is_moderator=is_moderator(request.user),
        )
        return Response(TrailPointOutputSerializer(point).data, status=status.HTTP_201_CREATED)


def _location(data: dict[str, Any] | None) -> dict[str, Any]:
    """The optional position as the services take it: `lat` and `lng`, both None without one."""
    return {"lat": data["lat"], "lng": data["lng"]} if data else {"lat": None, "lng": None}


class CheckInViewSet(viewsets.GenericViewSet):
    """Check-in timers: unless you check in by the time you set, your crew is alerted."""

    queryset = CheckInTimer.objects.none()
    lookup_value_regex = UUID_PATTERN
    filter_backends: list[Any] = []

    @extend_schema(
        request=CheckInCreateInputSerializer,
        responses={201: CheckInOutputSerializer, **errors(400, 401, 403, 404, 409)},
        summary="Set a check-in time for one of your crews (a dead-man switch).",
    )
    def create(self, request: Request) -> Response:
        params = CheckInCreateInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        timer = checkin_timer_set(
            user_id=signed_in_user(request).id,
            group_id=data["group_id"],
            due_at=data["due_at"],
            message=data["message"],
            **_location(data["location"]),
        )
        timer = checkin_timer_get(timer_id=timer.id, user_id=signed_in_user(request).id)
        return Response(CheckInOutputSerializer(timer).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={200: CheckInOutputSerializer, **errors(401, 403, 404)},
        summary="One of your check-in timers.",
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        timer = checkin_timer_get(timer_id=UUID(pk), user_id=signed_in_user(request).id)
        return Response(CheckInOutputSerializer(timer).data)

    @extend_schema(
        parameters=[CheckInListInputSerializer],
        responses={200: CheckInOutputSerializer(many=True), **errors(400, 401, 403)},
        summary="Your check-in timers, newest first; `?status=active`.",
    )
    @action(detail=False, methods=["get"])
    def mine(self, request: Request) -> Response:
        params = CheckInListInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        timers = checkin_timer_list(
            user_id=signed_in_user(request).id, status=params.validated_data.get("status")
        )
        page = self.paginate_queryset(timers)
        return self.get_paginated_response(CheckInOutputSerializer(page, many=True).data)

    @extend_schema(
        request=CheckInExtendInputSerializer,
        responses={200: CheckInOutputSerializer, **errors(400, 401, 403, 404, 409)},
        summary="Move your check-in time (and tell where you are now).",
    )
    @action(detail=True, methods=["post"])
    def extend(self, request: Request, pk: str) -> Response:
        params = CheckInExtendInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        checkin_timer_extend(
            timer_id=UUID(pk),
            user_id=signed_in_user(request).id,
            due_at=data["due_at"],
            **_location(data["location"]),
        )
        return self._answer(request, pk)

    @extend_schema(
        request=None,
        responses={200: CheckInOutputSerializer, **errors(401, 403, 404, 409)},
        summary="Switch a check-in timer off without checking in.",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        checkin_timer_cancel(timer_id=UUID(pk), user_id=signed_in_user(request).id)
        return self._answer(request, pk)

    @extend_schema(
        request=CheckInCheckInInputSerializer,
        responses={200: CheckInOutputSerializer, **errors(400, 401, 403, 404, 409)},
        summary="Check in: you are fine, and the timer will not fire.",
    )
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request: Request, pk: str) -> Response:
        params = CheckInCheckInInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        checkin_timer_check_in(
            timer_id=UUID(pk),
            user_id=signed_in_user(request).id,
            **_location(params.validated_data["location"]),
        )
        return self._answer(request, pk)

    def _answer(self, request: Request, pk: str) -> Response:
        timer = checkin_timer_get(timer_id=UUID(pk), user_id=signed_in_user(request).id)
        return Response(CheckInOutputSerializer(timer).data)
