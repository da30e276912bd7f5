"""The crew API: parse, authorize, call one service or selector, serialize.

Every endpoint needs a signed-in user who is not banned: crews are people. Who may do what
inside a crew is decided by the services and selectors, which answer 404 for a crew the
viewer may not see (a private crew they are not in) and 403 for a visible crew where the
viewer lacks the role.
"""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from group_service.api.serializers import (
    GroupCreateInputSerializer,
    GroupJoinByInviteInputSerializer,
    GroupListInputSerializer,
    GroupOutputSerializer,
    GroupTransferOwnershipInputSerializer,
    GroupUpdateInputSerializer,
    InternalMembershipOutputSerializer,
    InviteCreateInputSerializer,
    InviteCreateOutputSerializer,
    InviteOutputSerializer,
    JoinRequestCreateInputSerializer,
    JoinRequestListInputSerializer,
    JoinRequestOutputSerializer,
    MembershipOutputSerializer,
    MembershipUpdateInputSerializer,
)
from shared.accounts.selectors import signed_in_user
from shared.api.pagination import PageNumberPagination
from shared.api.schema import ErrorResponses
from shared.api.urls import UUID_PATTERN
from shared.auth.permissions import IsService, NotBanned, is_moderator
from shared.groups.errors import MembershipNotFound
from shared.groups.models import Group
from shared.groups.selectors import (
    GroupRecord,
    group_member_ids,
    group_members,
    group_record_get,
    group_search,
    invite_list,
    join_request_list,
    membership_get,
)
from shared.groups.services import (
    group_create,
    group_join,
    group_join_by_invite,
    group_leave,
    group_member_remove,
    group_member_set_role,
    group_transfer_ownership,
    group_update,
    invite_create,
    invite_revoke,
    join_request_approve,
    join_request_cancel,
    join_request_create,
    join_request_reject,
)

# Every crew operation needs a token and refuses the banned: each lists 401 and 403 first.
errors = ErrorResponses(
    {
        403: "Banned, or lacking the role in the crew.",
        404: "No such crew (or a private one you are not in).",
        409: "Conflicts with the crew's state.",
    }
)


def _created_or_ok(created: bool) -> int:
    return status.HTTP_201_CREATED if created else status.HTTP_200_OK


