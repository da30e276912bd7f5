"""A crew itself: created for an event, edited by its admins, taken down by moderation."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import partial
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from shared.events.services import event_lock_for_write
from shared.groups.errors import (
    CapacityBelowMembers,
    FieldNotUpdatable,
    GroupAlreadyRemoved,
    GroupNotFound,
)
from shared.groups.events import member_joined
from shared.groups.models import Group, GroupVisibility, JoinPolicy, MemberRole, Membership
from shared.groups.selectors import group_get
from shared.groups.services._common import (
    _close_pending_requests,
    _lock_group,
    _require_admin,
    _require_event_open,
    _take_down,
)
from shared.metrics import GROUPS_CREATED

GROUP_UPDATABLE_FIELDS = frozenset(
    {"name", "description", "max_members", "join_policy", "visibility"}
)
DESCRIPTION_MAX_LENGTH = 2000
REMOVAL_REASON_MAX_LENGTH = 500

_PRIVATE_NEEDS_INVITE = "A private crew is joined by invite only."


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
    event = event_lock_for_write(event_id=event_id, viewer_id=creator_id)
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
