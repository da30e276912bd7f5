"""What the crew writes share: the crew's lock, the actor's role, the event still open, a new
member within the capacity, and taking a crew down (by moderation, or as its last member
leaves).
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from uuid import UUID

from django.db import transaction
from django.db.models import F

from shared.events.errors import EventCancelled, EventEnded
from shared.events.models import Event
from shared.groups.errors import GroupFull, GroupNotFound, NotGroupAdmin, NotGroupOwner
from shared.groups.events import crew_closed, member_joined
from shared.groups.models import (
    Group,
    Invite,
    JoinRequest,
    JoinRequestStatus,
    MemberRole,
    Membership,
)
from shared.groups.selectors import visible_groups


def _lock_group(*, group_id: UUID, viewer_id: UUID) -> Group:
    group = (
        visible_groups(viewer_id=viewer_id)
        .active()
        .select_related("event")
        .select_for_update(of=("self",))
        .filter(id=group_id)
        .first()
    )
    if group is None:
        raise GroupNotFound()
    return group


def _membership(group: Group, user_id: UUID) -> Membership | None:
    return Membership.objects.filter(group=group, user_id=user_id).first()


def _require_admin(group: Group, user_id: UUID) -> Membership:
    membership = _membership(group, user_id)
    if membership is None or not membership.is_admin:
        raise NotGroupAdmin()
    return membership


def _require_owner(group: Group, user_id: UUID) -> Membership:
    membership = _membership(group, user_id)
    if membership is None or membership.role != MemberRole.OWNER:
        raise NotGroupOwner()
    return membership


def _require_event_open(event: Event, now: datetime) -> None:
    if event.is_cancelled:
        raise EventCancelled()
    if event.has_ended_at(now):
        raise EventEnded()


def _add_member(group: Group, user_id: UUID, role: str = MemberRole.MEMBER) -> Membership:
    """Add a member under the crew's lock, within its capacity."""
    if group.is_full:
        raise GroupFull()
    # Every field is set here and uniqueness was checked under the lock: nothing to clean.
    membership = Membership(group=group, user_id=user_id, role=role)
    membership.save()
    Group.objects.filter(id=group.id).update(member_count=F("member_count") + 1)
    group.refresh_from_db(fields=["member_count"])
    transaction.on_commit(partial(member_joined, group.id, user_id))
    return membership


def _close_pending_requests(group: Group, *, closed_by: UUID, now: datetime) -> None:
    JoinRequest.objects.filter(group=group, status=JoinRequestStatus.PENDING).update(
        status=JoinRequestStatus.CANCELLED, decided_by_id=closed_by, decided_at=now, updated_at=now
    )


def _take_down(group: Group, *, reason: str, closed_by: UUID, now: datetime) -> None:
    transaction.on_commit(partial(crew_closed, group.id))
    group.removed_at = now
    group.removal_reason = reason
    group.save(update_fields=["removed_at", "removal_reason", "updated_at"])
    _close_pending_requests(group, closed_by=closed_by, now=now)
    Invite.objects.filter(group=group, revoked_at__isnull=True).update(
        revoked_at=now, updated_at=now
    )
