"""Safety alert to delivery, to 50 connected members, beside chat message delivery in the same run.

The system under test, every part a real process on loopback, on a bench database of its own:
- the event service and the group service's REST API under gunicorn (as deployed),
- the group service's chat sockets under daphne,
- the safety service under gunicorn,
- a real OIDC key server (`shared.testing.oidc`), which also hands the safety service its
  service token by the client-credentials grant.

One crew of 50 members, all connected to the crew's chat. Then, taking turns:
- chat: a member sends a message on their socket; latency = send → `message` frame at each of
  the 50 sockets (the baseline: the same sockets, the same channel layer);
- alert: a member POSTs `/api/v1/safety/alerts/`; latency = request start → `safety_alert`
  frame at each of the 50 sockets. This includes everything the alert does: the membership
  check (group service, service token), the event check (event service, the member's token),
  the transaction, and the group service posting it into the crew's stream and broadcasting.

Target: alert p95 <= 100 ms, to the first frame that carries the alert (its `message` in the
stream; the `safety_alert` frame follows it, and both carry the location). Printed, never
enforced (this machine is shared: the table shows how busy it was). The safety service's
per-user alert limit is raised for the run through its environment (`SAFETY_ALERT_RATE_LIMIT`).

Usage: `uv run python bench/bench_safety.py [--rounds 120] [--members 50]`.

120 rounds, because a round's 50 samples move together: the p95 of 40 rounds is set by the
two slowest alerts of the run; of 120, by the six slowest.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lib import machine_cpu

ROOT = Path(__file__).resolve().parent.parent

DATABASE_URL = os.environ.get(
    "BENCH_SAFETY_DATABASE_URL", "postgis://postgres@127.0.0.1:5432/crewup_bench_safety"
)
SERVICE_CLIENT_ID = "crewup-safety"
SERVICE_CLIENT_SECRET = uuid.uuid4().hex
TARGET_P95 = 0.100
WARM_UP_ROUNDS = 3
LOG_DIR = ROOT / ".run" / "bench-safety"


# --- Processes ---


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def service_env(issuer: str) -> dict[str, str]:
    dropped = {"DJANGO_SETTINGS_MODULE", "PROMETHEUS_MULTIPROC_DIR", "prometheus_multiproc_dir"}
    return {
        **{name: value for name, value in os.environ.items() if name not in dropped},
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", uuid.uuid4().hex * 2),
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "RABBITMQ_URL": os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//"),
        "OIDC_ISSUER": issuer,
        "OIDC_AUDIENCE": "crewup-api",
        # The moderation service (which runs the migrations) needs its console client's
        # secret to start; nothing here signs in to the console.
        "OIDC_RP_CLIENT_SECRET": os.environ.get("OIDC_RP_CLIENT_SECRET", "unused-by-the-bench"),
        "DJANGO_READ_DOT_ENV_FILE": "false",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
    }


@dataclass
class Process:
    name: str
    port: int
    popen: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        """CPU of the process and its children (gunicorn's workers), from /proc."""
        total = 0.0
        for pid in [self.popen.pid, *_children(self.popen.pid)]:
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total


def _children(pid: int) -> list[int]:
    with contextlib.suppress(OSError):
        return [
            int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        ]
    return []


@contextlib.contextmanager
def serve(
    name: str, args: list[str], *, cwd: Path, env: dict[str, str], port: int
) -> Iterator[Process]:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = (LOG_DIR / f"{name}.log").open("wb")
    popen = subprocess.Popen(
        args, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    process = Process(name=name, port=port, popen=popen)
    try:
        deadline = time.monotonic() + 60
        while True:
            if popen.poll() is not None:
                raise RuntimeError(f"{name} exited; see {LOG_DIR / (name + '.log')}")
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{process.url}/healthz", timeout=1),
            ):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not come up; see {LOG_DIR / (name + '.log')}")
            time.sleep(0.2)
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(popen.pid, signal.SIGTERM)
        popen.wait(timeout=30)
        log.close()


def gunicorn(
    service: str, env: dict[str, str], workers: int
) -> contextlib.AbstractContextManager[Process]:
    port = free_port()
    args = [
        sys.executable, "-m", "gunicorn", "-c", "python:shared.gunicorn_conf", f"{service}_service.wsgi",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
    ]  # fmt: skip
    return serve(service, args, cwd=ROOT / f"{service}_service", env=env, port=port)


def daphne(env: dict[str, str]) -> contextlib.AbstractContextManager[Process]:
    port = free_port()
    args = [
        sys.executable,
        "-m",
        "daphne",
        "-b",
        "127.0.0.1",
        "-p",
        str(port),
        "group_service.asgi:application",
    ]
    return serve("group-ws", args, cwd=ROOT / "group_service", env=env, port=port)


# --- Database and crew ---


def prepare_database(env: dict[str, str]) -> None:
    """Create the bench database when missing and migrate it (a no-op when up to date)."""
    import psycopg

    url = urlsplit(DATABASE_URL)
    name = url.path.lstrip("/")
    with psycopg.connect(f"postgresql://{url.netloc}/postgres", autocommit=True) as connection:
        if not connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(
        [sys.executable, str(ROOT / "moderation_service" / "manage.py"), "migrate", "--verbosity", "0"],
        env={**env, "DJANGO_SETTINGS_MODULE": "moderation_service.settings"},
        check=True,
    )  # fmt: skip


@dataclass
class Member:
    id: str
    keycloak_id: str
    username: str
    token: str = ""


def new_crew(size: int) -> tuple[str, list[Member]]:
    """A new crew of `size` members (in this run's database) for one event."""
    from shared.accounts.models import User
    from shared.events.tests.factories import EventFactory
    from shared.groups.models import Group, MemberRole, Membership

    run = uuid.uuid4().hex[:8]
    users = User.objects.bulk_create(
        [
            User(
                keycloak_id=str(uuid.uuid4()),
                username=f"bench-{run}-{i}",
                email=f"{run}-{i}@bench.test",
            )
            for i in range(size)
        ]
    )
    event = EventFactory(organizer=users[0], title=f"Bench night {run}")
    group = Group.objects.create(
        event=event,
        name=f"Bench crew {run}",
        max_members=size,
        created_by=users[0],
        member_count=size,
    )
    Membership.objects.bulk_create(
        [
            Membership(
                group=group, user=user, role=MemberRole.OWNER if i == 0 else MemberRole.MEMBER
            )
            for i, user in enumerate(users)
        ]
    )
    return str(group.id), [
        Member(id=str(u.id), keycloak_id=u.keycloak_id, username=u.username) for u in users
    ]


# --- Measuring ---


@dataclass
class Socket:
    member: Member
    connection: Any
    # (kind, key) -> arrival time; kind "message" keyed by body, "alert" by alert id
    arrivals: dict[tuple[str, str], float] = field(default_factory=dict)
    waiters: dict[tuple[str, str], asyncio.Event] = field(default_factory=dict)

    async def read(self) -> None:
        async for raw in self.connection:
            now = time.perf_counter()
            frame = json.loads(raw)
            if frame["type"] == "message":
                message = frame["message"]
                if message["kind"] == "text":
                    self._arrived(("message", message["body"]), now)
                elif (
                    message["kind"] == "safety_alert" and message["data"].get("change") == "raised"
                ):
                    self._arrived(("alert", message["data"]["alert_id"]), now)
            elif frame["type"] == "safety_alert" and frame.get("change") == "raised":
                self._arrived(("alert frame", frame["alert_id"]), now)

    def _arrived(self, key: tuple[str, str], now: float) -> None:
        self.arrivals.setdefault(key, now)
        self.waiters.setdefault(key, asyncio.Event()).set()

    async def wait(self, key: tuple[str, str], timeout: float = 10) -> float:
        await asyncio.wait_for(self.waiters.setdefault(key, asyncio.Event()).wait(), timeout)
        return self.arrivals[key]


async def connect(ws_port: int, group_id: str, member: Member) -> Socket:
    import websockets

    connection = await websockets.connect(
        f"ws://127.0.0.1:{ws_port}/ws/groups/{group_id}/chat/",
        subprotocols=["crewup.chat.v1", f"bearer.{member.token}"],
        origin="http://127.0.0.1:8080",
        max_queue=None,
    )
    ready = json.loads(await asyncio.wait_for(connection.recv(), 10))
    assert ready["type"] == "ready", ready
    return Socket(member=member, connection=connection)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass
class Series:
    name: str
    samples: list[float] = field(default_factory=list)

    def row(self) -> list[str]:
        s = self.samples
        return [
            self.name,
            str(len(s)),
            f"{statistics.median(s) * 1000:.1f}",
            f"{percentile(s, 0.95) * 1000:.1f}",
            f"{percentile(s, 0.99) * 1000:.1f}",
            f"{max(s) * 1000:.1f}",
        ]


async def run(
    args: argparse.Namespace, group_id: str, members: list[Member], ports: dict[str, int]
) -> dict[str, Series]:
    import httpx

    sockets = [await connect(ports["ws"], group_id, member) for member in members]
    readers = [asyncio.create_task(s.read()) for s in sockets]
    chat = Series("chat message: WS send → each member's socket")
    alert = Series("safety alert: POST → in each member's stream (`message` frame)")
    alert_frame = Series("safety alert: POST → `safety_alert` frame at each member")
    post = Series("POST /api/v1/safety/alerts/ answered (201)")
    errors = 0
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{ports['safety']}", timeout=10
    ) as http:
        for round_number in range(args.rounds + WARM_UP_ROUNDS):
            warm = round_number >= WARM_UP_ROUNDS
            sender = sockets[round_number % len(sockets)]
            # chat: one member's message to everyone
            body = f"bench {uuid.uuid4().hex}"
            started = time.perf_counter()
            await sender.connection.send(json.dumps({"type": "message", "body": body}))
            arrivals = await asyncio.gather(*(s.wait(("message", body)) for s in sockets))
            if warm:
                chat.samples += [arrived - started for arrived in arrivals]
            await asyncio.sleep(args.pause)
            # alert: one member's alert to the crew
            started = time.perf_counter()
            response = await http.post(
                "/api/v1/safety/alerts/",
                json={
                    "group_ids": [group_id],
                    "alert_type": "help",
                    "message": "bench",
                    "location": {"lat": 65.58, "lng": 22.15},
                },
                headers={"Authorization": f"Bearer {sender.member.token}"},
            )
            answered = time.perf_counter()
            if response.status_code != 201:
                errors += 1
                print(
                    f"alert answered {response.status_code}: {response.text[:200]}", file=sys.stderr
                )
                continue
            alert_id = response.json()["id"]
            arrivals = await asyncio.gather(*(s.wait(("alert", alert_id)) for s in sockets))
            frames = await asyncio.gather(*(s.wait(("alert frame", alert_id)) for s in sockets))
            if warm:
                alert.samples += [arrived - started for arrived in arrivals]
                alert_frame.samples += [arrived - started for arrived in frames]
                post.samples.append(answered - started)
            await asyncio.sleep(args.pause)
    for reader in readers:
        reader.cancel()
    for s in sockets:
        await s.connection.close()
    if errors:
        print(f"{errors} alerts failed", file=sys.stderr)
    return {"chat": chat, "alert": alert, "alert_frame": alert_frame, "post": post}


