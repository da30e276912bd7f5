"""The event API: parse, authorize, call one service or selector, serialize."""

from __future__ import annotations

import builtins
import json
from collections.abc import Mapping
from typing import Any, cast
from uuid import UUID

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from event_service.api.filters import (
    EventGeoJSONInputSerializer,
    EventListInputSerializer,
    PlaceSearchInputSerializer,
)
from event_service.api.serializers import (
    EventCreateInputSerializer,
    EventGeoFeatureOutputSerializer,
    EventJoinInputSerializer,
    EventOutputSerializer,
    EventUpdateInputSerializer,
    ParticipationOutputSerializer,
    PlaceOutputSerializer,
    event_to_icalendar,
)
from shared.accounts.selectors import signed_in_user
from shared.api.pagination import PageNumberPagination
from shared.api.schema import ErrorResponses
from shared.api.urls import UUID_PATTERN
from shared.auth.permissions import NotBanned, ReadOnlyOrAuthenticated
from shared.events.models import Event, Place
from shared.events.selectors import (
    event_get,
    event_get_as_organizer,
    event_participants,
    event_record_get,
    event_search,
    event_search_json,
    place_search,
)
from shared.events.services import (
    event_cancel,
    event_create,
    event_join,
    event_leave,
    event_update,
)

errors = ErrorResponses(
    {
        403: "Banned, or not the organizer.",
        404: "No such event, or a private one.",
        409: "Cancelled, ended, or full.",
    }
)


def _viewer_id(request: Request) -> UUID | None:
    return request.user.id if request.user and request.user.is_authenticated else None


class ICalendarRenderer(BaseRenderer):
    """Lets `Accept: text/calendar` through negotiation; errors still go out as JSON."""

    media_type = "text/calendar"
    format = "ics"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if isinstance(data, bytes):
            return data
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return json.dumps(data).encode()


