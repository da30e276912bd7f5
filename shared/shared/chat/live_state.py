"""Short-lived chat state kept in Redis: who is online, and message rate limits.

Presence is a sorted set per crew whose members are `<user id>:<socket>` scored by an expiry
time. Sockets refresh their entry while they live; a process that dies stops refreshing, and
its entries expire within `PRESENCE_TTL_SECONDS`, so presence stays correct without cleanup.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import time
import uuid
import weakref
from typing import Any
from uuid import UUID

import redis.asyncio as redis
from django.conf import settings
from redis.exceptions import NoScriptError

from shared.core.redis import redis_client

PRESENCE_TTL_SECONDS = 45
PRESENCE_REFRESH_SECONDS = 15

_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, redis.Redis] = (
    weakref.WeakKeyDictionary()
)


def get_redis() -> redis.Redis:
    """This event loop's Redis client (a client is bound to the loop it was made on)."""
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None:
        client = redis.from_url(settings.REDIS_URL, decode_responses=True)
        _clients[loop] = client
    return client


def _presence_key(group_id: UUID | str) -> str:
    return f"crewup:presence:{group_id}"


async def presence_touch(*, group_id: UUID, user_id: UUID, socket_id: str) -> None:
    """Mark this socket's user online in the crew for the next `PRESENCE_TTL_SECONDS`."""
    key = _presence_key(group_id)
    client = get_redis()
    async with client.pipeline(transaction=False) as pipe:
        pipe.zadd(key, {f"{user_id}:{socket_id}": time.time() + PRESENCE_TTL_SECONDS})
        pipe.expire(key, math.ceil(PRESENCE_TTL_SECONDS * 2))
        await pipe.execute()


async def presence_leave(*, group_id: UUID, user_id: UUID, socket_id: str) -> None:
    await get_redis().zrem(_presence_key(group_id), f"{user_id}:{socket_id}")


async def presence_online(*, group_id: UUID) -> list[str]:
    """The ids of the users with at least one live socket on the crew, sorted."""
    key = _presence_key(group_id)
    client = get_redis()
    async with client.pipeline(transaction=False) as pipe:
        pipe.zremrangebyscore(key, "-inf", time.time())
        pipe.zrange(key, 0, -1)
        _, members = await pipe.execute()
    return sorted({member.split(":", 1)[0] for member in members})


# A sliding window: the times of the actions in the last `window` seconds, in a sorted set.
# Atomic in Redis, so the limit holds across sockets and processes without a window edge
# letting a burst of twice the limit through. An action already in the window (the same
# member: a client resending a message under its client_id) is allowed and not counted again.
_SLIDING_WINDOW = """
local key, now, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZSCORE', key, ARGV[4]) then
  return '0'
end
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('EXPIRE', key, math.ceil(window) + 1)
  return '0'
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return tostring(tonumber(oldest[2]) + window - now)
"""
_SLIDING_WINDOW_SHA = hashlib.sha1(_SLIDING_WINDOW.encode()).hexdigest()  # noqa: S324 - Redis's name


def _rate_limit_key(scope: str, user_id: UUID) -> str:
    return f"crewup:ratelimit:{scope}:{user_id}"


def _action_member(action_key: str | None) -> str:
    # Prefixed, so a client's key never equals the random member of an unkeyed action.
    return uuid.uuid4().hex if action_key is None else f"key:{action_key}"


def _window_call(
    scope: str, user_id: UUID, limit: int, window_seconds: float, action_key: str | None
) -> tuple[str, tuple[float, float, int, str]]:
    """The key and arguments of one count in the sliding-window script."""
    arguments = (time.time(), window_seconds, limit, _action_member(action_key))
    return _rate_limit_key(scope, user_id), arguments


async def rate_limit_hit(
    *,
    scope: str,
    user_id: UUID,
    limit: int,
    window_seconds: float,
    action_key: str | None = None,
) -> float:
    """Count one action; return 0 when allowed, else the seconds until the next is allowed.

    A refused action is not counted. An action with the `action_key` of one counted in the
    window (a repeat) is allowed and not counted again.
    """
    key, arguments = _window_call(scope, user_id, limit, window_seconds, action_key)
    client = get_redis()
    try:  # by its digest: every chat message passes here, so the script is sent once
        retry_after = await client.evalsha(_SLIDING_WINDOW_SHA, 1, key, *arguments)
    except NoScriptError:  # a Redis that has not seen it yet, or was restarted
        retry_after = await client.eval(_SLIDING_WINDOW, 1, key, *arguments)
    return max(0.0, float(retry_after))


def rate_limit_hit_sync(
    *,
    scope: str,
    user_id: UUID,
    limit: int,
    window_seconds: float,
    action_key: str | None = None,
) -> float:
    """`rate_limit_hit` for synchronous code (an HTTP view): the same window, the same key."""
    key, arguments = _window_call(scope, user_id, limit, window_seconds, action_key)
    return max(0.0, float(redis_client().eval(_SLIDING_WINDOW, 1, key, *arguments)))


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