def print_table(title: str, headers: list[str], rows: list[list[str]]) -> None:
    print(f"\n## {title}\n")
    print("| " + " | ".join(headers) + " |")
    print("|" + "|".join("---" if i == 0 else "---:" for i in range(len(headers))) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--rounds", type=int, default=120, help="measured alerts (and chat messages)"
    )
    parser.add_argument("--members", type=int, default=50, help="crew size, all connected (<= 50)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per HTTP service")
    parser.add_argument("--pause", type=float, default=0.05, help="seconds between sends")
    args = parser.parse_args()

    from shared.testing.oidc import OIDCTestProvider

    provider = OIDCTestProvider().start()
    provider.register_client(SERVICE_CLIENT_ID, SERVICE_CLIENT_SECRET)
    env = service_env(provider.issuer)
    os.environ.update({**env, "DJANGO_SETTINGS_MODULE": "safety_service.settings"})
    prepare_database(env)
    import django

    django.setup()
    group_id, members = new_crew(args.members)
    for member in members:
        member.token = provider.make_token(
            sub=member.keycloak_id, username=member.username, expires_in=3600
        )

    with (
        gunicorn("event", env, args.workers) as event,
        gunicorn("group", env, args.workers) as group,
        daphne(env) as group_ws,
        gunicorn(
            "safety",
            {
                **env,
                "EVENT_SERVICE_URL": event.url,
                "GROUP_SERVICE_URL": group.url,
                "SERVICE_CLIENT_ID": SERVICE_CLIENT_ID,
                "SERVICE_CLIENT_SECRET": SERVICE_CLIENT_SECRET,
                "SAFETY_ALERT_RATE_LIMIT": "1000000",
            },
            args.workers,
        ) as safety,
    ):
        processes = [event, group, group_ws, safety]
        cpu_before = {p.name: p.cpu_seconds() for p in processes}
        busy_before, total_before = machine_cpu()
        load_before = os.getloadavg()[0]
        started = time.monotonic()
        series = asyncio.run(
            run(args, group_id, members, {"ws": group_ws.port, "safety": safety.port})
        )
        elapsed = time.monotonic() - started
        busy_after, total_after = machine_cpu()
        cpu = {p.name: p.cpu_seconds() - cpu_before[p.name] for p in processes}
    provider.stop()

    headers = ["latency to 50 members", "samples", "p50 ms", "p95 ms", "p99 ms", "max ms"]
    print_table(
        f"Safety alert vs chat message, {args.members} members connected, {args.rounds} rounds each",
        headers,
        [series[name].row() for name in ("chat", "alert", "alert_frame", "post")],
    )
    alert_p95 = percentile(series["alert"].samples, 0.95)
    chat_p95 = percentile(series["chat"].samples, 0.95)
    verdict = "ok" if alert_p95 <= TARGET_P95 else "ABOVE TARGET"
    print(
        f"\nalert p95 {alert_p95 * 1000:.1f} ms (target <= {TARGET_P95 * 1000:.0f} ms: {verdict}); "
        f"{alert_p95 / chat_p95:.2f}x the chat message p95 of the same run"
    )
    cores = os.cpu_count() or 1
    busy = (busy_after - busy_before) / max(1e-9, (total_after - total_before))
    print(
        f"machine: {cores} cores, {busy * 100:.0f}% busy during the run (all processes), "
        f"load average {load_before:.1f} at start; run {elapsed:.1f} s; CPU s: "
        + ", ".join(f"{name} {seconds:.1f}" for name, seconds in cpu.items())
    )


if __name__ == "__main__":
    main()
