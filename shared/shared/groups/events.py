"""Extension points fired when someone joins or leaves a crew, or the crew closes (after the commit).

The groups services call `member_joined` and `member_left` from `transaction.on_commit`, so a
callback only ever sees committed changes. Nothing listens by default; another layer (the
chat, which broadcasts "member joined/left" to the crew's sockets) registers a callback at
start-up, typically in its `AppConfig.ready()`:

    from shared.groups.events import MemberChange, on_member_change

    def broadcast(change: MemberChange) -> None: ...

    on_member_change(broadcast)

Callbacks run synchronously, in registration order, in the thread that committed. One that
raises is logged and skipped: the write has already committed and the other callbacks still
run. Keep them quick (hand slow work to a task) and idempotent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

logger = logging.getLogger(__name__)


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


MemberChangeCallback = Callable[[MemberChange], None]

_callbacks: list[MemberChangeCallback] = []


def on_member_change(callback: MemberChangeCallback) -> MemberChangeCallback:
    """Register `callback` for every committed join and leave; registering twice is a no-op.

    Returns the callback, so this works as a decorator.
    """
    if callback not in _callbacks:
        _callbacks.append(callback)
    return callback


def off_member_change(callback: MemberChangeCallback) -> None:
    """Unregister `callback`; unknown callbacks are ignored."""
    if callback in _callbacks:
        _callbacks.remove(callback)


def member_joined(group_id: UUID, user_id: UUID) -> None:
    """Tell the registered callbacks that `user_id` is now a member of `group_id`."""
    _dispatch(MemberChange(kind=MemberChangeKind.JOINED, group_id=group_id, user_id=user_id))


def member_left(group_id: UUID, user_id: UUID, reason: LeaveReason | str) -> None:
    """Tell the registered callbacks that `user_id` is no longer a member of `group_id`."""
    _dispatch(
        MemberChange(
            kind=MemberChangeKind.LEFT,
            group_id=group_id,
            user_id=user_id,
            reason=LeaveReason(reason),
        )
    )


def crew_closed(group_id: UUID) -> None:
    """Tell the registered callbacks that the crew was taken down: no one is in it any more."""
    _dispatch(MemberChange(kind=MemberChangeKind.CREW_CLOSED, group_id=group_id, user_id=None))


def _dispatch(change: MemberChange) -> None:
    for callback in list(_callbacks):
        try:
            callback(change)
        except Exception:  # one broken listener must not fail a committed write
            logger.exception(
                "member change callback failed",
                extra={
                    "callback": getattr(callback, "__qualname__", repr(callback)),
                    "group_id": str(change.group_id),
                    "member_id": str(change.user_id),
                    "kind": str(change.kind),
                },
            )
