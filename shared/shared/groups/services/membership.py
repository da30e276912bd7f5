"""Being in a crew: joining an open one, leaving, being removed, roles and ownership.

The owner cannot leave while others remain (`OwnerMustTransfer`). When the owner is the last
member, leaving closes the crew: it is soft-removed (`removed_at`, with `DISSOLVED_REASON`),
its pending requests are cancelled and its invites revoked, and it disappears like a crew
removed by moderation while its chat history stays in the database. An empty crew without an
owner would be one nobody could administer.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shared.groups.errors import (
    AlreadyOwner,
    CannotRemoveOwner,
    CannotRemoveSelf,
    GroupNotOpen,
    MembershipNotFound,
    NotGroupOwner,
    OwnerMustTransfer,
    OwnerRoleFixed,
)
from shared.groups.events import LeaveReason, member_left
from shared.groups.models import Group, JoinPolicy, MemberRole, Membership
from shared.groups.selectors import group_get
from shared.groups.services._common import (
    _add_member,
    _lock_group,
    _require_admin,
    _require_event_open,
    _require_owner,
    _take_down,
)

DISSOLVED_REASON = "Closed: its last member left."


@transaction.atomic
def group_join(
    *, group_id: UUID, user_id: UUID, now: datetime | None = None
) -> tuple[Membership, bool]:
    """Join an open crew; return the membership and whether it is new.

    Joining a crew one is already in returns the existing membership.

    Raises:
        GroupNotFound: no such crew, one the user may not see, or a removed one.
        GroupNotOpen: the crew takes members by request or invite only.
        EventCancelled, EventEnded: the crew's event is cancelled or over.
        GroupFull: no place is left.
    Side effects:
        after commit, calls `member_joined`.
    """
    group = _lock_group(group_id=group_id, viewer_id=user_id)
    existing = Membership.objects.filter(group=group, user_id=user_id).first()
    if existing is not None:
        return existing, False
    if group.join_policy != JoinPolicy.OPEN:
        raise GroupNotOpen()
    _require_event_open(group.event, now or timezone.now())
    return _add_member(group, user_id), True


@transaction.atomic
def group_leave(*, group_id: UUID, user_id: UUID, now: datetime | None = None) -> None:
    """Leave a crew. The owner hands over ownership first, unless they are the last member,
    in which case the crew is closed (see the module docstring).

    Raises:
        GroupNotFound: no such crew, one the user may not see, or a removed one.
        MembershipNotFound: the user is not in the crew.
        OwnerMustTransfer: the user owns the crew and others are still in it.
    Side effects:
        after commit, calls `member_left` with reason `left`.
    """
    group = _lock_group(group_id=group_id, viewer_id=user_id)
    membership = Membership.objects.filter(group=group, user_id=user_id).first()
    if membership is None:
        raise MembershipNotFound("You are not a member of this crew.")
    if membership.role == MemberRole.OWNER and group.member_count > 1:
        raise OwnerMustTransfer()
    _remove_member(group, membership, LeaveReason.LEFT)
    if group.member_count == 0:
        _dissolve(group, closed_by=user_id, now=now or timezone.now())


@transaction.atomic
def group_member_remove(*, group_id: UUID, actor_id: UUID, user_id: UUID) -> None:
    """Remove a member from the crew: admins remove members; only the owner removes admins.

    Raises:
        GroupNotFound: no such crew, one the actor may not see, or a removed one.
        NotGroupAdmin: the actor is not the owner or an admin.
        CannotRemoveSelf: the actor named themselves (they leave instead).
        MembershipNotFound: the user is not in the crew.
        CannotRemoveOwner: the user owns the crew.
        NotGroupOwner: the user is an admin and the actor is not the owner.
    Side effects:
        after commit, calls `member_left` with reason `removed`.
    """
    group = _lock_group(group_id=group_id, viewer_id=actor_id)
    actor = _require_admin(group, actor_id)
    if user_id == actor_id:
        raise CannotRemoveSelf()
    target = Membership.objects.filter(group=group, user_id=user_id).first()
    if target is None:
        raise MembershipNotFound()
    if target.role == MemberRole.OWNER:
        raise CannotRemoveOwner()
    if target.role == MemberRole.ADMIN and actor.role != MemberRole.OWNER:
        raise NotGroupOwner("Only the crew's owner can remove an admin.")
    _remove_member(group, target, LeaveReason.REMOVED)


@transaction.atomic
def group_member_set_role(
    *, group_id: UUID, actor_id: UUID, user_id: UUID, role: str
) -> Membership:
    """Make a member an admin, or an admin a plain member (the owner only).

    Raises:
        ValidationError: `role` is not `admin` or `member` (ownership is handed over instead).
        GroupNotFound: no such crew, one the actor may not see, or a removed one.
        NotGroupOwner: the actor is not the owner.
        MembershipNotFound: the user is not in the crew.
        OwnerRoleFixed: the user is the owner.
    """
    if role not in (MemberRole.ADMIN, MemberRole.MEMBER):
        raise ValidationError(
            {"role": ["Choose admin or member; hand over ownership to make someone owner."]}
        )
    group = _lock_group(group_id=group_id, viewer_id=actor_id)
    _require_owner(group, actor_id)
    target = Membership.objects.select_related("user").filter(group=group, user_id=user_id).first()
    if target is None:
        raise MembershipNotFound()
    if target.role == MemberRole.OWNER:
        raise OwnerRoleFixed()
    if target.role != role:
        target.role = role
        target.save(update_fields=["role", "updated_at"])
    return target


@transaction.atomic
def group_transfer_ownership(*, group_id: UUID, actor_id: UUID, new_owner_id: UUID) -> Group:
    """Hand the crew over to another member, who becomes owner; the old owner becomes an admin.

    Raises:
        GroupNotFound: no such crew, one the actor may not see, or a removed one.
        NotGroupOwner: the actor is not the owner.
        AlreadyOwner: the actor named themselves.
        MembershipNotFound: the new owner is not in the crew.
    """
    group = _lock_group(group_id=group_id, viewer_id=actor_id)
    owner = _require_owner(group, actor_id)
    if new_owner_id == actor_id:
        raise AlreadyOwner()
    target = Membership.objects.filter(group=group, user_id=new_owner_id).first()
    if target is None:
        raise MembershipNotFound()
    # Demote first: the database allows one owner per crew after every statement.
    owner.role = MemberRole.ADMIN
    owner.save(update_fields=["role", "updated_at"])
    target.role = MemberRole.OWNER
    target.save(update_fields=["role", "updated_at"])
    return group_get(group_id=group.id, viewer_id=actor_id)


def _remove_member(group: Group, membership: Membership, reason: LeaveReason) -> None:
    user_id = membership.user_id
    membership.delete()
    Group.objects.filter(id=group.id).update(member_count=F("member_count") - 1)
    group.refresh_from_db(fields=["member_count"])
    transaction.on_commit(partial(member_left, group.id, user_id, reason))


def _dissolve(group: Group, *, closed_by: UUID, now: datetime) -> None:
    _take_down(group, reason=DISSOLVED_REASON, closed_by=closed_by, now=now)
