from __future__ import annotations

from collections.abc import Iterator
from uuid import uuid4

import pytest

from shared.groups.events import (
    LeaveReason,
    MemberChange,
    MemberChangeKind,
    crew_closed,
    member_changed,
    member_joined,
    member_left,
)


@pytest.fixture(autouse=True)
def _no_callbacks() -> Iterator[None]:
    """Start from no callbacks, whatever the installed apps connected (the chat does)."""
    with member_changed.isolated():
        yield


def test_nothing_listens_by_default() -> None:
    member_joined(uuid4(), uuid4())
    member_left(uuid4(), uuid4(), LeaveReason.LEFT)


def test_callbacks_receive_joins_leaves_and_closures_in_order(
    member_changes: list[MemberChange],
) -> None:
    group_id, user_id = uuid4(), uuid4()

    member_joined(group_id, user_id)
    member_left(group_id, user_id, "removed")
    crew_closed(group_id)

    assert member_changes == [
        MemberChange(kind=MemberChangeKind.JOINED, group_id=group_id, user_id=user_id),
        MemberChange(
            kind=MemberChangeKind.LEFT,
            group_id=group_id,
            user_id=user_id,
            reason=LeaveReason.REMOVED,
        ),
        MemberChange(kind=MemberChangeKind.CREW_CLOSED, group_id=group_id, user_id=None),
    ]


def test_an_unknown_leave_reason_is_refused() -> None:
    with pytest.raises(ValueError, match="kicked"):
        member_left(uuid4(), uuid4(), "kicked")
