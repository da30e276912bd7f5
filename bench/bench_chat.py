"""Crew chat fan-out: 50 members on one daphne process, against a bare ASGI broadcast.

For each app under test, on one daphne process with the same settings:
- `bare`: `bare_broadcast.py` (no Channels layer, no database, no auth), the baseline;
- `pubsub` / `core`: the group service with `CHANNEL_LAYER_BACKEND=pubsub` or `core`,
  real RS256 tokens from a real key server, the bench database, the per-user rate limit raised
  through its environment variables.

50 members connect to one crew. Senders, taking turns, send `--rate` messages a second (50 a
second by default: 2,500 deliveries a second) for `--seconds`; every body carries its send
time, so every receipt at every member gives an end-to-end latency. Then a rate sweep on the
same sockets: a few seconds at each rate, until a rate no longer holds p95 <= 100 ms with
every message delivered live. Last, every client of the app asks `sync` for what it lacks, and
its final view (sequence → body) must equal the rows in PostgreSQL.

"Live" is what reached a member without it asking: from the channel layer, or from the
database when the socket itself noticed a gap ("layer drops" counts those, from the service's
`chat_gap_messages_filled_total`).

Exits 1 when a client's final view differs from the database; performance targets are printed,
never enforced. Usage: `uv run python bench/bench_chat.py [--seconds 10] [--layers pubsub,core]`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass, field

from chatlib import (
    BENCH,
    GROUP_SERVICE,
    ChatClient,
    Member,
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
SWEEP_P95_LIMIT = 0.100
P95_RATIO_TARGET = 4.0
SWEEP_RATIO_TARGET = 0.3


@dataclass
class Step:
    """One app at one rate: what was sent, what arrived live, how fast."""

    tag: str
    rate: float
    sent: int = 0
    send_seconds: float = 0.0
    messages: int = 0  # acknowledged (the app) or sent (bare): each must reach every member
    delivered: int = 0  # (message, member) pairs received live
    latencies: list[float] = field(default_factory=list)
    ack_latencies: list[float] = field(default_factory=list)  # send → the sender's ack
    layer_drops: float = 0.0
    errors: int = 0
    server_cpu: float = 0.0  # share of one core over the step
    client_cpu: float = 0.0

    @property
    def expected(self) -> int:
        return self.messages * MEMBERS

    @property
    def live_share(self) -> float:
        return self.delivered / self.expected if self.expected else 0.0

    @property
    def p95(self) -> float:
        return percentile(self.latencies, 95)

    @property
    def no_loss(self) -> bool:
        return self.errors == 0 and self.messages == self.sent and self.delivered == self.expected

    @property
    def holds(self) -> bool:
        return (
            self.no_loss
            and self.sent / self.send_seconds >= 0.95 * self.rate
            and (self.p95 <= SWEEP_P95_LIMIT)
        )


@dataclass
class Run:
    name: str
    app: bool
    steps: list[Step] = field(default_factory=list)
    stored: int = 0
    equal_views: int = 0
    sync_filled: int = 0
    layer_drops_total: float = 0.0


async def drive(clients: list[ChatClient], tag: str, rate: float, seconds: float) -> float:
    """Send `rate` messages a second for `seconds`, members taking turns; return the time taken."""
    total = round(rate * seconds)
    start = time.perf_counter()
    index = 0
    while index < total:
        due = min(total, int((time.perf_counter() - start) * rate) + 1)
        while index < due:
            await clients[index % len(clients)].send_message(tag, index)
            index += 1
        await asyncio.sleep(max(0.0, start + index / rate - time.perf_counter()))
    return time.perf_counter() - start


async def metric(server: Server, app: bool, name: str) -> float:
    return (await asyncio.to_thread(server.metrics)).get(name, 0.0) if app else 0.0


async def step(
    server: Server, clients: list[ChatClient], *, app: bool, tag: str, rate: float, seconds: float
) -> Step:
    figures = Step(tag, rate)
    drops_before = await metric(server, app, "chat_gap_messages_filled_total")
    errors_before = sum(sum(c.errors.values()) for c in clients)
    cpu_before, client_before, wall_before = (
        server.cpu_seconds(),
        time.process_time(),
        time.perf_counter(),
    )
    figures.send_seconds = await drive(clients, tag, rate, seconds)
    figures.sent = sum(c.sent[tag] for c in clients)

    def settled() -> bool:
        acked = sum(len(c.acked[tag]) for c in clients) if app else figures.sent
        return acked + errors() >= figures.sent and all(len(c.seen[tag]) >= acked for c in clients)

    def errors() -> int:
        return sum(sum(c.errors.values()) for c in clients) - errors_before

    deadline = time.monotonic() + max(10.0, seconds)
    while not settled() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)  # stragglers after the last expected frame
    wall = time.perf_counter() - wall_before
    figures.server_cpu = (server.cpu_seconds() - cpu_before) / wall
    figures.client_cpu = (time.process_time() - client_before) / wall
    messages = set().union(*(c.acked[tag] for c in clients)) if app else set(range(figures.sent))
    figures.messages = len(messages)
    figures.delivered = sum(len(c.seen[tag] & messages) for c in clients)
    figures.latencies = [value for c in clients for value in c.latencies[tag]]
    figures.ack_latencies = [value for c in clients for value in c.ack_latencies[tag]]
    figures.errors = errors()
    figures.layer_drops = await metric(server, app, "chat_gap_messages_filled_total") - drops_before
    return figures


async def exercise(
    run: Run, server: Server, url: str, tokens: list, args: argparse.Namespace
) -> list[ChatClient]:
    clients = [ChatClient(f"m{n}", token, expect_ready=run.app) for n, token in enumerate(tokens)]
    gate = asyncio.Semaphore(10)

    async def connect(client: ChatClient) -> None:
        async with gate:
            await client.connect(url)

    await asyncio.gather(*(connect(c) for c in clients))
    await asyncio.sleep(1.0)  # the presence announcements of 50 joins settle
    run.steps.append(
        await step(server, clients, app=run.app, tag="main", rate=args.rate, seconds=args.seconds)
    )
    for rate in args.sweep:
        figures = await step(
            server, clients, app=run.app, tag=f"r{rate:g}", rate=rate, seconds=args.sweep_seconds
        )
        run.steps.append(figures)
        if not figures.holds:
            break  # a backlog would spoil the next rate
    if run.app:
        run.layer_drops_total = await metric(server, True, "chat_gap_messages_filled_total")
        await asyncio.gather(*(c.catch_up() for c in clients))
        run.sync_filled = sum(c.sync_filled for c in clients)
    await asyncio.gather(*(c.close() for c in clients))
    return clients


def measure(name: str, members: list[Member], issuer: str, make_token, args) -> Run:
    run = Run(name, app=name != "bare")
    tokens = [
        (lambda m=m: make_token(sub=m.keycloak_id, username=m.username, expires_in=3600))
        for m in members
    ]
    if not run.app:
        env = service_env()
        with daphne("bare", "bare_broadcast:application", cwd=BENCH, env=env) as server:
            asyncio.run(exercise(run, server, server.ws_url("/"), tokens, args))
        return run
    crew = new_crew(members)
    env = service_env(
        OIDC_ISSUER=issuer,
        CHANNEL_LAYER_BACKEND=name,
        CHAT_RATE_LIMIT_MESSAGES="1000000",
        CHAT_RATE_LIMIT_WINDOW_SECONDS="1",
    )
    with daphne(name, "group_service.asgi:application", cwd=GROUP_SERVICE, env=env) as server:
        url = server.ws_url(f"/ws/groups/{crew}/chat/")
        clients = asyncio.run(exercise(run, server, url, tokens, args))
    stored = stored_view(crew)
    run.stored = len(stored)
    run.equal_views = sum(c.view == stored for c in clients)
    return run


def report(runs: list[Run], args: argparse.Namespace) -> None:
    bare = runs[0].steps[0]
    rows = []
    for run in runs:
        main = run.steps[0]
        ratio = main.p95 / bare.p95
        verdict = "" if not run.app else ("ok" if ratio <= P95_RATIO_TARGET else "MISSED")
        rows.append([
            run.name, f"{main.sent / main.send_seconds:.1f}", main.expected,
            f"{main.delivered} ({main.live_share:.2%})", f"{main.layer_drops:.0f}" if run.app else "-",
            main.errors, ms(percentile(main.latencies, 50)), ms(main.p95),
            ms(percentile(main.latencies, 99)), ms(max(main.latencies, default=float("nan"))),
            f"{ms(percentile(main.ack_latencies, 50))} / {ms(percentile(main.ack_latencies, 95))}",
            f"{ratio:.2f}x {verdict}".strip(), f"{main.server_cpu:.0%}", f"{main.client_cpu:.0%}",
        ])  # fmt: skip
    print_table(
        f"Fan-out: {MEMBERS} members, {args.rate:g} msg/s = {args.rate * MEMBERS:,.0f} deliveries/s "
        f"for {args.seconds:g} s (one daphne process each; target p95 <= {P95_RATIO_TARGET:g}x bare)",
        ["app", "sent msg/s", "deliveries due", "delivered live", "layer drops (server-filled)",
         "send errors", "p50 ms", "p95 ms", "p99 ms", "max ms", "ack p50 / p95 ms", "p95 vs bare",
         "daphne CPU",
         "bench client CPU"],
        rows,
    )  # fmt: skip

    print_table(
        "Correctness: every client's final view after `sync` against PostgreSQL (target 100 %)",
        ["app", "messages in PostgreSQL", "clients whose view = database", "filled by clients' sync",
         "filled by the server (whole run)", "verdict"],
        [[run.name, run.stored, f"{run.equal_views}/{MEMBERS}", run.sync_filled,
          f"{run.layer_drops_total:.0f}", "ok" if run.equal_views == MEMBERS else "FAILED"]
         for run in runs if run.app],
    )  # fmt: skip

    rows = []
    for run in runs:
        for figures in run.steps[1:]:
            rows.append([
                f"{figures.rate:g}", f"{figures.rate * MEMBERS:,.0f}", run.name,
                f"{figures.sent / figures.send_seconds:.1f}", f"{figures.live_share:.2%}",
                f"{figures.layer_drops:.0f}" if run.app else "-", figures.errors,
                ms(percentile(figures.latencies, 50)), ms(figures.p95),
                ms(percentile(figures.latencies, 99)), f"{figures.server_cpu:.0%}",
                f"{figures.client_cpu:.0%}", "yes" if figures.holds else "no",
            ])  # fmt: skip
    rows.sort(key=lambda row: (float(row[0]), [r.name for r in runs].index(row[2])))
    print_table(
        f"Rate sweep: {args.sweep_seconds:g} s per rate; holds = p95 <= {SWEEP_P95_LIMIT * 1000:.0f} ms, "
        "every message delivered live, no send error (a sweep stops at its first rate that fails)",
        ["msg/s", "deliveries/s", "app", "sent msg/s", "delivered live", "layer drops",
         "send errors", "p50 ms", "p95 ms", "p99 ms", "daphne CPU", "bench client CPU", "holds"],
        rows,
    )  # fmt: skip

    def highest(run: Run) -> tuple[float, bool]:
        held = [f.rate for f in run.steps[1:] if f.holds]
        top = max(held, default=0.0)
        return top, bool(held) and all(f.holds for f in run.steps[1:])  # never failed: a floor

    bare_top, bare_open = highest(runs[0])
    rows = []
    for run in runs:
        top, open_ended = highest(run)
        label = f"{'>= ' if open_ended else ''}{top:g} msg/s ({top * MEMBERS:,.0f} deliveries/s)"
        if run.app:
            ratio = top / bare_top if bare_top else float("nan")
            note = " (bare's is a floor: ratio is an upper bound)" if bare_open else ""
            verdict = "ok" if ratio >= SWEEP_RATIO_TARGET else "MISSED"
            rows.append([run.name, label, f"{ratio:.2f}x {verdict}{note}"])
        else:
            rows.append([run.name, label, "baseline"])
    print_table(
        f"Highest rate holding p95 <= {SWEEP_P95_LIMIT * 1000:.0f} ms with no loss "
        f"(target >= {SWEEP_RATIO_TARGET:g}x the bare broadcast's)",
        ["app", "highest rate", "vs bare"],
        rows,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="the main run's length")
    parser.add_argument("--rate", type=float, default=50.0, help="messages a second, all senders")
    parser.add_argument("--sweep", default="25,50,100,150,200,300,400", help="rates, msg/s")
    parser.add_argument("--sweep-seconds", type=float, default=4.0)
    parser.add_argument("--layers", default="pubsub,core", help="channel layers to run")
    args = parser.parse_args()
    args.sweep = [float(rate) for rate in args.sweep.split(",") if rate]

    env = service_env()
    prepare_database(env)
    setup_django(env)
    from shared.testing.oidc import OIDCTestProvider

    provider = OIDCTestProvider().start()
    try:
        members = bench_members(MEMBERS)
        runs = [
            measure(name, members, provider.issuer, provider.make_token, args)
            for name in ["bare", *args.layers.split(",")]
        ]
    finally:
        provider.stop()
    report(runs, args)
    failed = [run.name for run in runs if run.app and run.equal_views != MEMBERS]
    if failed:
        print(
            f"\nFAILED: a client's final view differs from the database in: {failed}",
            file=sys.stderr,
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
