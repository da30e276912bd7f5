"""Fixtures of the groups app's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shared.groups.events import MemberChange, member_changed


@pytest.fixture
def member_changes() -> Iterator[list[MemberChange]]:
    """Every `member_joined` / `member_left` fired during the test, in order."""
    seen: list[MemberChange] = []
    with member_changed.connected(seen.append):
        yield seen
