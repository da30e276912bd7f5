"""How many alerts one person may raise in a window, counted in Redis across processes."""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from uuid import UUID

import redis
from django.conf import settings

from shared.core.redis import redis_client

logger = logging.getLogger(__name__)

# A sliding window (the same algorithm as the chat's, `shared.chat.live_state`): the times of
# the actions in the last `window` seconds in a sorted set, checked and added atomically.
_SLIDING_WINDOW = """
local key, now, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('EXPIRE', key, math.ceil(window) + 1)
  return '0'
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return tostring(tonumber(oldest[2]) + window - now)
"""


def _key(user_id: UUID) -> str:
    return f"crewup:ratelimit:safety-alert:{user_id}"


@dataclass(frozen=True)
class RateDecision:
    """Whether an alert may go (`retry_after` 0), and the entry that counted it."""

    retry_after: float
    entry: str | None


def alert_rate_limit_hit(*, user_id: UUID) -> RateDecision:
    """Count one alert by the user, unless the window is full.

    Fails open: when Redis cannot be reached the alert goes out (a safety alert is never
    refused for want of a counter) and the failure is logged.
    """
    entry = uuid.uuid4().hex
    try:
        retry_after = redis_client().eval(
            _SLIDING_WINDOW,
            1,
            _key(user_id),
            time.time(),
            settings.SAFETY_ALERT_RATE_WINDOW_SECONDS,
            settings.SAFETY_ALERT_RATE_LIMIT,
            entry,
        )
    except redis.RedisError:
        logger.warning("alert rate limit unavailable; letting the alert through", exc_info=True)
        return RateDecision(retry_after=0.0, entry=None)
    wait = max(0.0, float(retry_after))
    return RateDecision(retry_after=wait, entry=None if wait else entry)


def alert_rate_limit_refund(*, user_id: UUID, decision: RateDecision) -> None:
    """Uncount an alert that did not go out (a dependency was down, or no crew was the user's)."""
    if decision.entry is None:
        return
    try:
        redis_client().zrem(_key(user_id), decision.entry)
    except redis.RedisError:
        logger.warning("could not refund an alert to the rate limit", exc_info=True)


def alert_rate_limit_reset(*, user_id: UUID) -> None:
    """Forget the user's count (tests)."""
    redis_client().delete(_key(user_id))
