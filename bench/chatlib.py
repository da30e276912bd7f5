"""What the chat benchmark and the chat soak share.

- The stack: a real OIDC key server (`OIDCTestProvider`), the bench database
  (`crewup_chatbench`, created and migrated when missing), daphne processes of the group
  service or of the bare broadcast, the bench users and their crews.
- `ChatClient`: one member's socket (the `websockets` library), recording what it receives.
- Markdown tables and percentiles.

Every message body the bench sends is `"<tag> <index> <send time>"`, the send time from this
process's `perf_counter` (every client lives in this process), so each receipt gives a latency.
Everything runs on loopback, with bounded durations.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import websockets

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
GROUP_SERVICE = ROOT / "group_service"
RUN_DIR = ROOT / ".run"
DATABASE_URL = os.environ.get(
    "CHATBENCH_DATABASE_URL", "postgis://postgres@127.0.0.1:5432/crewup_chatbench"
)
ORIGIN = "http://127.0.0.1:8080"
SUBPROTOCOL = "crewup.chat.v1"
HISTORY_PAGE = 100  # the most messages one `sync` answers with (shared.chat.selectors)


##### Environment, database, processes


def read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, value = line.split("=", 1)
                values[key] = value
    return values


def service_env(**overrides: str) -> dict[str, str]:
    """The bench processes' environment: .env.example, then .env, then the real environment.

    Production mode (DEBUG records every query), no TLS redirect on loopback, the bench
    database, and the caller's overrides (issuer, channel layer, rate limit).
    """
    return {
        **read_env_file(ROOT / ".env.example"),
        **read_env_file(ROOT / ".env"),
        **os.environ,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_READ_DOT_ENV_FILE": "false",
        "DJANGO_SETTINGS_MODULE": "group_service.settings",
        "DATABASE_URL": DATABASE_URL,
        "LOG_LEVEL": "WARNING",
        **overrides,
    }


def prepare_database(env: dict[str, str]) -> None:
    """Create the bench database when missing and migrate it (a no-op when up to date)."""
    import psycopg

    url = urlsplit(DATABASE_URL)
    name = url.path.lstrip("/")
    admin = f"postgresql://{url.netloc}/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(
        [sys.executable, str(ROOT / "moderation_service" / "manage.py"), "migrate", "--verbosity", "0"],
        env={**env, "DJANGO_SETTINGS_MODULE": "moderation_service.settings"},
        check=True,
    )  # fmt: skip


def setup_django(env: dict[str, str]) -> None:
    """Use the group service's settings in this process, for seeding and for reading the truth."""
    os.environ.update(env)
    import django

    django.setup()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    """A daphne process on loopback."""

    name: str
    port: int
    pid: int

    def ws_url(self, path: str) -> str:
        return f"ws://127.0.0.1:{self.port}{path}"

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def metrics(self) -> dict[str, float]:
        """This process's Prometheus samples, summed by name (the group service only)."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=10) as r:
            text = r.read().decode()
        totals: dict[str, float] = defaultdict(float)
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name_labels, value = line.rsplit(" ", 1)
                totals[name_labels.split("{", 1)[0]] += float(value)
        return totals


@contextlib.contextmanager
def daphne(name: str, app: str, *, cwd: Path, env: dict[str, str]) -> Iterator[Server]:
    """Serve the ASGI `app` with daphne (the same settings for every app) for the block."""
    RUN_DIR.mkdir(exist_ok=True)
    port = free_port()
    log = open(RUN_DIR / f"chatbench-{name}.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-v", "0", "-b", "127.0.0.1", "-p", str(port), app],
        cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"daphne {name} did not start; see {log.name}")
            time.sleep(0.1)
        (RUN_DIR / f"chatbench-{name}.pid").write_text(str(process.pid))  # for a profiler
        yield Server(name, port, process.pid)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


##### The crew and its members (Django ORM, outside any event loop)


@dataclass(frozen=True)
class Member:
    keycloak_id: str
    username: str


def bench_members(count: int) -> list[Member]:
    """`count` users, made once and kept, whose profile matches the tokens minted for them."""
    from shared.accounts.models import User

    members = [Member(f"chatbench-{n:03d}", f"chatbench{n:03d}") for n in range(count)]
    for member in members:
        User.objects.get_or_create(
            keycloak_id=member.keycloak_id,
            defaults={
                "username": member.username,
                "email": f"{member.username}@example.test",
                "first_name": member.username.capitalize(),
                "last_name": "Tester",
            },
        )
    return members


def new_crew(members: list[Member]) -> str:
    """A fresh crew (on a fresh event) with every member in it; the first one owns it."""
    from shared.accounts.models import User
    from shared.events.tests.factories import EventFactory
    from shared.groups.models import Group, MemberRole, Membership
    from shared.groups.tests.factories import GroupFactory

    users = {
        u.keycloak_id: u
        for u in User.objects.filter(keycloak_id__in=[m.keycloak_id for m in members])
    }
    owner = users[members[0].keycloak_id]
    crew = GroupFactory(
        event=EventFactory(organizer=owner), created_by=owner, max_members=len(members)
    )
    Membership.objects.bulk_create(
        Membership(group=crew, user=users[m.keycloak_id], role=MemberRole.MEMBER)
        for m in members[1:]
    )
    Group.objects.filter(id=crew.id).update(member_count=len(members))
    return str(crew.id)


def stored_view(group_id: str) -> dict[int, str]:
    """The crew's history in PostgreSQL: sequence → body."""
    from shared.chat.models import Message

    return dict(Message.objects.filter(group_id=group_id).values_list("sequence", "body"))


