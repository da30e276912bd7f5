"""Crew chat fan-out: 50 members on one daphne process, against a bare ASGI broadcast.

The apps under test, each on its own daphne process with the same settings:
- `bare`: `bare_broadcast.py` (no Channels layer, no database, no auth), the baseline;
- `durable`: `durable_broadcast.py`, the least a durable chat must do for each message (one
  EVALSHA, one INSERT, one PUBLISH read back from Redis, the sends and the ack), with no
  framework: the ceiling of this stack for what the group service does;
- `pubsub` / `core`: the group service with `CHANNEL_LAYER_BACKEND=pubsub` or `core`,
  real RS256 tokens from a real key server, the bench database, the per-user rate limit raised
  through its environment variables.

50 members of one crew connect to each. Senders, taking turns, send `--rate` messages a second
(50: 2,500 deliveries a second) for `--seconds`; every body carries its send time, so every
receipt at every member gives an end-to-end latency. Then a rate sweep on the same sockets, a
few seconds per rate, until an app's rate no longer holds p95 <= 100 ms with every message
delivered live. The apps take turns at each step, so they share the machine's conditions
(this machine is shared: "machine busy" tells how many of its cores were busy, all processes
counted). Last, every client of the group service asks `sync` for what it lacks, and its
final view (sequence → body) must equal the rows in PostgreSQL.

"Live" is what reached a member without its asking: from the channel layer, or from the
database when the socket itself saw a gap ("layer drops": the service's
`chat_gap_messages_filled_total`).

Exits 1 when a client's final view differs from the database; performance targets are printed,
never enforced. Usage: `uv run python bench/bench_chat.py [--seconds 10] [--layers pubsub,core]`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

from chatlib import (
    BENCH,
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
from lib import machine_cpu

MEMBERS = 50
SWEEP_P95_LIMIT = 0.100
P95_RATIO_TARGET = 4.0
SWEEP_RATIO_TARGET = 0.3
GAPS_FILLED = "chat_gap_messages_filled_total"


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
    errors: int = 0  # error frames, and sends on a socket already closed
    closes: int = 0  # sockets the server closed
    server_cpu: float = 0.0  # cores busy over the step
    client_cpu: float = 0.0
    machine_busy: float = 0.0

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
        complete = self.messages == self.sent and self.delivered == self.expected
        return complete and self.errors == 0 and self.closes == 0

    @property
    def holds(self) -> bool:
        on_rate = self.sent / self.send_seconds >= 0.95 * self.rate
        return self.no_loss and on_rate and self.p95 <= SWEEP_P95_LIMIT


@dataclass
class Target:
    """One app on its daphne process, its 50 clients and its figures."""

    name: str
    server: Server
    url: str
    crew: str | None = None
    clients: list[ChatClient] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    stored: int = 0
    equal_views: int = 0
    sync_filled: int = 0
    layer_drops_total: float = 0.0

    @property
    def app(self) -> bool:
        return self.crew is not None

    async def gaps_filled(self) -> float:
        if not self.app:
            return 0.0
        return (await asyncio.to_thread(self.server.metrics)).get(GAPS_FILLED, 0.0)


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


async def step(target: Target, *, tag: str, rate: float, seconds: float) -> Step:
    """Send at `rate` for `seconds`, wait until every member has every message (or 10 s)."""
    clients, figures = target.clients, Step(tag, rate)
    drops_before = await target.gaps_filled()

    def count_errors() -> int:
        return sum(sum(c.errors.values()) + c.send_failures for c in clients)

    def count_closes() -> int:
        return sum(sum(c.server_closes.values()) for c in clients)

    def errors() -> int:
        return count_errors() - errors_before

    errors_before, closes_before = count_errors(), count_closes()

    def settled() -> bool:
        acked = sum(len(c.acked[tag]) for c in clients) if target.app else figures.sent
        return acked + errors() >= figures.sent and all(len(c.seen[tag]) >= acked for c in clients)

    cpu_before, client_before = target.server.cpu_seconds(), time.process_time()
    machine_before, wall_before = machine_cpu()[0], time.perf_counter()
    figures.send_seconds = await drive(clients, tag, rate, seconds)
    figures.sent = sum(c.sent[tag] for c in clients)
    deadline = time.monotonic() + max(10.0, seconds)
    while not settled() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)  # stragglers after the last expected frame
    wall = time.perf_counter() - wall_before
    figures.server_cpu = (target.server.cpu_seconds() - cpu_before) / wall
    figures.client_cpu = (time.process_time() - client_before) / wall
    figures.machine_busy = (machine_cpu()[0] - machine_before) / wall
    if target.app:
        messages = set().union(*(c.acked[tag] for c in clients))
    else:
        messages = set(range(figures.sent))
    figures.messages = len(messages)
    figures.delivered = sum(len(c.seen[tag] & messages) for c in clients)
    figures.latencies = [value for c in clients for value in c.latencies[tag]]
    figures.ack_latencies = [value for c in clients for value in c.ack_latencies[tag]]
    figures.errors = errors()
    figures.closes = count_closes() - closes_before
    figures.layer_drops = await target.gaps_filled() - drops_before
    target.steps.append(figures)
    return figures


async def answered(clients: list[ChatClient], timeout: float = 120.0) -> None:
    """Wait until every message sent was acknowledged or refused (or `timeout`).

    An overloaded app still storing its backlog would store messages after a client's `sync`,
    and that client's final view would lack them.
    """

    def unanswered() -> int:
        sent = sum(sum(c.sent.values()) for c in clients)
        acked = sum(len(seen) for c in clients for seen in c.acked.values())
        return sent - acked - sum(sum(c.errors.values()) + c.send_failures for c in clients)

    deadline = time.monotonic() + timeout
    while unanswered() > 0 and time.monotonic() < deadline:
        await asyncio.sleep(0.1)


async def exercise(targets: list[Target], tokens: list, args: argparse.Namespace) -> None:
    gate = asyncio.Semaphore(10)

    async def connect(client: ChatClient, url: str) -> None:
        async with gate:
            await client.connect(url)

    for target in targets:
        target.clients = [
            ChatClient(f"m{n}", t, expect_ready=target.app, auto_reconnect=True)
            for n, t in enumerate(tokens)
        ]
        await asyncio.gather(*(connect(c, target.url) for c in target.clients))
    await asyncio.sleep(1.0)  # the presence announcements of 50 joins settle
    for target in targets:  # a warm-up (database connections, first queries), not reported
        await step(target, tag="warmup", rate=args.rate, seconds=2.0)
        target.steps.clear()
    for target in targets:
        await step(target, tag="main", rate=args.rate, seconds=args.seconds)
    sweeping = list(targets)
    for rate in args.sweep:
        for target in sweeping:
            await step(target, tag=f"r{rate:g}", rate=rate, seconds=args.sweep_seconds)
        # An app stops at its first rate that fails: its backlog would spoil the next one.
        sweeping = [target for target in sweeping if target.steps[-1].holds]
    for target in targets:
        if target.app:
            await answered(target.clients)
            target.layer_drops_total = await target.gaps_filled()
            await asyncio.gather(*(c.catch_up() for c in target.clients))
            target.sync_filled = sum(c.sync_filled for c in target.clients)
        await asyncio.gather(*(c.close() for c in target.clients))


def highest(target: Target) -> tuple[float, bool]:
    """The highest swept rate that held, and whether no rate failed (then it is a floor)."""
    swept = target.steps[1:]
    held = [f.rate for f in swept if f.holds]
    return max(held, default=0.0), bool(held) and all(f.holds for f in swept)


def closes(target: Target) -> str:
    codes = sum((c.server_closes for c in target.clients), Counter())
    return f"{sum(codes.values())} {dict(codes)}" if codes else "0"


def report(targets: list[Target], args: argparse.Namespace) -> None:
    bare = targets[0].steps[0]
    rows = []
    for target in targets:
        main = target.steps[0]
        ratio = main.p95 / bare.p95
        verdict = ("ok" if ratio <= P95_RATIO_TARGET else "MISSED") if target.app else "baseline"
        acks = (
            f"{ms(percentile(main.ack_latencies, 50))} / {ms(percentile(main.ack_latencies, 95))}"
        )
        rows.append([
            target.name, f"{main.sent / main.send_seconds:.1f}", main.expected,
            f"{main.delivered} ({main.live_share:.2%})",
            f"{main.layer_drops:.0f}" if target.app else "-", f"{main.errors} / {main.closes}",
            ms(percentile(main.latencies, 50)), ms(main.p95), ms(percentile(main.latencies, 99)),
            ms(max(main.latencies, default=float("nan"))), acks if target.app else "-",
            f"{ratio:.2f}x {verdict}", f"{main.server_cpu:.2f}", f"{main.client_cpu:.2f}",
            f"{main.machine_busy:.2f}",
        ])  # fmt: skip
    print_table(
        f"Fan-out: {MEMBERS} members, {args.rate:g} msg/s = {args.rate * MEMBERS:,.0f} deliveries/s "
        f"for {args.seconds:g} s (one daphne process each; target: p95 <= {P95_RATIO_TARGET:g}x bare)",
        ["app", "sent msg/s", "deliveries due", "delivered live", "layer drops (server-filled)",
         "errors / sockets closed", "p50 ms", "p95 ms", "p99 ms", "max ms", "ack p50 / p95 ms", "p95 vs bare",
         "daphne cores", "bench client cores", "machine busy cores"],
        rows,
    )  # fmt: skip

    print_table(
        "Correctness: every client's final view after its `sync`, against PostgreSQL "
        "(target: 100 % delivered after gap filling)",
        ["app", "messages in PostgreSQL", "clients whose view = database", "filled by clients' sync",
         "filled by the server (whole run)", "sockets the server closed (codes)", "verdict"],
        [[t.name, t.stored, f"{t.equal_views}/{MEMBERS}", t.sync_filled,
          f"{t.layer_drops_total:.0f}", closes(t), "ok" if t.equal_views == MEMBERS else "FAILED"]
         for t in targets if t.app],
    )  # fmt: skip

    rows = []
    for rate in args.sweep:
        for target in targets:
            for f in target.steps[1:]:
                if f.rate == rate:
                    rows.append([
                        f"{rate:g}", f"{rate * MEMBERS:,.0f}", target.name,
                        f"{f.sent / f.send_seconds:.1f}", f"{f.live_share:.2%}",
                        f"{f.layer_drops:.0f}" if target.app else "-", f"{f.errors} / {f.closes}",
                        ms(percentile(f.latencies, 50)), ms(f.p95),
                        ms(percentile(f.latencies, 99)), f"{f.server_cpu:.2f}",
                        f"{f.client_cpu:.2f}", f"{f.machine_busy:.2f}", "yes" if f.holds else "no",
                    ])  # fmt: skip
    print_table(
        f"Rate sweep, {args.sweep_seconds:g} s per rate; holds = p95 <= {SWEEP_P95_LIMIT * 1000:.0f} ms, "
        "every message delivered live, no send error (an app's sweep stops at its first failure)",
        ["msg/s", "deliveries/s", "app", "sent msg/s", "delivered live", "layer drops",
         "errors / sockets closed", "p50 ms", "p95 ms", "p99 ms", "daphne cores", "bench client cores",
         "machine busy cores", "holds"],
        rows,
    )  # fmt: skip

    bare_top, bare_floor = highest(targets[0])
    durable_top, _ = highest(targets[1])
    rows = []
    for target in targets:
        top, floor = highest(target)
        label = f"{'>= ' if floor else ''}{top:g} msg/s ({top * MEMBERS:,.0f} deliveries/s)"
        if not target.app:
            share = f"{top / bare_top:.2f}x" if bare_top else "-"
            rows.append([target.name, label, "baseline" if target is targets[0] else share, "-"])
            continue
        ratio = top / bare_top if bare_top else float("nan")
        verdict = "ok" if ratio >= SWEEP_RATIO_TARGET else "MISSED"
        bound = " (the bare one's is a floor: an upper bound)" if bare_floor else ""
        floor_ratio = f"{top / durable_top:.2f}x" if durable_top else "-"
        rows.append([target.name, label, f"{ratio:.2f}x {verdict}{bound}", floor_ratio])
    print_table(
        f"Highest rate holding p95 <= {SWEEP_P95_LIMIT * 1000:.0f} ms with no loss "
        f"(target: >= {SWEEP_RATIO_TARGET:g}x the bare broadcast's; the durable floor is the "
        "least a stored, rate-limited, cross-process chat does on this stack)",
        ["app", "highest rate", "vs bare", "vs durable floor"],
        rows,
    )


def split_layers(text: str) -> list[str]:
    """`pubsub,core[capacity=1000,expiry=60]` → ["pubsub", "core[capacity=1000,expiry=60]"]."""
    specs, depth, current = [], 0, ""
    for char in text:
        depth += {"[": 1, "]": -1}.get(char, 0)
        if char == "," and depth == 0:
            specs.append(current)
            current = ""
        else:
            current += char
    return [spec for spec in [*specs, current] if spec]


def parse_layer(spec: str) -> tuple[str, dict]:
    """`core[capacity=1000,socket_timeout=none]` → ("core", {"capacity": 1000, "socket_timeout": None})."""
    name, _, rest = spec.partition("[")
    options = {}
    for pair in filter(None, rest.rstrip("]").split(",")):
        key, _, value = pair.partition("=")
        options[key] = None if value == "none" else json.loads(value)
    return name, options


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="the main run's length")
    parser.add_argument("--rate", type=float, default=50.0, help="messages a second, all senders")
    parser.add_argument(
        "--sweep",
        default="25,50,75,100,150,200,300,400,425,450,475,500,600,800,1000,1200,1500,1750,2000",
        help="rates, msg/s (up to where the bare broadcast fails too, so the ratio is not a bound)",
    )
    parser.add_argument("--sweep-seconds", type=float, default=4.0)
    parser.add_argument(
        "--layers",
        default="pubsub,core",
        help="channel layers, with options for the bench's settings: 'core[capacity=1000]'",
    )
    args = parser.parse_args()
    args.sweep = [float(rate) for rate in args.sweep.split(",") if rate]

    env = service_env()
    prepare_database(env)
    setup_django(env)
    from shared.testing.oidc import OIDCTestProvider

    provider = OIDCTestProvider().start()
    members = bench_members(MEMBERS)
    tokens = [
        (lambda m=m: provider.make_token(sub=m.keycloak_id, username=m.username, expires_in=3600))
        for m in members
    ]
    targets: list[Target] = []
    try:
        with contextlib.ExitStack() as stack:
            bare = stack.enter_context(
                daphne("bare", "bare_broadcast:application", cwd=BENCH, env=env)
            )
            targets.append(Target("bare", bare, bare.ws_url("/")))
            durable = stack.enter_context(
                daphne("durable", "durable_broadcast:application", cwd=BENCH, env=env)
            )
            targets.append(Target("durable", durable, durable.ws_url("/")))
            for number, spec in enumerate(split_layers(args.layers)):
                layer, options = parse_layer(spec)
                layer_env = service_env(
                    OIDC_ISSUER=provider.issuer,
                    CHANNEL_LAYER_BACKEND=layer,
                    CHAT_RATE_LIMIT_MESSAGES="1000000",
                    CHAT_RATE_LIMIT_WINDOW_SECONDS="1",
                )
                if options:  # applied by the bench's settings module
                    layer_env.update(
                        DJANGO_SETTINGS_MODULE="chatbench_settings",
                        PYTHONPATH=str(BENCH),
                        CHATBENCH_LAYER_OPTIONS=json.dumps(options),
                    )
                app = "group_service.asgi:application"
                server = stack.enter_context(
                    daphne(f"{layer}-{number}", app, cwd=GROUP_SERVICE, env=layer_env)
                )
                crew = new_crew(members)
                targets.append(
                    Target(spec, server, server.ws_url(f"/ws/groups/{crew}/chat/"), crew)
                )
            asyncio.run(exercise(targets, tokens, args))
    finally:
        provider.stop()
    for target in targets:
        if target.app:
            stored = stored_view(target.crew)
            target.stored = len(stored)
            target.equal_views = sum(c.view == stored for c in target.clients)
    report(targets, args)
    failed = [t.name for t in targets if t.app and t.equal_views != MEMBERS]
    if failed:
        print(
            f"\nFAILED: a client's final view differs from the database: {failed}", file=sys.stderr
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
