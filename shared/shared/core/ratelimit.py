"""Sliding-window rate limits in Redis: the chat's messages and the safety alerts count here.

The times of a user's actions in the last `window_seconds` are a sorted set; one Lua script
drops the old ones, checks the count and adds the new one atomically, so a limit holds across
sockets, HTTP and processes without a window edge letting a burst of twice the limit through.
An action already in the window (the same `action_key`: a client resending a message under its
client_id) is allowed and not counted again.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from uuid import UUID

from redis.exceptions import NoScriptError

from shared.core.redis import async_redis_client, redis_client

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


def _key(scope: str, user_id: UUID) -> str:
    return f"crewup:ratelimit:{scope}:{user_id}"


def _member(action_key: str | None) -> str:
    # Prefixed, so a client's key never equals the random member of an unkeyed action.
    return uuid.uuid4().hex if action_key is None else f"key:{action_key}"


def _window_call(
    scope: str, user_id: UUID, limit: int, window_seconds: float, action_key: str | None
) -> tuple[str, tuple[float, float, int, str]]:
    """The key and arguments of one count in the sliding-window script."""
    arguments = (time.time(), window_seconds, limit, _member(action_key))
    return _key(scope, user_id), arguments


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
    client = async_redis_client()
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


def rate_limit_refund(*, scope: str, user_id: UUID, action_key: str) -> None:
    """Uncount the action counted under `action_key` (it did not happen after all)."""
    redis_client().zrem(_key(scope, user_id), _member(action_key))
