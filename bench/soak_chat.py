"""Crew chat soak: 50 members for `--minutes`, a fifth of them reconnecting in a loop.

Not part of the test suite. Starts a key server, `--processes` daphne processes of the group
service (clients spread over them; a reconnecting client moves to the next process each time,
as behind a load balancer) and one crew of 50 members in the bench database. Every member
sends at about `--rate` messages a second, under the default rate limit (20 per 10 s); the
last fifth of them disconnect every few seconds and come back with `?after=<last seen>`. At
the end every client asks `sync` for what it lacks, and its view (sequence → body) must equal
PostgreSQL's rows.

Prints a row a minute and markdown tables at the end; exits 1 when a view differs from the
database. Usage: `uv run python bench/soak_chat.py [--minutes 10]`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass

from chatlib import (
    GROUP_SERVICE,
    ChatClient,
    Server,
    bench_members,
    daphne,
    ms,
    new_crew,
    percentile,
    prepare_database,
    print_table,
    service_env,
    setup_django,
    stored_view,
)

MEMBERS = 50


@dataclass
class Minute:
    minute: int
    stored: int
    received: int
    p50: float
    p95: float
    p99: float
    reconnects: int
    server_closes: int
    connections: float
    rss_mb: list[float]
    cores: list[float]


class Soak:
    def __init__(self, servers: list[Server], crew: str, tokens: list, args: argparse.Namespace):
        self.servers, self.crew, self.args = servers, crew, args
        self.path = f"/ws/groups/{crew}/chat/"
        reconnecting = MEMBERS // 5
        self.clients = [
            ChatClient(f"m{n}", token, auto_reconnect=True) for n, token in enumerate(tokens)
        ]
        self.stable = self.clients[: MEMBERS - reconnecting]
        self.looping = self.clients[MEMBERS - reconnecting :]
        self.indexes = itertools.count()
        self.start = 0.0
        self.running = True
        self.minutes: list[Minute] = []
        self.server_filled = 0.0
        self.open_after = 0.0
        self.seconds_to_close = 0.0
        self.rss_after: list[float] = []

    def url(self, number: int) -> str:
        return self.servers[number % len(self.servers)].ws_url(self.path)

    def minute(self) -> int:
        return int((time.monotonic() - self.start) // 60)

    async def send_loop(self, client: ChatClient) -> None:
        """About `rate` messages a second, spaced at random, while the socket is up."""
        mean = 1 / self.args.rate
        while self.running:
            await asyncio.sleep(random.uniform(0.5 * mean, 1.5 * mean))
            if self.running and client.connected and client.ready.is_set():
                await client.send_message(f"m{self.minute()}", next(self.indexes))

    async def reconnect_loop(self, client: ChatClient, number: int) -> None:
        """Up for 3-10 s, down for 0.2-2 s, back on the next process with `?after=`."""
        while self.running:
            await asyncio.sleep(random.uniform(3, 10))
            if not self.running:
                return
            await client.close()
            await asyncio.sleep(random.uniform(0.2, 2))
            number += 1
            client.reconnects += 1
            await client.connect(self.url(number), after=client.contiguous)

    async def sample(self, minute: int, since: dict) -> None:
        """Record one minute's figures (latency of the messages sent in that minute)."""
        latencies = [v for c in self.clients for v in c.latencies[f"m{minute}"]]
        reconnects = sum(c.reconnects for c in self.clients)
        closes = sum(sum(c.server_closes.values()) for c in self.clients)
        metrics = [await asyncio.to_thread(server.metrics) for server in self.servers]
        cpu = [server.cpu_seconds() for server in self.servers]
        wall = time.monotonic() - since["wall"]
        stored = await asyncio.to_thread(lambda: len(stored_view(self.crew)))
        self.minutes.append(
            Minute(
                minute=minute + 1,
                stored=stored,
                received=len(latencies),
                p50=percentile(latencies, 50),
                p95=percentile(latencies, 95),
                p99=percentile(latencies, 99),
                reconnects=reconnects - since["reconnects"],
                server_closes=closes - since["closes"],
                connections=sum(m.get("websocket_connections_open", 0.0) for m in metrics),
                rss_mb=[server.rss_mb() for server in self.servers],
                cores=[
                    (now - before) / wall for now, before in zip(cpu, since["cpu"], strict=True)
                ],
            )
        )
        row = self.minutes[-1]
        print(
            f"minute {row.minute}: {row.stored} stored, p95 {ms(row.p95)} ms, "
            f"{row.reconnects} reconnects, {row.server_closes} closed by the server",
            flush=True,
        )
        since.update(reconnects=reconnects, closes=closes, cpu=cpu, wall=time.monotonic())

    async def run(self) -> None:
        gate = asyncio.Semaphore(10)

        async def connect(number: int, client: ChatClient) -> None:
            async with gate:
                await client.connect(self.url(number))

        await asyncio.gather(*(connect(n, c) for n, c in enumerate(self.clients)))
        await asyncio.sleep(1.0)
        self.start = time.monotonic()
        since = {
            "reconnects": 0,
            "closes": 0,
            "cpu": [s.cpu_seconds() for s in self.servers],
            "wall": self.start,
        }
        tasks = [asyncio.create_task(self.send_loop(c)) for c in self.clients]
        tasks += [
            asyncio.create_task(self.reconnect_loop(c, MEMBERS - len(self.looping) + n))
            for n, c in enumerate(self.looping)
        ]
        for minute in range(int(self.args.minutes)):
            await asyncio.sleep(max(0.0, self.start + 60 * (minute + 1) - time.monotonic()))
            await self.sample(minute, since)
        self.running = False
        await asyncio.gather(*tasks)
        await asyncio.sleep(3.0)  # the last acks and deliveries
        await asyncio.gather(*(c.catch_up() for c in self.clients))
        metrics = [await asyncio.to_thread(server.metrics) for server in self.servers]
        self.server_filled = sum(m.get("chat_gap_messages_filled_total", 0.0) for m in metrics)
        await asyncio.gather(*(c.close() for c in self.clients))
        left = time.monotonic()
        while time.monotonic() - left < 20:  # the servers handle the disconnects in turn
            metrics = [await asyncio.to_thread(server.metrics) for server in self.servers]
            self.open_after = sum(m.get("websocket_connections_open", 0.0) for m in metrics)
            if not self.open_after:
                break
            await asyncio.sleep(0.5)
        self.seconds_to_close = time.monotonic() - left
        self.rss_after = [server.rss_mb() for server in self.servers]


