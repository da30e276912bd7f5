"""Writes on crews: create and update, joining (open, by request, by invite), leaving, roles.

Locking: every write first locks the crew row (`SELECT ... FOR UPDATE`). Every write to a
crew's memberships, join requests and invites holds that lock, so the crew row guards them
all: `member_count`, the capacity check and the roles read under it are the truth, and two
users racing for the last place are served one after the other (the second gets
`GroupFull`). `group_create` locks the event row instead (no crew exists yet), so a crew
cannot be made for an event cancelled in the same instant; nothing else here locks events,
so there is one lock order.

Roles: the owner administers and alone promotes, demotes, removes admins and hands over
ownership; admins decide join requests, manage invites, edit the crew and remove plain
members. The owner cannot leave while others remain (`OwnerMustTransfer`). When the owner is
the last member, leaving closes the crew: it is soft-removed (`removed_at`, with
`DISSOLVED_REASON`), its pending requests are cancelled and its invites revoked, and it
disappears like a crew removed by moderation while its chat history stays in the database. An
empty crew without an owner would be one nobody could administer.

Invites bypass the join policy (an admin's invite is a deliberate admission) but not the
capacity. Only the SHA-256 of an invite's token is stored; the token is returned once.

Side effects, all after commit: `shared.groups.events.member_joined` / `member_left` for
every membership added or removed (the creator included), and `groups_created_total`.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from datetime import datetime
from functools import partial
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shared.events.errors import EventCancelled, EventEnded, EventNotFound
from shared.events.models import Event
from shared.groups.errors import (
    AlreadyMember,
    AlreadyOwner,
    CannotRemoveOwner,
    CannotRemoveSelf,
    CapacityBelowMembers,
    FieldNotUpdatable,
    GroupAlreadyRemoved,
    GroupFull,
    GroupNotFound,
    GroupNotOpen,
    InviteExpired,
    InviteNotFound,
    InviteRevoked,
    InviteUsedUp,
    JoinRequestNotFound,
    JoinRequestNotPending,
    JoinRequestsClosed,
    MembershipNotFound,
    NotGroupAdmin,
    NotGroupOwner,
    NotJoinRequestAuthor,
    OwnerMustTransfer,
    OwnerRoleFixed,
)
from shared.groups.events import LeaveReason, crew_closed, member_joined, member_left
from shared.groups.models import (
    Group,
    GroupVisibility,
    Invite,
    JoinPolicy,
    JoinRequest,
    JoinRequestStatus,
    MemberRole,
    Membership,
)
from shared.groups.selectors import group_get, visible_groups
from shared.messaging.outbox import outbox_enqueue
from shared.messaging.schemas import (
    InviteUsed,
    JoinRequestApproved,
    JoinRequestReceived,
    JoinRequestRejected,
)
from shared.metrics import GROUPS_CREATED

GROUP_UPDATABLE_FIELDS = frozenset(
    {"name", "description", "max_members", "join_policy", "visibility"}
)
DESCRIPTION_MAX_LENGTH = 2000
DISSOLVED_REASON = "Closed: its last member left."
REMOVAL_REASON_MAX_LENGTH = 500
# 32 random bytes: unguessable, and short enough for a link.
INVITE_TOKEN_BYTES = 32

_PRIVATE_NEEDS_INVITE = "A private crew is joined by invite only."


def invite_token_hash(token: str) -> str:
    """Return the SHA-256 hex digest under which an invite token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def group_create(
    *,
    creator_id: UUID,
    event_id: UUID,
    name: str,
    max_members: int,
    description: str = "",
    join_policy: str = JoinPolicy.OPEN,
    visibility: str = GroupVisibility.PUBLIC,
    now: datetime | None = None,
) -> Group:
    """Create a crew for an event, with its creator as owner and only member.

    Raises:
        EventNotFound: no such event, or a private one the creator may not see.
        EventCancelled, EventEnded: the event is cancelled or over.
        ValidationError: a field is invalid (e.g. `max_members` outside 2-50), or the crew is
            private without the invite-only policy.
    Side effects:
        after commit, increments `groups_created_total` and calls `member_joined` for the
        creator.
    """
    event = (
        Event.objects.visible_to(creator_id)
        .select_for_update(of=("self",), no_key=True)
        .filter(id=event_id)
        .first()
    )
    if event is None:
        raise EventNotFound()
    _require_event_open(event, now or timezone.now())
    group = Group(
        event=event,
        name=name.strip(),
        description=description,
        max_members=max_members,
        join_policy=join_policy,
        visibility=visibility,
        created_by_id=creator_id,
        member_count=1,
    )
    _clean(group, blame="join_policy")
    group.save()
    Membership.objects.create(group=group, user_id=creator_id, role=MemberRole.OWNER)
    transaction.on_commit(GROUPS_CREATED.inc)
    transaction.on_commit(partial(member_joined, group.id, creator_id))
    return group_get(group_id=group.id, viewer_id=creator_id)


