from __future__ import annotations

import logging
from uuid import uuid4

import pytest

from shared.groups import events
from shared.groups.events import (
    LeaveReason,
    MemberChange,
    MemberChangeKind,
    member_joined,
    member_left,
    off_member_change,
    on_member_change,
)


@pytest.fixture(autouse=True)
def _empty_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start from no callbacks, whatever the installed apps registered (the chat does)."""
    monkeypatch.setattr(events, "_callbacks", [])


def test_nothing_listens_by_default() -> None:
    member_joined(uuid4(), uuid4())
    member_left(uuid4(), uuid4(), LeaveReason.LEFT)


def test_callbacks_receive_joins_and_leaves_in_order(member_changes: list[MemberChange]) -> None:
    group_id, user_id = uuid4(), uuid4()

    member_joined(group_id, user_id)
    member_left(group_id, user_id, "removed")

    assert member_changes == [
        MemberChange(kind=MemberChangeKind.JOINED, group_id=group_id, user_id=user_id),
        MemberChange(
            kind=MemberChangeKind.LEFT,
            group_id=group_id,
            user_id=user_id,
            reason=LeaveReason.REMOVED,
        ),
    ]


def test_registering_twice_calls_once_and_unregistering_stops_the_calls() -> None:
    seen: list[MemberChange] = []
    on_member_change(seen.append)
    on_member_change(seen.append)

    member_joined(uuid4(), uuid4())
    off_member_change(seen.append)
    off_member_change(seen.append)
    member_joined(uuid4(), uuid4())

    assert len(seen) == 1


def test_a_failing_callback_is_logged_and_the_others_still_run(
    caplog: pytest.LogCaptureFixture, member_changes: list[MemberChange]
) -> None:
    # given: a broken listener registered before a working one
    def broken(change: MemberChange) -> None:
        raise RuntimeError("socket layer down")

    off_member_change(member_changes.append)
    on_member_change(broken)
    on_member_change(member_changes.append)
    try:
        # when
        with caplog.at_level(logging.ERROR, logger="shared.groups.events"):
            member_joined(uuid4(), uuid4())
    finally:
        off_member_change(broken)
    # then
    assert len(member_changes) == 1
    assert [record.message for record in caplog.records] == ["member change callback failed"]


def test_an_unknown_leave_reason_is_refused() -> None:
    with pytest.raises(ValueError, match="kicked"):
        member_left(uuid4(), uuid4(), "kicked")
