"""Join requests to a crew whose policy is `request`: asked, withdrawn, approved, rejected."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from shared.groups.errors import (
    AlreadyMember,
    JoinRequestNotFound,
    JoinRequestNotPending,
    JoinRequestsClosed,
    NotJoinRequestAuthor,
)
from shared.groups.models import Group, JoinPolicy, JoinRequest, JoinRequestStatus, Membership
from shared.groups.services._common import (
    _add_member,
    _lock_group,
    _require_admin,
    _require_event_open,
)
from shared.messaging.outbox import outbox_enqueue
from shared.messaging.schemas import JoinRequestApproved, JoinRequestReceived, JoinRequestRejected


@transaction.atomic
def join_request_create(
    *,
    group_id: UUID,
    user_id: UUID,
    message: str = "",
    now: datetime | None = None,
) -> tuple[JoinRequest, bool]:
    """Ask to join a crew whose policy is `request`; return the request and whether it is new.

    Asking again while a request is pending returns that request. A full crew still takes
    requests: an admin may make room before approving.

    Raises:
        GroupNotFound: no such crew, one the user may not see, or a removed one.
        AlreadyMember: the user is already in the crew.
        JoinRequestsClosed: the crew's policy is not `request`.
        EventCancelled, EventEnded: the crew's event is cancelled or over.
        ValidationError: the message is too long.
    """
    group = _lock_group(group_id=group_id, viewer_id=user_id)
    if Membership.objects.filter(group=group, user_id=user_id).exists():
        raise AlreadyMember()
    if group.join_policy != JoinPolicy.REQUEST:
        raise JoinRequestsClosed()
    _require_event_open(group.event, now or timezone.now())
    pending = JoinRequest.objects.filter(
        group=group, user_id=user_id, status=JoinRequestStatus.PENDING
    ).first()
    if pending is not None:
        return pending, False
    join_request = JoinRequest(group=group, user_id=user_id, message=message)
    join_request.full_clean()
    join_request.save()
    outbox_enqueue(
        event=JoinRequestReceived(request_id=join_request.id, group_id=group.id, user_id=user_id)
    )
    return join_request, True


@transaction.atomic
def join_request_cancel(
    *, group_id: UUID, request_id: UUID, user_id: UUID, now: datetime | None = None
) -> JoinRequest:
    """Withdraw one's own pending join request.

    Raises:
        GroupNotFound: no such crew, one the user may not see, or a removed one.
        JoinRequestNotFound: no such request in this crew.
        NotJoinRequestAuthor: the request is someone else's.
        JoinRequestNotPending: the request was already decided or cancelled.
    """
    group = _lock_group(group_id=group_id, viewer_id=user_id)
    join_request = _lock_request(group, request_id)
    if join_request.user_id != user_id:
        raise NotJoinRequestAuthor()
    _require_pending(join_request)
    return _decide(join_request, JoinRequestStatus.CANCELLED, by=user_id, now=now)


@transaction.atomic
def join_request_approve(
    *, group_id: UUID, request_id: UUID, actor_id: UUID, now: datetime | None = None
) -> JoinRequest:
    """Approve a pending join request (admins): the requester becomes a member.

    A requester who meanwhile joined (e.g. by invite) keeps their membership; the request is
    marked approved.

    Raises:
        GroupNotFound: no such crew, one the actor may not see, or a removed one.
        NotGroupAdmin: the actor is not the owner or an admin.
        JoinRequestNotFound: no such request in this crew.
        JoinRequestNotPending: the request was already decided or cancelled.
        EventCancelled, EventEnded: the crew's event is cancelled or over.
        GroupFull: no place is left (the request stays pending).
    Side effects:
        after commit, calls `member_joined` for the requester.
    """
    now = now or timezone.now()
    group = _lock_group(group_id=group_id, viewer_id=actor_id)
    _require_admin(group, actor_id)
    join_request = _lock_request(group, request_id)
    _require_pending(join_request)
    if not Membership.objects.filter(group=group, user_id=join_request.user_id).exists():
        _require_event_open(group.event, now)
        _add_member(group, join_request.user_id)
    outbox_enqueue(
        event=JoinRequestApproved(
            request_id=join_request.id, group_id=group.id, user_id=join_request.user_id
        )
    )
    return _decide(join_request, JoinRequestStatus.APPROVED, by=actor_id, now=now)


@transaction.atomic
def join_request_reject(
    *, group_id: UUID, request_id: UUID, actor_id: UUID, now: datetime | None = None
) -> JoinRequest:
    """Reject a pending join request (admins). The requester may ask again later.

    Raises:
        GroupNotFound: no such crew, one the actor may not see, or a removed one.
        NotGroupAdmin: the actor is not the owner or an admin.
        JoinRequestNotFound: no such request in this crew.
        JoinRequestNotPending: the request was already decided or cancelled.
    """
    group = _lock_group(group_id=group_id, viewer_id=actor_id)
    _require_admin(group, actor_id)
    join_request = _lock_request(group, request_id)
    _require_pending(join_request)
    outbox_enqueue(
        event=JoinRequestRejected(
            request_id=join_request.id, group_id=group.id, user_id=join_request.user_id
        )
    )
    return _decide(join_request, JoinRequestStatus.REJECTED, by=actor_id, now=now)


def _lock_request(group: Group, request_id: UUID) -> JoinRequest:
    join_request = (
        JoinRequest.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(id=request_id, group=group)
        .first()
    )
    if join_request is None:
        raise JoinRequestNotFound()
    return join_request


def _require_pending(join_request: JoinRequest) -> None:
    if join_request.status != JoinRequestStatus.PENDING:
        raise JoinRequestNotPending()


def _decide(
    join_request: JoinRequest, status: str, *, by: UUID, now: datetime | None
) -> JoinRequest:
    join_request.status = status
    join_request.decided_by_id = by
    join_request.decided_at = now or timezone.now()
    join_request.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    return join_request
