"""A broadcast from synchronous code (a REST request, a worker): CPU per broadcast, two ways.

A crew created or joined, an alert posted to its crews, a moderator closing someone's sockets:
the group service's requests tell the crew's live sockets through the channel layer, after
commit, from synchronous code. Measured in this one process, on the real Redis, with a socket
of the group subscribed through the layer (so every broadcast is delivered, as in the system):

- baseline: `async_to_sync(layer.group_send)`, the layer's own call, which starts an event loop
  and opens a Redis connection for each broadcast;
- measured: `shared.chat.realtime.broadcast_to_group`, which publishes the same frame on the
  process's Redis client.

Each is timed `--broadcasts` times, in turn, for `BENCH_ROUNDS` rounds; the medians are
compared, with the range. Needs Redis only (REDIS_URL, else `.env`'s).

Usage: `uv run python bench/bench_broadcast.py [--broadcasts 500]`
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable

from lib import ROOT, ROUNDS, load_dotenv


def setup_django() -> None:
    os.environ.update(load_dotenv())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "group_service.settings")
    sys.path.insert(0, str(ROOT / "group_service"))
    import django

    django.setup()


def cpu_ms_per_call(call: Callable[[], object], count: int) -> float:
    started = time.process_time()
    for _ in range(count):
        call()
    return 1000 * (time.process_time() - started) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--broadcasts", type=int, default=500)
    args = parser.parse_args()
    setup_django()
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from shared.chat import realtime

    layer = get_channel_layer()
    group_id = uuid.uuid4()
    group = realtime.chat_group_name(group_id)
    event = {"type": "chat.member", "change": "member_joined", "user_id": str(uuid.uuid4())}
    received = 0

    async def listen(ready: threading.Event) -> None:
        nonlocal received
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        ready.set()
        # Until the last frame: a receive cancelled by a timeout would leave the group.
        while (await layer.receive(channel))["type"] != "bench.stop":
            received += 1
        await layer.group_discard(group, channel)

    ready = threading.Event()
    listener = threading.Thread(target=asyncio.run, args=(listen(ready),), daemon=True)
    listener.start()
    ready.wait(10)

    def old_way() -> object:
        return async_to_sync(layer.group_send)(group, event)

    def new_way() -> object:
        return realtime.broadcast_to_group(group_id, event_type=event["type"], payload=event)

    old_way(), new_way()  # warm: imports, the client's connection
    baseline, measured = [], []
    for _ in range(ROUNDS):
        baseline.append(cpu_ms_per_call(old_way, args.broadcasts))
        measured.append(cpu_ms_per_call(new_way, args.broadcasts))
    async_to_sync(layer.group_send)(group, {"type": "bench.stop"})
    listener.join(10)

    sent = 2 + 2 * ROUNDS * args.broadcasts
    print(f"\nBroadcasts from synchronous code, {args.broadcasts} a round, {ROUNDS} rounds")
    print("| way | CPU ms per broadcast, median (range) |\n|---|---:|")
    for name, figures in (
        ("async_to_sync(layer.group_send) (baseline)", baseline),
        ("realtime.broadcast_to_group", measured),
    ):
        print(
            f"| {name} | {statistics.median(figures):.3f} ({min(figures):.3f}-{max(figures):.3f}) |"
        )
    ratio = statistics.median(baseline) / statistics.median(measured)
    print(
        f"\nCPU per broadcast: {ratio:.1f}x less than the baseline; "
        f"the subscribed socket received {received} of {sent} frames."
    )
    if received != sent:
        raise SystemExit("frames were lost")


if __name__ == "__main__":
    main()