class EventViewSet(viewsets.GenericViewSet):
    """Events: discovery and the map for anyone; writes for signed-in users."""

    permission_classes = [ReadOnlyOrAuthenticated, NotBanned]
    queryset = Event.objects.none()  # for schema generation only; the selectors read
    lookup_value_regex = UUID_PATTERN
    filter_backends: list[Any] = []

    @extend_schema(
        parameters=[EventListInputSerializer],
        responses={200: EventOutputSerializer(many=True), **errors(400, 401, 403)},
        summary="Find events (text, type, dates, near a point, in a map box).",
    )
    def list(self, request: Request) -> Response:
        params = EventListInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        viewer_id = self._viewer_for(params, request)
        filters = params.to_filters(viewer_id=viewer_id)

        def fetch(offset: int, limit: int) -> tuple[int, list[dict[str, Any]]]:
            # Already in `EventOutputSerializer`'s shape, built by PostgreSQL.
            return event_search_json(
                viewer_id=viewer_id, filters=filters, offset=offset, limit=limit
            )

        return self.get_paginated_response(
            cast(PageNumberPagination, self.paginator).paginate_counted(fetch, request)
        )

    @extend_schema(
        parameters=[EventGeoJSONInputSerializer],
        responses={200: EventGeoFeatureOutputSerializer(many=True), **errors(400, 401, 403)},
        summary="The events of the list as a GeoJSON FeatureCollection, for the map.",
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def geojson(self, request: Request) -> Response:
        params = EventGeoJSONInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        viewer_id = self._viewer_for(params, request)
        found = event_search(
            viewer_id=viewer_id,
            filters=params.to_filters(viewer_id=viewer_id),
            limit=params.validated_data["limit"],
        )
        return Response(EventGeoFeatureOutputSerializer(found.events, many=True).data)

    @extend_schema(
        request=EventCreateInputSerializer,
        responses={201: EventOutputSerializer, **errors(400, 401, 403)},
        summary="Create an event; you organise it and go to it.",
    )
    def create(self, request: Request) -> Response:
        payload = EventCreateInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        event = event_create(organizer_id=signed_in_user(request).id, **payload.validated_data)
        return Response(EventOutputSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: EventOutputSerializer, **errors(403, 404)})
    def retrieve(self, request: Request, pk: str) -> Response:
        event = event_record_get(event_id=UUID(str(pk)), viewer_id=_viewer_id(request))
        return Response(EventOutputSerializer(event).data)

    @extend_schema(
        request=EventUpdateInputSerializer,
        responses={200: EventOutputSerializer, **errors(400, 401, 403, 404, 409)},
        summary="Replace an event's details (organizer only).",
    )
    def update(self, request: Request, pk: str) -> Response:
        return self._update(request, pk, partial=False)

    @extend_schema(
        request=EventUpdateInputSerializer,
        responses={200: EventOutputSerializer, **errors(400, 401, 403, 404, 409)},
        summary="Change some of an event's details (organizer only).",
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        return self._update(request, pk, partial=True)

    @extend_schema(
        responses={204: None, **errors(401, 403, 404)},
        summary="Cancel the event (organizer only); it stays, marked cancelled.",
    )
    def destroy(self, request: Request, pk: str) -> Response:
        event_cancel(event_id=UUID(str(pk)), actor_id=signed_in_user(request).id)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=EventJoinInputSerializer,
        responses={
            201: ParticipationOutputSerializer,
            200: ParticipationOutputSerializer,
            **errors(400, 401, 403, 404, 409),
        },
        summary="RSVP: going, interested, or a place on the waitlist.",
        description=(
            "201 for a new RSVP, 200 for a changed or repeated one. `going` on a full event "
            "is 409 `event_full`; `waitlisted` takes a free seat if there is one, else queues."
        ),
    )
    @action(detail=True, methods=["post"])
    def join(self, request: Request, pk: str) -> Response:
        payload = EventJoinInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        user = signed_in_user(request)
        participation, created = event_join(
            event_id=UUID(str(pk)), user_id=user.id, status=payload.validated_data["status"]
        )
        participation.user = user  # the caller's row, already read: not a query again
        return Response(
            ParticipationOutputSerializer(participation).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        request=None,
        responses={204: None, **errors(401, 403, 404, 409)},
        summary="Withdraw your RSVP; a seat you free goes to the first on the waitlist.",
    )
    @action(detail=True, methods=["delete"])
    def leave(self, request: Request, pk: str) -> Response:
        event_leave(event_id=UUID(str(pk)), user_id=signed_in_user(request).id)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        responses={200: ParticipationOutputSerializer(many=True), **errors(401, 403, 404)},
        summary="Who goes: going, then interested, then the waitlist in order.",
    )
    @action(detail=True, methods=["get"], permission_classes=[IsAuthenticated, NotBanned])
    def participants(self, request: Request, pk: str) -> Response:
        participations = event_participants(event_id=UUID(str(pk)), viewer_id=request.user.id)
        page = self.paginate_queryset(participations)
        return self.get_paginated_response(ParticipationOutputSerializer(page, many=True).data)

    @extend_schema(
        responses={
            (200, "text/calendar"): OpenApiResponse(
                OpenApiTypes.STR, description="An iCalendar file with one VEVENT."
            ),
            **errors(403, 404),
        },
        summary="The event as an .ics file for a calendar app.",
        operation_id="events_calendar_retrieve",
    )
    def calendar(self, request: Request, pk: UUID | str) -> HttpResponse:
        event = event_get(event_id=UUID(str(pk)), viewer_id=_viewer_id(request))
        response = HttpResponse(
            event_to_icalendar(event), content_type="text/calendar; charset=utf-8"
        )
        response["Content-Disposition"] = f'inline; filename="crewup-event-{event.id}.ics"'
        return response

    def get_renderers(self) -> builtins.list[BaseRenderer]:  # `list` here is the action
        if self.action == "calendar":
            return [ICalendarRenderer(), JSONRenderer()]
        return super().get_renderers()

    def _update(self, request: Request, pk: str, *, partial: bool) -> Response:
        event_id = UUID(str(pk))
        # Who may change the event before what they sent: an outsider gets 403 (or 404), never
        # the validation of their input.
        event_get_as_organizer(event_id=event_id, actor_id=signed_in_user(request).id)
        payload = EventUpdateInputSerializer(data=request.data, partial=partial)
        payload.is_valid(raise_exception=True)
        event = event_update(
            event_id=event_id, actor_id=signed_in_user(request).id, data=payload.validated_data
        )
        return Response(EventOutputSerializer(event).data)

    def _viewer_for(self, params: EventListInputSerializer, request: Request) -> UUID | None:
        viewer_id = _viewer_id(request)
        if viewer_id is None and params.needs_viewer:
            raise NotAuthenticated("Sign in to filter by your own events.")
        return viewer_id


class PlaceViewSet(viewsets.GenericViewSet):
    """Places to hold an event at, for the event form's venue field (#15).

    Signed-in users only, as the form is: the search costs a query per keystroke, and
    anonymous clients have nothing to create.
    """

    permission_classes = [IsAuthenticated, NotBanned]
    queryset = Place.objects.none()  # for schema generation only; the selector reads
    filter_backends: list[Any] = []
    pagination_class = None

    @extend_schema(
        parameters=[PlaceSearchInputSerializer],
        responses={200: PlaceOutputSerializer(many=True), **errors(400, 401, 403)},
        summary="Find venues, streets and addresses by name, the best ten first.",
        description=(
            "Matches a prefix, a word inside the name or address, or a small typo; names "
            "that start with `q` first, then the closest matches, then (with `near`) the "
            "nearest."
        ),
    )
    def list(self, request: Request) -> Response:
        params = PlaceSearchInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        places = place_search(q=params.validated_data["q"], near=params.validated_data.get("near"))
        return Response(PlaceOutputSerializer(places, many=True).data)