def report(soak: Soak, stored: dict[int, str], args: argparse.Namespace) -> bool:
    clients = soak.clients
    print_table(
        f"Soak, minute by minute ({MEMBERS} members, {len(soak.looping)} reconnecting, "
        f"{len(soak.servers)} daphne processes, ~{args.rate:g} msg/s each)",
        ["minute", "messages stored", "receipts live", "p50 ms", "p95 ms", "p99 ms",
         "reconnects", "closed by the server", "open sockets (gauge)", "daphne RSS MB",
         "daphne cores"],
        [[m.minute, m.stored, m.received, ms(m.p50), ms(m.p95), ms(m.p99), m.reconnects,
          m.server_closes, f"{m.connections:.0f}", " / ".join(f"{r:.0f}" for r in m.rss_mb),
          " / ".join(f"{c:.2f}" for c in m.cores)] for m in soak.minutes],
    )  # fmt: skip

    def total(attribute: str) -> int:
        return sum(getattr(c, attribute) for c in clients)

    sent = sum(sum(c.sent.values()) for c in clients)
    acked = sum(len(v) for c in clients for v in c.acked.values())
    errors = sum((c.errors for c in clients), Counter())
    closes = sum((c.server_closes for c in clients), Counter())
    stable_live = sum(len(v) for c in soak.stable for v in c.seen.values())
    latencies = [v for c in clients for values in c.latencies.values() for v in values]
    equal = sum(c.view == stored for c in clients)
    rows = [
        ["duration", f"{args.minutes:g} min"],
        ["messages sent / acknowledged / in PostgreSQL", f"{sent} / {acked} / {len(stored)}"],
        ["error frames", dict(errors) or 0],
        ["sends on a closed socket", total("send_failures")],
        ["reconnects (looping clients' and after a server close)", total("reconnects")],
        ["sockets the server closed (codes)", dict(closes) or 0],
        [
            "stable members: receipts live / due",
            f"{stable_live} / {len(stored) * len(soak.stable)} "
            f"({stable_live / max(1, len(stored) * len(soak.stable)):.2%})",
        ],
        ["sent on reconnect for ?after= (all members)", total("backfilled")],
        ["sent by the servers from PostgreSQL (?after= and gaps)", f"{soak.server_filled:.0f}"],
        ["filled by the final sync (all members)", total("sync_filled")],
        ["latency of live receipts p50 / p95 / p99 / max ms",
         f"{ms(percentile(latencies, 50))} / {ms(percentile(latencies, 95))} / "
         f"{ms(percentile(latencies, 99))} / {ms(max(latencies, default=float('nan')))}"],
        [
            "open sockets after everyone left (gauge; 0 = no leak)",
            f"{soak.open_after:.0f} after {soak.seconds_to_close:.1f} s",
        ],
        ["daphne RSS after everyone left, MB", " / ".join(f"{r:.0f}" for r in soak.rss_after)],
        ["clients whose final view = database", f"{equal}/{MEMBERS} {'ok' if equal == MEMBERS else 'FAILED'}"],
    ]  # fmt: skip
    print_table("Soak, totals", ["figure", "value"], rows)
    return equal == MEMBERS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--processes", type=int, default=2, help="daphne processes")
    parser.add_argument("--rate", type=float, default=0.5, help="messages a second per member")
    parser.add_argument("--layer", default="pubsub", help="CHANNEL_LAYER_BACKEND")
    args = parser.parse_args()

    env = service_env()
    prepare_database(env)
    setup_django(env)
    from shared.testing.oidc import OIDCTestProvider

    provider = OIDCTestProvider().start()
    members = bench_members(MEMBERS)
    crew = new_crew(members)
    lifetime = int(args.minutes * 60) + 600  # outlives the soak: expiry is tested elsewhere
    tokens = [
        (
            lambda m=m: provider.make_token(
                sub=m.keycloak_id, username=m.username, expires_in=lifetime
            )
        )
        for m in members
    ]
    service = service_env(OIDC_ISSUER=provider.issuer, CHANNEL_LAYER_BACKEND=args.layer)
    app = "group_service.asgi:application"
    try:
        with contextlib.ExitStack() as stack:
            servers = [
                stack.enter_context(daphne(f"soak-{n}", app, cwd=GROUP_SERVICE, env=service))
                for n in range(args.processes)
            ]
            soak = Soak(servers, crew, tokens, args)
            asyncio.run(soak.run())
    finally:
        provider.stop()
    if not report(soak, stored_view(crew), args):
        print("\nFAILED: a client's final view differs from the database", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
