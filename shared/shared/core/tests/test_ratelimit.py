"""The sliding-window rate limit against the real Redis."""

import asyncio
import uuid

import pytest
from asgiref.sync import sync_to_async

from shared.core import ratelimit

pytestmark = pytest.mark.asyncio


async def test_sliding_window_allows_the_limit_and_tells_when_to_retry():
    user_id = uuid.uuid4()

    results = [
        await ratelimit.rate_limit_hit(scope="test", user_id=user_id, limit=3, window_seconds=0.5)
        for _ in range(5)
    ]

    assert results[:3] == [0.0, 0.0, 0.0]
    assert all(0 < retry <= 0.5 for retry in results[3:])
    await asyncio.sleep(0.6)
    assert (
        await ratelimit.rate_limit_hit(scope="test", user_id=user_id, limit=3, window_seconds=0.5)
        == 0.0
    )


async def test_the_rate_limit_loads_its_script_into_a_redis_that_does_not_have_it(monkeypatch):
    user_id = uuid.uuid4()
    monkeypatch.setattr(ratelimit, "_SLIDING_WINDOW_SHA", "0" * 40)  # not loaded: NOSCRIPT

    results = [
        await ratelimit.rate_limit_hit(scope="test", user_id=user_id, limit=1, window_seconds=5)
        for _ in range(2)
    ]

    assert results[0] == 0.0
    assert 0 < results[1] <= 5


async def test_the_synchronous_rate_limit_counts_in_the_same_window():
    user_id = uuid.uuid4()
    window = {"scope": "test", "user_id": user_id, "limit": 2, "window_seconds": 5}

    first = await ratelimit.rate_limit_hit(**window)
    second = await sync_to_async(ratelimit.rate_limit_hit_sync)(**window)
    third = await sync_to_async(ratelimit.rate_limit_hit_sync)(**window)

    assert (first, second) == (0.0, 0.0)
    assert 0 < third <= 5
    assert 0 < await ratelimit.rate_limit_hit(**window) <= 5


async def test_an_action_repeated_with_its_key_is_allowed_and_not_counted_again():
    user_id = uuid.uuid4()
    window = {"scope": "test", "user_id": user_id, "limit": 2, "window_seconds": 5}

    first = await ratelimit.rate_limit_hit(**window, action_key="c1")
    repeats = [await ratelimit.rate_limit_hit(**window, action_key="c1") for _ in range(3)]
    second = await ratelimit.rate_limit_hit(**window, action_key="c2")
    third = await ratelimit.rate_limit_hit(**window, action_key="c3")

    assert [first, *repeats, second] == [0.0] * 5
    assert 0 < third <= 5
    assert await ratelimit.rate_limit_hit(**window, action_key="c1") == 0.0


async def test_a_refunded_action_frees_its_place_in_the_window():
    user_id = uuid.uuid4()
    window = {"scope": "test", "user_id": user_id, "limit": 1, "window_seconds": 5}
    first = await ratelimit.rate_limit_hit(**window, action_key="a1")

    await sync_to_async(ratelimit.rate_limit_refund)(scope="test", user_id=user_id, action_key="a1")

    assert first == 0.0
    assert await ratelimit.rate_limit_hit(**window, action_key="a2") == 0.0
    assert 0 < await ratelimit.rate_limit_hit(**window, action_key="a3") <= 5
