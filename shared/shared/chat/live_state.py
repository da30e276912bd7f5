"""Short-lived chat state kept in Redis: who is online, and message rate limits.

Presence is a sorted set per crew whose members are `<user id>:<socket>` scored by an expiry
time. Sockets refresh their entry while they live; a process that dies stops refreshing, and
its entries expire within `PRESENCE_TTL_SECONDS`, so presence stays correct without cleanup.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from uuid import UUID

import redis.asyncio as redis
from django.conf import settings

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
        pipe.expire(key, PRESENCE_TTL_SECONDS * 2)
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


async def rate_limit_hit(*, scope: str, user_id: UUID, limit: int, window_seconds: int) -> float:
    """Count one action in a fixed window; return 0 when allowed, else seconds until allowed.

    Counted in Redis so the limit holds across sockets and processes.
    """
    window = int(time.time() // window_seconds)
    key = f"crewup:ratelimit:{scope}:{user_id}:{window}"
    client = get_redis()
    async with client.pipeline(transaction=False) as pipe:
        pipe.incr(key)
        pipe.expire(key, window_seconds + 1)
        count, _ = await pipe.execute()
    if count <= limit:
        return 0.0
    return (window + 1) * window_seconds - time.time()
