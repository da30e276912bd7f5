"""How many alerts one person may raise in a window, counted in Redis across processes."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from uuid import UUID

import redis
from django.conf import settings

from shared.core.ratelimit import rate_limit_hit_sync, rate_limit_refund

logger = logging.getLogger(__name__)

ALERT_SCOPE = "safety-alert"


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
        wait = rate_limit_hit_sync(
            scope=ALERT_SCOPE,
            user_id=user_id,
            limit=settings.SAFETY_ALERT_RATE_LIMIT,
            window_seconds=settings.SAFETY_ALERT_RATE_WINDOW_SECONDS,
            action_key=entry,
        )
    except redis.RedisError:
        logger.warning("alert rate limit unavailable; letting the alert through", exc_info=True)
        return RateDecision(retry_after=0.0, entry=None)
    return RateDecision(retry_after=wait, entry=None if wait else entry)


def alert_rate_limit_refund(*, user_id: UUID, decision: RateDecision) -> None:
    """Uncount an alert that did not go out (a dependency was down, or no crew was the user's)."""
    if decision.entry is None:
        return
    try:
        rate_limit_refund(scope=ALERT_SCOPE, user_id=user_id, action_key=decision.entry)
    except redis.RedisError:
        logger.warning("could not refund an alert to the rate limit", exc_info=True)
