"""Short-lived chat state kept in Redis: who is online, and message rate limits.

Presence is a sorted set per crew whose members are `<user id>:<socket>` scored by an expiry
time. Sockets refresh their entry while they live; a process that dies stops refreshing, and
its entries expire within `PRESENCE_TTL_SECONDS`, so presence stays correct without cleanup.
"""

from __future__ import annotations

import math
import time
from typing import Any
from uuid import UUID

from django.conf import settings

from shared.core.ratelimit import rate_limit_hit, rate_limit_hit_sync
from shared.core.redis import async_redis_client

PRESENCE_TTL_SECONDS = 45
PRESENCE_REFRESH_SECONDS = 15


def _presence_key(group_id: UUID | str) -> str:
    return f"crewup:presence:{group_id}"


async def presence_touch(*, group_id: UUID, user_id: UUID, socket_id: str) -> None:
    """Mark this socket's user online in the crew for the next `PRESENCE_TTL_SECONDS`."""
    key = _presence_key(group_id)
    client = async_redis_client()
    async with client.pipeline(transaction=False) as pipe:
        pipe.zadd(key, {f"{user_id}:{socket_id}": time.time() + PRESENCE_TTL_SECONDS})
        pipe.expire(key, math.ceil(PRESENCE_TTL_SECONDS * 2))
        await pipe.execute()


async def presence_leave(*, group_id: UUID, user_id: UUID, socket_id: str) -> None:
    await async_redis_client().zrem(_presence_key(group_id), f"{user_id}:{socket_id}")


async def presence_online(*, group_id: UUID) -> list[str]:
    """The ids of the users with at least one live socket on the crew, sorted."""
    key = _presence_key(group_id)
    client = async_redis_client()
    async with client.pipeline(transaction=False) as pipe:
        pipe.zremrangebyscore(key, "-inf", time.time())
        pipe.zrange(key, 0, -1)
        _, members = await pipe.execute()
    return sorted({member.split(":", 1)[0] for member in members})


# Chat messages: one window per user, whichever way the messages come (socket or HTTP).
CHAT_MESSAGE_SCOPE = "chat"


def _chat_message_window(user_id: UUID, group_id: UUID, client_id: str | None) -> dict[str, Any]:
    """One chat message's count: the user's window, keyed by its `client_id` when it has one."""
    return {
        "scope": CHAT_MESSAGE_SCOPE,
        "user_id": user_id,
        "limit": settings.CHAT_RATE_LIMIT_MESSAGES,
        "window_seconds": settings.CHAT_RATE_LIMIT_WINDOW_SECONDS,
        "action_key": None if client_id is None else f"{group_id}:{client_id}",
    }


async def chat_message_rate_limit_hit(
    *, user_id: UUID, group_id: UUID, client_id: str | None = None
) -> float:
    """Count one chat message the user sends on a socket; 0 or the seconds to wait.

    The limit is `CHAT_RATE_LIMIT_MESSAGES` per `CHAT_RATE_LIMIT_WINDOW_SECONDS`, shared with
    `chat_message_rate_limit_hit_sync`. A message resent with the `client_id` of one counted
    in the window (socket or HTTP) is not counted again.
    """
    return await rate_limit_hit(**_chat_message_window(user_id, group_id, client_id))


def chat_message_rate_limit_hit_sync(
    *, user_id: UUID, group_id: UUID, client_id: str | None = None
) -> float:
    """Count one chat message the user sends over HTTP, in the sockets' window."""
    return rate_limit_hit_sync(**_chat_message_window(user_id, group_id, client_id))