@transaction.atomic
def group_update(
    *,
    group_id: UUID,
    actor_id: UUID,
    data: Mapping[str, Any],
    now: datetime | None = None,
) -> Group:
    """Change a crew's name, description, capacity, join policy or visibility (admins).

    Leaving the `request` policy cancels the pending join requests: they were made under
    rules that no longer hold (a private crew, in particular, takes no requests).

    Raises:
        FieldNotUpdatable: `data` names a field outside `GROUP_UPDATABLE_FIELDS`.
        GroupNotFound: no such crew, one the actor may not see, or a removed one.
        NotGroupAdmin: the actor is not the owner or an admin.
        CapacityBelowMembers: `max_members` is below the current number of members.
        ValidationError: a field is invalid, or the crew would be private but not invite-only.
    """
    refused = sorted(set(data) - GROUP_UPDATABLE_FIELDS)
    if refused:
        raise FieldNotUpdatable(
            fields={name: ["This field cannot be changed."] for name in refused}
        )
    group = _lock_group(group_id=group_id, viewer_id=actor_id)
    _require_admin(group, actor_id)
    data = dict(data)
    if "name" in data:
        data["name"] = data["name"].strip()
    max_members = data.get("max_members", group.max_members)
    if isinstance(max_members, int) and max_members < group.member_count:
        raise CapacityBelowMembers(
            fields={"max_members": [f"The crew has {group.member_count} members."]}
        )
    changed = [name for name, value in data.items() if getattr(group, name) != value]
    if not changed:
        return group_get(group_id=group.id, viewer_id=actor_id)
    old_policy = group.join_policy
    for name in changed:
        setattr(group, name, data[name])
    _clean(group, blame="join_policy" if "join_policy" in data else "visibility")
    group.save(update_fields=[*changed, "updated_at"])
    if old_policy == JoinPolicy.REQUEST and group.join_policy != JoinPolicy.REQUEST:
        _close_pending_requests(group, closed_by=actor_id, now=now or timezone.now())
    return group_get(group_id=group.id, viewer_id=actor_id)


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


@transaction.atomic
def invite_create(
    *,
    group_id: UUID,
    actor_id: UUID,
    expires_at: datetime | None = None,
    max_uses: int | None = None,
    now: datetime | None = None,
) -> tuple[Invite, str]:
    """Create an invite link (admins); return the invite and its token, shown only this once.

    Raises:
        GroupNotFound: no such crew, one the actor may not see, or a removed one.
        NotGroupAdmin: the actor is not the owner or an admin.
        ValidationError: `expires_at` is naive or not in the future, or `max_uses` is below 1.
    """
    now = now or timezone.now()
    group = _lock_group(group_id=group_id, viewer_id=actor_id)
    _require_admin(group, actor_id)
    if expires_at is not None:
        if timezone.is_naive(expires_at):
            raise ValidationError({"expires_at": ["Give a time zone."]})
        if expires_at <= now:
            raise ValidationError({"expires_at": ["The invite must expire in the future."]})
    token = secrets.token_urlsafe(INVITE_TOKEN_BYTES)
    invite = Invite(
        group=group,
        token_hash=invite_token_hash(token),
        created_by_id=actor_id,
        expires_at=expires_at,
        max_uses=max_uses,
    )
    invite.full_clean()
    invite.save()
    return invite, token


@transaction.atomic
def invite_revoke(
    *, group_id: UUID, invite_id: UUID, actor_id: UUID, now: datetime | None = None
) -> Invite:
    """Revoke an invite (admins); revoking twice keeps the first time.

    Raises:
        GroupNotFound: no such crew, one the actor may not see, or a removed one.
        NotGroupAdmin: the actor is not the owner or an admin.
        InviteNotFound: no such invite in this crew.
    """
    group = _lock_group(group_id=group_id, viewer_id=actor_id)
    _require_admin(group, actor_id)
    invite = Invite.objects.select_for_update().filter(id=invite_id, group=group).first()
    if invite is None:
        raise InviteNotFound()
    if invite.revoked_at is None:
        invite.revoked_at = now or timezone.now()
        invite.save(update_fields=["revoked_at", "updated_at"])
    return invite


