"""The hook fired when someone joins or leaves a crew, or the crew closes (after the commit).

The groups services fire `member_changed` from `transaction.on_commit` (through
`member_joined`, `member_left` and `crew_closed`), so a callback only ever sees committed
changes. The chat connects to it in `ChatConfig.ready()`: it broadcasts "member joined/left" to
the crew's sockets. `shared.core.hooks` says how callbacks run.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from shared.core.hooks import Hook


class MemberChangeKind(StrEnum):
    JOINED = "joined"
    LEFT = "left"
    # The crew itself was taken down (dissolved or removed by a moderator): everyone is out.
    CREW_CLOSED = "crew_closed"


class LeaveReason(StrEnum):
    """Why a member is gone: they left, or an admin removed them."""

    LEFT = "left"
    REMOVED = "removed"


@dataclass(frozen=True)
class MemberChange:
    """One user joining or leaving one crew (`reason` set when they left), or the whole crew
    closing (`user_id` None)."""

    kind: MemberChangeKind
    group_id: UUID
    user_id: UUID | None
    reason: LeaveReason | None = None


member_changed: Hook[[MemberChange]] = Hook("groups.member_changed")


def member_joined(group_id: UUID, user_id: UUID) -> None:
    """Tell the connected callbacks that `user_id` is now a member of `group_id`."""
    member_changed.fire(
        MemberChange(kind=MemberChangeKind.JOINED, group_id=group_id, user_id=user_id)
    )


def member_left(group_id: UUID, user_id: UUID, reason: LeaveReason | str) -> None:
    """Tell the connected callbacks that `user_id` is no longer a member of `group_id`."""
    member_changed.fire(
        MemberChange(
            kind=MemberChangeKind.LEFT,
            group_id=group_id,
            user_id=user_id,
            reason=LeaveReason(reason),
        )
    )


def crew_closed(group_id: UUID) -> None:
    """Tell the connected callbacks that the crew was taken down: no one is in it any more."""
    member_changed.fire(
        MemberChange(kind=MemberChangeKind.CREW_CLOSED, group_id=group_id, user_id=None)
    )