class GroupViewSet(viewsets.GenericViewSet):
    """Crews: create, find, join (open, by request, by invite), leave, and administer."""

    permission_classes = [IsAuthenticated, NotBanned]
    queryset = Group.objects.none()  # for schema generation only; the selectors read
    lookup_value_regex = UUID_PATTERN
    filter_backends: list[Any] = []

    # --- the crew ---

    @extend_schema(
        parameters=[GroupListInputSerializer],
        responses={200: GroupOutputSerializer(many=True), **errors(401, 403, 400)},
        summary="Crews you may see: of one event, or your own.",
    )
    def list(self, request: Request) -> Response:
        params = GroupListInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        viewer_id = request.user.id

        def fetch(offset: int, limit: int) -> tuple[int, list[GroupRecord]]:
            found = group_search(
                viewer_id=viewer_id, offset=offset, limit=limit, **params.validated_data
            )
            return found.total, found.groups

        page = cast(PageNumberPagination, self.paginator).paginate_counted(fetch, request)
        return self.get_paginated_response(GroupOutputSerializer(page, many=True).data)

    @extend_schema(
        request=GroupCreateInputSerializer,
        responses={201: GroupOutputSerializer, **errors(401, 403, 400, 404, 409)},
        summary="Create a crew for an event; you own it.",
        description=(
            "404 `event_not_found` for an unknown event or a private one you cannot see; "
            "409 `event_cancelled` or `event_ended`. A private crew is invite-only."
        ),
    )
    def create(self, request: Request) -> Response:
        payload = GroupCreateInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        group = group_create(creator_id=signed_in_user(request).id, **payload.validated_data)
        return Response(GroupOutputSerializer(group).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={200: GroupOutputSerializer, **errors(401, 403, 404)},
        summary="One crew (moderators also see removed crews).",
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        group = group_record_get(
            group_id=UUID(pk),
            viewer_id=request.user.id,
            include_removed=is_moderator(request.user),
        )
        return Response(GroupOutputSerializer(group).data)

    @extend_schema(
        request=GroupUpdateInputSerializer,
        responses={200: GroupOutputSerializer, **errors(401, 403, 400, 404, 409)},
        summary="Change the crew's details (owner and admins).",
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        payload = GroupUpdateInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        group = group_update(
            group_id=UUID(pk), actor_id=signed_in_user(request).id, data=payload.validated_data
        )
        return Response(GroupOutputSerializer(group).data)

    # --- joining and leaving ---

    @extend_schema(
        request=None,
        responses={
            201: MembershipOutputSerializer,
            200: MembershipOutputSerializer,
            **errors(401, 403, 404, 409),
        },
        summary="Join an open crew.",
        description="201 when you join, 200 when you were already in. 409 `group_full`, "
        "`group_not_open`, `event_cancelled` or `event_ended`.",
    )
    @action(detail=True, methods=["post"])
    def join(self, request: Request, pk: str) -> Response:
        membership, created = group_join(group_id=UUID(pk), user_id=signed_in_user(request).id)
        return Response(MembershipOutputSerializer(membership).data, status=_created_or_ok(created))

    @extend_schema(
        request=GroupJoinByInviteInputSerializer,
        responses={
            201: MembershipOutputSerializer,
            200: MembershipOutputSerializer,
            **errors(401, 403, 400, 404, 409),
        },
        summary="Join the crew an invite link opens.",
        description="404 `invite_not_found`; 409 `invite_revoked`, `invite_expired`, "
        "`invite_used_up`, `group_full`. 200 when you were already in (no use is spent).",
    )
    @action(detail=False, methods=["post"], url_path="join-by-invite")
    def join_by_invite(self, request: Request) -> Response:
        payload = GroupJoinByInviteInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        membership, created = group_join_by_invite(
            token=payload.validated_data["token"], user_id=signed_in_user(request).id
        )
        return Response(MembershipOutputSerializer(membership).data, status=_created_or_ok(created))

    @extend_schema(
        request=None,
        responses={204: None, **errors(401, 403, 404, 409)},
        summary="Leave the crew (POST or DELETE).",
        description="The owner hands over ownership first (409 `owner_must_transfer`), unless "
        "they are the last member: then the crew is closed.",
    )
    @action(detail=True, methods=["post", "delete"])
    def leave(self, request: Request, pk: str) -> Response:
        group_leave(group_id=UUID(pk), user_id=signed_in_user(request).id)
        return Response(status=status.HTTP_204_NO_CONTENT)

    # --- members and roles ---

    @extend_schema(
        responses={200: MembershipOutputSerializer(many=True), **errors(401, 403, 404)},
        summary="The members: owner, admins, then members.",
    )
    @action(detail=True, methods=["get"])
    def members(self, request: Request, pk: str) -> Response:
        memberships = group_members(group_id=UUID(pk), viewer_id=request.user.id)
        page = self.paginate_queryset(memberships)
        return self.get_paginated_response(MembershipOutputSerializer(page, many=True).data)

    @extend_schema(
        request=None,
        responses={204: None, **errors(401, 403, 400, 404)},
        summary="Remove a member (admins remove members; the owner also removes admins).",
    )
    @action(
        detail=True,
        methods=["delete"],
        url_path=rf"members/(?P<user_id>{UUID_PATTERN})",
        url_name="member",
    )
    def member_remove(self, request: Request, pk: str, user_id: str) -> Response:
        group_member_remove(
            group_id=UUID(pk), actor_id=signed_in_user(request).id, user_id=UUID(user_id)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=MembershipUpdateInputSerializer,
        responses={200: MembershipOutputSerializer, **errors(401, 403, 400, 404, 409)},
        summary="Make a member an admin or an admin a member (the owner).",
    )
    @member_remove.mapping.patch
    def member_update(self, request: Request, pk: str, user_id: str) -> Response:
        payload = MembershipUpdateInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        membership = group_member_set_role(
            group_id=UUID(pk),
            actor_id=signed_in_user(request).id,
            user_id=UUID(user_id),
            role=payload.validated_data["role"],
        )
        return Response(MembershipOutputSerializer(membership).data)

    @extend_schema(
        request=GroupTransferOwnershipInputSerializer,
        responses={200: GroupOutputSerializer, **errors(401, 403, 400, 404)},
        summary="Hand the crew to another member; you become an admin (the owner).",
    )
    @action(detail=True, methods=["post"], url_path="transfer-ownership")
    def transfer_ownership(self, request: Request, pk: str) -> Response:
        payload = GroupTransferOwnershipInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        group = group_transfer_ownership(
            group_id=UUID(pk),
            actor_id=signed_in_user(request).id,
            new_owner_id=payload.validated_data["user_id"],
        )
        return Response(GroupOutputSerializer(group).data)

    # --- join requests ---

    @extend_schema(
        parameters=[JoinRequestListInputSerializer],
        responses={200: JoinRequestOutputSerializer(many=True), **errors(401, 403, 400, 404)},
        summary="Join requests: admins see everyone's, others their own.",
    )
    @action(detail=True, methods=["get"], url_path="join-requests")
    def join_requests(self, request: Request, pk: str) -> Response:
        params = JoinRequestListInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        requests = join_request_list(
            group_id=UUID(pk), viewer_id=signed_in_user(request).id, status=params.status_filter
        )
        page = self.paginate_queryset(requests)
        return self.get_paginated_response(JoinRequestOutputSerializer(page, many=True).data)

    @extend_schema(
        request=JoinRequestCreateInputSerializer,
        responses={
            201: JoinRequestOutputSerializer,
            200: JoinRequestOutputSerializer,
            **errors(401, 403, 400, 404, 409),
        },
        summary="Ask to join a crew that takes requests.",
        description="201 for a new request, 200 when one of yours is already pending. "
        "409 `join_requests_closed` or `already_member`.",
    )
    @join_requests.mapping.post
    def request_to_join(self, request: Request, pk: str) -> Response:
        payload = JoinRequestCreateInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        join_request, created = join_request_create(
            group_id=UUID(pk), user_id=signed_in_user(request).id, **payload.validated_data
        )
        return Response(
            JoinRequestOutputSerializer(join_request).data, status=_created_or_ok(created)
        )

    @extend_schema(
        request=None,
        responses={204: None, **errors(401, 403, 404, 409)},
        summary="Withdraw your join request.",
    )
    @action(
        detail=True,
        methods=["delete"],
        url_path=rf"join-requests/(?P<request_id>{UUID_PATTERN})",
        url_name="join-request",
    )
    def withdraw_join_request(self, request: Request, pk: str, request_id: str) -> Response:
        join_request_cancel(
            group_id=UUID(pk), request_id=UUID(request_id), user_id=signed_in_user(request).id
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=None,
        responses={200: JoinRequestOutputSerializer, **errors(401, 403, 404, 409)},
        summary="Approve a join request (admins); the requester becomes a member.",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=rf"join-requests/(?P<request_id>{UUID_PATTERN})/approve",
        url_name="join-request-approve",
    )
    def approve_join_request(self, request: Request, pk: str, request_id: str) -> Response:
        join_request = join_request_approve(
            group_id=UUID(pk), request_id=UUID(request_id), actor_id=signed_in_user(request).id
        )
        return Response(JoinRequestOutputSerializer(join_request).data)

    @extend_schema(
        request=None,
        responses={200: JoinRequestOutputSerializer, **errors(401, 403, 404, 409)},
        summary="Reject a join request (admins).",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=rf"join-requests/(?P<request_id>{UUID_PATTERN})/reject",
        url_name="join-request-reject",
    )
    def reject_join_request(self, request: Request, pk: str, request_id: str) -> Response:
        join_request = join_request_reject(
            group_id=UUID(pk), request_id=UUID(request_id), actor_id=signed_in_user(request).id
        )
        return Response(JoinRequestOutputSerializer(join_request).data)

    # --- invites ---

    @extend_schema(
        responses={200: InviteOutputSerializer(many=True), **errors(401, 403, 404)},
        summary="The crew's invites, revoked and expired ones included (admins).",
    )
    @action(detail=True, methods=["get"])
    def invites(self, request: Request, pk: str) -> Response:
        invites = invite_list(group_id=UUID(pk), viewer_id=signed_in_user(request).id)
        page = self.paginate_queryset(invites)
        return self.get_paginated_response(InviteOutputSerializer(page, many=True).data)

    @extend_schema(
        request=InviteCreateInputSerializer,
        responses={201: InviteCreateOutputSerializer, **errors(401, 403, 400, 404)},
        summary="Create an invite link (admins); its token is shown only in this response.",
    )
    @invites.mapping.post
    def create_invite(self, request: Request, pk: str) -> Response:
        payload = InviteCreateInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        invite, token = invite_create(
            group_id=UUID(pk), actor_id=signed_in_user(request).id, **payload.validated_data
        )
        return Response(
            InviteCreateOutputSerializer(invite, context={"token": token}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        request=None,
        responses={204: None, **errors(401, 403, 404)},
        summary="Revoke an invite (admins).",
    )
    @action(
        detail=True,
        methods=["delete"],
        url_path=rf"invites/(?P<invite_id>{UUID_PATTERN})",
        url_name="invite",
    )
    def revoke_invite(self, request: Request, pk: str, invite_id: str) -> Response:
        invite_revoke(
            group_id=UUID(pk), invite_id=UUID(invite_id), actor_id=signed_in_user(request).id
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class InternalGroupViewSet(viewsets.GenericViewSet):
    """For CrewUp's other services only (the safety service checks membership before an alert).

    Needs a token with the `service` realm role; it is mounted under `/internal/`, which the
    public ingress does not route (see `group_service.urls`).
    """

    permission_classes = [IsAuthenticated, IsService]
    queryset = Group.objects.none()
    pagination_class = None
    filter_backends: list[Any] = []

    @extend_schema(exclude=True)
    def member(self, request: Request, group_id: UUID, user_id: UUID) -> Response:
        membership = membership_get(group_id=group_id, user_id=user_id)
        if membership is None:
            raise MembershipNotFound()
        data = {
            "group_id": membership.group_id,
            "user_id": membership.user_id,
            "role": membership.role,
            "event_id": membership.group.event_id,
            "member_ids": group_member_ids(group_id=group_id),
        }
        return Response(InternalMembershipOutputSerializer(data).data)
