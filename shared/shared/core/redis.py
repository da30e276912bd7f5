"""Redis clients: one per process (not shared across a fork), and one per event loop."""

from __future__ import annotations

import asyncio
import os
import weakref

import redis
import redis.asyncio
from django.conf import settings

_clients: dict[int, redis.Redis] = {}
_async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, redis.asyncio.Redis] = (
    weakref.WeakKeyDictionary()
)


def redis_client() -> redis.Redis:
    """This process's client on `REDIS_URL`, failing fast (0.5 s) when Redis cannot be reached."""
    pid = os.getpid()
    client = _clients.get(pid)
    if client is None:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=0.5, socket_connect_timeout=0.5
        )
        _clients.clear()
        _clients[pid] = client
    return client


def async_redis_client() -> redis.asyncio.Redis:
    """This event loop's client on `REDIS_URL` (a client is bound to the loop it was made on)."""
    loop = asyncio.get_running_loop()
    client = _async_clients.get(loop)
    if client is None:
        client = redis.asyncio.from_url(settings.REDIS_URL, decode_responses=True)
        _async_clients[loop] = client
    return client