##### A member's socket


class ChatClient:
    """One member's socket. Records every message by sequence (the app) and by body tag."""

    def __init__(
        self,
        name: str,
        token: Callable[[], str],
        *,
        expect_ready: bool = True,
        auto_reconnect: bool = False,
    ) -> None:
        self.name = name
        self.token = token
        self.expect_ready = expect_ready
        self.auto_reconnect = auto_reconnect  # as a real client does when the server closes
        self.url = ""
        self.closing = False
        self.ws: Any = None
        self.reader: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()
        self.ready_last_sequence = 0
        self.pong: asyncio.Future[None] | None = None
        self.view: dict[int, str] = {}  # sequence → body, live or filled
        self.contiguous = 0  # every sequence up to this one is in `view`
        self.seen: dict[str, set[int]] = defaultdict(set)  # tag → indexes received live
        self.latencies: dict[str, list[float]] = defaultdict(list)  # tag → seconds, live
        self.sent: Counter[str] = Counter()
        self.acked: dict[str, set[int]] = defaultdict(set)
        self.sent_at: dict[str, float] = {}  # client_id → send time, until acknowledged
        self.ack_latencies: dict[str, list[float]] = defaultdict(list)  # tag → seconds
        self.errors: Counter[str] = Counter()
        self.server_closes: Counter[int | None] = Counter()  # close code → sockets it closed
        self.send_failures = 0  # a send on a socket already closed
        self.reconnects = 0
        self.backfilled = 0  # sent on reconnect for `?after=` (up to the `ready` number)
        self.sync_filled = 0  # new to this client in an answer to its own `sync`
        self.syncing = False
        self.sync_answer = 0

    @property
    def connected(self) -> bool:
        return self.reader is not None and not self.reader.done()

    async def connect(self, url: str, *, after: int | None = None) -> None:
        self.url, self.closing = url, False
        if after is not None:
            url += f"?after={after}"
        self.ws = await websockets.connect(
            url,
            subprotocols=[SUBPROTOCOL, f"bearer.{self.token()}"],
            origin=ORIGIN,
            compression=None,
            max_size=2**20,
            open_timeout=15,
        )
        self.ready.clear()
        self.reader = asyncio.create_task(self.read())
        if self.expect_ready:
            await asyncio.wait_for(self.ready.wait(), 15)

    async def reconnect(self) -> None:
        """Connect again, asking for what came after the last message seen in order."""
        self.reconnects += 1
        await self.connect(self.url, after=self.contiguous if self.expect_ready else None)

    async def close(self) -> None:
        self.closing = True
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            with contextlib.suppress(Exception):
                await self.reader

    async def send_message(self, tag: str, index: int) -> None:
        client_id, now = f"{tag} {index}", time.perf_counter()
        self.sent_at[client_id] = now
        body = f"{client_id} {now:.6f}"
        try:
            await self.ws.send(
                json.dumps({"type": "message", "body": body, "client_id": client_id})
            )
        except websockets.ConnectionClosed:
            self.send_failures += 1
            return
        self.sent[tag] += 1

    async def read(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for text in self.ws:
                self.on_frame(json.loads(text), time.perf_counter())
        if self.pong is not None and not self.pong.done():
            self.pong.set_exception(ConnectionError("the socket closed"))
        if not self.closing:
            self.server_closes[self.ws.close_code] += 1
            if self.auto_reconnect:
                await asyncio.sleep(0.2)
                await self.reconnect()  # a new reader takes over

    def on_frame(self, frame: dict[str, Any], now: float) -> None:
        kind = frame.get("type")
        if kind == "message":
            self.on_message(frame.get("message") or frame, now)
        elif kind == "ack":
            client_id = str(frame.get("client_id"))
            tag, _, index = client_id.partition(" ")
            self.acked[tag].add(int(index))
            if client_id in self.sent_at:
                self.ack_latencies[tag].append(now - self.sent_at.pop(client_id))
        elif kind == "ready":
            self.ready_last_sequence = frame["last_sequence"]
            self.ready.set()
        elif kind == "pong":
            if self.pong is not None and not self.pong.done():
                self.pong.set_result(None)
        elif kind == "error":
            self.errors[frame.get("code", "?")] += 1

    def on_message(self, message: dict[str, Any], now: float) -> None:
        body = message.get("body", "")
        sequence = message.get("sequence")
        if self.syncing:
            self.sync_answer += 1
        if sequence is not None:
            if sequence in self.view:
                return
            self.view[sequence] = body
            while self.contiguous + 1 in self.view:
                self.contiguous += 1
            if self.syncing:
                self.sync_filled += 1
                return
            if sequence <= self.ready_last_sequence:
                self.backfilled += 1
                return
        tag, index, sent_at = parse_body(body)
        if tag is None or index in self.seen[tag]:
            return
        self.seen[tag].add(index)
        self.latencies[tag].append(now - sent_at)

    async def sync_from(self, after: int) -> int:
        """Ask for the messages after `after`; return how many the answer held.

        The consumer handles a socket's frames one at a time, so the `pong` to a `ping` sent
        right after the `sync` comes after the whole answer.
        """
        self.syncing, self.sync_answer = True, 0
        self.pong = asyncio.get_running_loop().create_future()
        await self.ws.send(json.dumps({"type": "sync", "after": after}))
        await self.ws.send(json.dumps({"type": "ping"}))
        try:
            await asyncio.wait_for(self.pong, 30)
        finally:
            self.syncing = False
        return self.sync_answer

    async def wait_connected(self, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while not (self.connected and self.ready.is_set()):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} did not reconnect")
            await asyncio.sleep(0.05)

    async def catch_up(self) -> None:
        """Fill every hole in this client's view from history, page by page, to the end."""
        for _ in range(5):
            await self.wait_connected()
            try:
                while await self.sync_from(self.contiguous) >= HISTORY_PAGE:
                    pass
                return
            except (ConnectionError, websockets.ConnectionClosed):
                continue  # the server closed the socket meanwhile: sync again once reconnected
        raise RuntimeError(f"{self.name} could not catch up")


def parse_body(body: str) -> tuple[str | None, int, float]:
    parts = body.split(" ")
    if len(parts) != 3:
        return None, 0, 0.0
    try:
        return parts[0], int(parts[1]), float(parts[2])
    except ValueError:
        return None, 0, 0.0


##### Figures


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of `values`; NaN when there are none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def ms(seconds: float) -> str:
    return "-" if seconds != seconds else f"{seconds * 1000:.1f}"  # NaN is not equal to itself


def print_table(title: str, headers: list[str], rows: list[list[Any]]) -> None:
    print(f"\n## {title}\n")
    print("| " + " | ".join(headers) + " |")
    print("|" + "|".join("---" if i == 0 else "---:" for i in range(len(headers))) + "|")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")
    sys.stdout.flush()
