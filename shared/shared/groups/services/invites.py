"""Invite links: made and revoked by a crew's admins, used to join.

Invites bypass the join policy (an admin's invite is a deliberate admission) but not the
capacity. Only the SHA-256 of an invite's token is stored; the token is returned once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shared.groups.errors import InviteExpired, InviteNotFound, InviteRevoked, InviteUsedUp
from shared.groups.models import Group, Invite, Membership
from shared.groups.services._common import (
    _add_member,
    _lock_group,
    _require_admin,
    _require_event_open,
)
from shared.messaging.outbox import outbox_enqueue
from shared.messaging.schemas import InviteUsed

# 32 random bytes: unguessable, and short enough for a link.
INVITE_TOKEN_BYTES = 32


def invite_token_hash(token: str) -> str:
    """Return the SHA-256 hex digest under which an invite token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


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
    if invite.created_by_id is not None:  # its maker's account gone: nobody to tell
        outbox_enqueue(
            event=InviteUsed(
                invite_id=invite.id,
                group_id=group.id,
                user_id=user_id,
                created_by_id=invite.created_by_id,
            )
        )
    return membership, True
