"""Presence against the real Redis."""

import asyncio
import uuid

import pytest

from shared.chat import live_state

pytestmark = pytest.mark.asyncio


async def test_presence_lists_each_user_once_and_forgets_a_socket_that_left():
    group_id, user_id, other_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await live_state.presence_touch(group_id=group_id, user_id=user_id, socket_id="a")
    await live_state.presence_touch(group_id=group_id, user_id=user_id, socket_id="b")
    await live_state.presence_touch(group_id=group_id, user_id=other_id, socket_id="c")

    assert await live_state.presence_online(group_id=group_id) == sorted(
        [str(user_id), str(other_id)]
    )

    await live_state.presence_leave(group_id=group_id, user_id=other_id, socket_id="c")
    assert await live_state.presence_online(group_id=group_id) == [str(user_id)]


async def test_presence_of_a_dead_process_expires(monkeypatch):
    group_id, user_id = uuid.uuid4(), uuid.uuid4()
    monkeypatch.setattr(live_state, "PRESENCE_TTL_SECONDS", 0.3)
    await live_state.presence_touch(group_id=group_id, user_id=user_id, socket_id="gone")

    await asyncio.sleep(0.4)  # the process died: nobody refreshes or removes the entry

    assert await live_state.presence_online(group_id=group_id) == []
