"""Broadcasts from synchronous code reach the channel layer's subscribers, on the real Redis."""

import asyncio
import uuid
from unittest import mock

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from shared.chat import realtime


@pytest.mark.asyncio
async def test_a_broadcast_from_sync_code_reaches_a_socket_in_the_group_without_a_new_loop():
    layer = get_channel_layer()
    group_id = uuid.uuid4()
    channel = await layer.new_channel()
    await layer.group_add(realtime.chat_group_name(group_id), channel)
    try:
        with mock.patch.object(
            realtime, "async_to_sync", wraps=realtime.async_to_sync
        ) as async_to_sync:
            sent = await sync_to_async(realtime.broadcast_to_group)(
                group_id, event_type="chat.typing", payload={"user_id": "u1", "typing": True}
            )
        received = await asyncio.wait_for(layer.receive(channel), timeout=5)
    finally:
        await layer.group_discard(realtime.chat_group_name(group_id), channel)

    assert sent is True
    async_to_sync.assert_not_called()  # published on this process's Redis client
    assert received == {"type": "chat.typing", "user_id": "u1", "typing": True}


def test_another_layer_or_redis_server_is_sent_to_through_the_layer_itself(settings):
    elsewhere = {"hosts": ["redis://elsewhere:6379/0"], "prefix": "crewup"}
    settings.CHANNEL_LAYERS = {
        "default": {**settings.CHANNEL_LAYERS["default"], "CONFIG": elsewhere}
    }

    assert not realtime._publishes_on_redis_client(get_channel_layer())