@transaction.atomic
def group_join_by_invite(
    *, token: str, user_id: UUID, now: datetime | None = None
) -> tuple[Membership, bool]:
    """Join the crew an invite token opens, whatever its policy and visibility.

    A user already in the crew gets their membership back and uses nothing up.

    Raises:
        InviteNotFound: no invite has this token, or its crew was removed.
        InviteRevoked, InviteExpired, InviteUsedUp: the invite no longer admits anyone.
        EventCancelled, EventEnded: the crew's event is cancelled or over.
        GroupFull: no place is left.
    Side effects:
        increments the invite's `use_count`; after commit, calls `member_joined`.
    """
    now = now or timezone.now()
    token_hash = invite_token_hash(token)
    invited_to = Invite.objects.filter(token_hash=token_hash).values("group_id")
    # The invite itself is what lets the user see the crew: no visibility check here.
    group = (
        Group.objects.active()
        .select_related("event")
        .select_for_update(of=("self",))
        .filter(id__in=invited_to)
        .first()
    )
    if group is None:
        raise InviteNotFound()
    invite = Invite.objects.select_for_update().get(token_hash=token_hash)
    existing = Membership.objects.filter(group=group, user_id=user_id).first()
    if existing is not None:
        return existing, False
    if invite.revoked_at is not None:
        raise InviteRevoked()
    if invite.expires_at is not None and invite.expires_at <= now:
        raise InviteExpired()
    if invite.max_uses is not None and invite.use_count >= invite.max_uses:
        raise InviteUsedUp()
    _require_event_open(group.event, now)
    membership = _add_member(group, user_id)
    Invite.objects.filter(id=invite.id).update(use_count=F("use_count") + 1, updated_at=now)
    outbox_enqueue(
        event=InviteUsed(
            invite_id=invite.id,
            group_id=group.id,
            user_id=user_id,
            created_by_id=invite.created_by_id,
        )
    )
    return membership, True


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


@transaction.atomic
def group_remove(
    *, group_id: UUID, reason: str, removed_by: UUID, now: datetime | None = None
) -> Group:
    """Take a crew down (soft), as moderation does: only its owner still sees it, with the reason.

    For the moderation app, which checks the moderator and writes the audit log. The crew's
    pending join requests are cancelled and its invites revoked, as when a crew is closed;
    memberships and the chat history stay in the database.

    Raises:
        GroupNotFound: no such crew.
        GroupAlreadyRemoved: the crew was already removed (or closed by its last member).
        ValidationError: the reason is empty or longer than 500 characters.
    """
    group = Group.objects.select_for_update().filter(id=group_id).first()
    if group is None:
        raise GroupNotFound()
    if group.removed_at is not None:
        raise GroupAlreadyRemoved()
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["Say why the crew is removed."]})
    if len(reason) > REMOVAL_REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": [
                    f"Ensure this field has no more than {REMOVAL_REASON_MAX_LENGTH} characters."
                ]
            }
        )
    _take_down(group, reason=reason, closed_by=removed_by, now=now or timezone.now())
    return group


# --- helpers ---


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


def _clean(group: Group, *, blame: str) -> None:
    """Validate the crew, naming the field at fault for the rules the model checks as a whole."""
    errors: dict[str, list[str]] = {}
    if group.visibility == GroupVisibility.PRIVATE and group.join_policy != JoinPolicy.INVITE:
        errors[blame] = [_PRIVATE_NEEDS_INVITE]
    if len(group.description) > DESCRIPTION_MAX_LENGTH:
        errors["description"] = [
            f"Ensure this field has no more than {DESCRIPTION_MAX_LENGTH} characters."
        ]
    try:
        # The event was checked (and locked) by the caller; the table-wide rules are the ones
        # checked above with a field named, and the database enforces them all again.
        group.full_clean(
            exclude=["event", "created_by"], validate_unique=False, validate_constraints=False
        )
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, messages)
    if errors:
        raise ValidationError(errors)


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


def _remove_member(group: Group, membership: Membership, reason: LeaveReason) -> None:
    user_id = membership.user_id
    membership.delete()
    Group.objects.filter(id=group.id).update(member_count=F("member_count") - 1)
    group.refresh_from_db(fields=["member_count"])
    transaction.on_commit(partial(member_left, group.id, user_id, reason))


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


def _close_pending_requests(group: Group, *, closed_by: UUID, now: datetime) -> None:
    JoinRequest.objects.filter(group=group, status=JoinRequestStatus.PENDING).update(
        status=JoinRequestStatus.CANCELLED, decided_by_id=closed_by, decided_at=now, updated_at=now
    )


def _dissolve(group: Group, *, closed_by: UUID, now: datetime) -> None:
    _take_down(group, reason=DISSOLVED_REASON, closed_by=closed_by, now=now)


def _take_down(group: Group, *, reason: str, closed_by: UUID, now: datetime) -> None:
    transaction.on_commit(partial(crew_closed, group.id))
    group.removed_at = now
    group.removal_reason = reason
    group.save(update_fields=["removed_at", "removal_reason", "updated_at"])
    _close_pending_requests(group, closed_by=closed_by, now=now)
    Invite.objects.filter(group=group, revoked_at__isnull=True).update(
        revoked_at=now, updated_at=now
    )
