"""The whole system under the first CrewUp's scenario mix, at 100, 300 and 500 users.

Runs against the system that `make up` started (through the ingress, as the web app does) with
locust as a library, in this one process. The mix is that of the first CrewUp's k6 scenario
(`load-testing/full-scenario-test.js`), with its think times of 1-5 s between steps:

| share | persona        | one visit |
|------:|----------------|-----------|
| 40 %  | casual browser | the app's page, events near me, an event, its crews |
| 35 %  | active user    | my profile, events near me, an event, RSVP, my crews |
| 15 %  | chat user      | my crews, the crew, its history, a message over the crew's socket |
|  5 %  | crew creator   | events near me, a new crew, the crew |
|  3 %  | safety alert   | my alerts, raise one to my crew, follow it, cancel it |
|  2 %  | event creator  | a new event, the event, cancel it |

The load users (`load-0001` ...) come from the identity provider
(`dev/identity/manage.py seed_load_users`); each signs in once with the password grant and
refreshes its token as the app does. Their tokens are kept in `.run/bench/load-tokens.json`,
so a second run within half an hour signs nobody in again (a password check costs the
provider about 0.7 s of CPU). Every ten users share a crew, made before the first step.

Per step it prints req/s, p50/p95/p99 overall and per endpoint, errors, and the CPU seconds of
each part of the system read from /proc, with the service CPU per API request and how busy the
whole machine was. Each step (and the ceiling) starts once the machine is quiet: what the step
before set off (notices, e-mails, vacuum) has ended. The figures of a run are also written to
`.run/bench/load_mix-<time>.json`.

After the steps it measures the ceiling of the stack on this machine, in the same run: what a
request of the mix costs the whole machine (every part, the load generator included) at the
first step, what the cheapest authenticated request costs (`GET /users/me/`, one at a time)
and a request that does nothing (`/healthz`, straight to the user service's gunicorn), and so
how many requests a second the cores could serve at most, against what the largest step asks
for.

Usage: `uv run python bench/load_mix.py [--steps 100,300,500] [--seconds 60] [--warmup 20]`
"""

from __future__ import annotations

# locust patches the standard library for gevent when it is imported: it comes first.
from locust import FastHttpUser, between, events, task  # isort: skip

import argparse
import itertools
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import gevent
import gevent.lock
import gevent.pool
import psycopg
import requests
from lib import load_dotenv, machine_cpu
from locust.env import Environment
from websockets.sync.client import connect as ws_connect

ROOT = Path(__file__).resolve().parent.parent
RUN_DIR = ROOT / ".run"
OUT_DIR = RUN_DIR / "bench"
# The pid files of the system under load (`scripts/run.sh` writes them): another checkout's, to
# measure the system it started (an older commit, for a before-and-after on the same machine).
PIDS_DIR = Path(os.environ.get("LOAD_PIDS_DIR", RUN_DIR / "pids"))
INGRESS = os.environ.get("LOAD_INGRESS", "http://127.0.0.1:8080")
# The user service itself (`scripts/services.sh`), for the ceiling's request that does nothing.
USER_SERVICE = os.environ.get("LOAD_USER_SERVICE", "http://127.0.0.1:8003")
ISSUER = os.environ.get("LOAD_ISSUER", "http://127.0.0.1:8090/realms/crewup")
TOKEN_URL = f"{ISSUER}/protocol/openid-connect/token"
CREW_SIZE = 10
THINK = (1.0, 5.0)
# Where the demo events are: the app's "near me" is asked around here.
NEAR_ME = {"lat": 65.5848, "lng": 22.1547, "radius_km": 25}
# What the visits create: `clear_leftovers` finds what earlier runs left by these names.
EVENT_TITLE = "Load test meetup"
CREW_NAME = "Pop-up crew"
# The safety service lets one person raise 5 alerts a minute: a safety user keeps under it.
ALERT_EVERY_SECONDS = 13.0

# The processes of each part, by the pid files under .run/pids: each names a process group (one
# program of supervisord's, `scripts/supervise.sh`; a session of its own before supervision, whose
# group has the same id).
SERVICES = ("event", "group", "user", "safety", "moderation")
SERVICE_PARTS = (*SERVICES, "group-ws", "workers")
OTHER_PARTS = (
    "ingress",
    "identity",
    "mail catcher",
    "postgres",
    "redis",
    "rabbitmq",
    "load generator",
)


##### The load users and their tokens


@dataclass
class LoadUser:
    username: str
    password: str
    sub: str
    access_token: str = ""
    refresh_token: str = ""
    expires_at: float = 0.0
    refresh_expires_at: float = 0.0
    crew_id: str = ""
    # One refresh at a time: a refresh token is good for one use, and a second refresh racing
    # the first would be refused and fall back to a password check (0.7 s of the provider's CPU).
    signing_in: gevent.lock.Semaphore = field(default_factory=gevent.lock.Semaphore, repr=False)

    def token(self, *, valid_for: float = 60.0) -> str:
        """An access token valid `valid_for` seconds more: refreshed, as the app does, when it
        has less than a minute left."""
        if time.time() > self.expires_at - valid_for:
            with self.signing_in:
                if time.time() > self.expires_at - valid_for:
                    self.sign_in()
        return self.access_token

    def sign_in(self) -> None:
        if self.refresh_token and time.time() < self.refresh_expires_at - 60:
            grant = {"grant_type": "refresh_token", "refresh_token": self.refresh_token}
        else:
            grant = {"grant_type": "password", "username": self.username, "password": self.password}
        response = requests.post(TOKEN_URL, data={**grant, "client_id": "crewup-cli"}, timeout=60)
        if response.status_code == 400 and grant["grant_type"] == "refresh_token":
            self.refresh_token = ""  # revoked or expired early: sign in again
            self.sign_in()
            return
        response.raise_for_status()
        body = response.json()
        now = time.time()
        self.access_token = body["access_token"]
        self.refresh_token = body.get("refresh_token", "")
        self.expires_at = now + body["expires_in"]
        self.refresh_expires_at = now + body.get("refresh_expires_in", 1800)

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token()}"}


TOKENS_FILE = OUT_DIR / "load-tokens.json"


def load_users(count: int) -> list[LoadUser]:
    """The first `count` load users, created if missing, each with a valid token."""
    made = subprocess.run(
        [sys.executable, "dev/identity/manage.py", "seed_load_users", "--count", str(count)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "DJANGO_READ_DOT_ENV_FILE": "true",
            "DJANGO_DOT_ENV_FILE": str(ROOT / ".env"),
        },
    )
    kept = json.loads(TOKENS_FILE.read_text()) if TOKENS_FILE.exists() else {}
    users = []
    for row in json.loads(made.stdout):
        user = LoadUser(**row)
        saved = kept.get(user.username, {})
        if saved.get("sub") == user.sub:
            user.refresh_token = saved["refresh_token"]
            user.refresh_expires_at = saved["refresh_expires_at"]
        users.append(user)
    started = time.time()
    print(f"Signing in {count} load users (the identity provider checks each password once) ...")
    gevent.pool.Pool(4).map(lambda user: user.token(), users)
    print(f"  ... {time.time() - started:.0f} s")
    save_tokens(users)
    return users


def save_tokens(users: list[LoadUser]) -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    kept = json.loads(TOKENS_FILE.read_text()) if TOKENS_FILE.exists() else {}
    for user in users:
        kept[user.username] = {
            "sub": user.sub,
            "refresh_token": user.refresh_token,
            "refresh_expires_at": user.refresh_expires_at,
        }
    TOKENS_FILE.write_text(json.dumps(kept))


##### The world the load acts in: events, and a crew for every ten users


@dataclass
class World:
    users: list[LoadUser]
    event_ids: list[str]
    assets: list[str] = field(default_factory=list)
    next_user: Iterator[LoadUser] = field(init=False)

    def __post_init__(self) -> None:
        self.next_user = itertools.cycle(self.users)


def api(method: str, path: str, user: LoadUser, **kwargs: Any) -> requests.Response:
    response = requests.request(
        method, f"{INGRESS}/api/v1/{path}", headers=user.headers(), timeout=60, **kwargs
    )
    if response.status_code >= 400:
        raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:300]}")
    return response


def my_crew_named(user: LoadUser, name: str) -> dict[str, Any] | None:
    """The user's crew called `name` (crew creators make many others: every page is read)."""
    for page in itertools.count(1):
        params = {"mine": "true", "page_size": 100, "page": page}
        listing = api("GET", "groups/", user, params=params).json()
        found = next((crew for crew in listing["results"] if crew["name"] == name), None)
        if found is not None or listing["next"] is None:
            return found
    return None


def clear_leftovers(users: list[LoadUser], pool: gevent.pool.Pool) -> None:
    """Cancel the events and leave the crews that visits of earlier runs made and left behind.

    A run stops visits halfway, so some of their events and pop-up crews stay; without this,
    every run would search more events and list more crews than the one before it.
    """
    by_name = {user.username: user for user in users}
    leftovers = []
    url = "events/"
    params: dict[str, Any] | None = {"q": EVENT_TITLE, "page_size": 100}
    while url:
        page = api("GET", url, users[0], params=params).json()
        leftovers += [
            event
            for event in page["results"]
            if event["title"] == EVENT_TITLE and event["organizer"]["username"] in by_name
        ]
        url, params = (page["next"] or "").partition("/api/v1/")[2], None
    pool.map(
        lambda event: api(
            "DELETE", f"events/{event['id']}/", by_name[event["organizer"]["username"]]
        ),
        leftovers,
    )

    def leave_popups(user: LoadUser) -> None:
        mine = api("GET", "groups/", user, params={"mine": "true", "page_size": 100}).json()
        for crew in mine["results"]:
            if crew["name"] == CREW_NAME:
                api("POST", f"groups/{crew['id']}/leave/", user)

    pool.map(leave_popups, users)


def prepare_world(users: list[LoadUser]) -> World:
    """Profiles for every user, the open events, and one crew per ten users (kept between runs)."""
    print("Preparing profiles, events and crews ...")
    pool = gevent.pool.Pool(8)
    pool.map(lambda user: api("GET", "users/me/", user), users)
    clear_leftovers(users, pool)
    listing = api("GET", "events/", users[0], params={"page_size": 100}).json()["results"]
    event_ids = [event["id"] for event in listing if event["status"] == "scheduled"]
    if not event_ids:
        raise SystemExit("No scheduled events: seed the demo (`make up` does).")

    def crew_for(block: list[LoadUser], index: int) -> None:
        owner = block[0]
        name = f"Load crew {index:03d}"
        crew = my_crew_named(owner, name)
        if crew is None:
            crew = api(
                "POST",
                "groups/",
                owner,
                json={
                    "event_id": event_ids[index % len(event_ids)],
                    "name": name,
                    "max_members": 50,
                    "join_policy": "open",
                },
            ).json()
        for member in block:
            if member is not owner:
                api("POST", f"groups/{crew['id']}/join/", member)
            member.crew_id = crew["id"]
        owner.crew_id = crew["id"]

    blocks = [users[start : start + CREW_SIZE] for start in range(0, len(users), CREW_SIZE)]
    pool.map(lambda pair: crew_for(*pair), [(block, i) for i, block in enumerate(blocks)])
    index = requests.get(f"{INGRESS}/", timeout=30).text
    assets = sorted(
        {part.split('"')[0] for part in index.split('src="/')[1:] + index.split('href="/')[1:]}
    )
    world = World(
        users=users,
        event_ids=event_ids,
        assets=[f"/{a}" for a in assets if a.startswith("assets/")],
    )
    print(f"  ... {len(users)} users in {len(blocks)} crews, {len(event_ids)} events")
    return world


WORLD: World | None = None


##### The personas


class Visitor(FastHttpUser):
    """One person with the app open: a load user of their own, think times between steps."""

    abstract = True
    host = INGRESS
    wait_time = between(*THINK)

    def on_start(self) -> None:
        assert WORLD is not None
        self.me = next(WORLD.next_user)
        # The first visit loads the app and its assets; later visits find them cached.
        self.client.get("/", name="page /")
        for asset in WORLD.assets:
            self.client.get(asset, name="page /assets/*")

    def think(self) -> None:
        gevent.sleep(random.uniform(*THINK))

    def call(
        self, method: str, path: str, name: str, *, ok: tuple[int, ...] = (), **kwargs: Any
    ) -> Any:
        """An API call; an answer in `ok` (a 409 the app handles) is not an error."""
        headers = {"Authorization": f"Bearer {self.me.token()}"}
        with self.client.request(
            method,
            f"/api/v1/{path}",
            name=f"{method} {name}",
            headers=headers,
            catch_response=True,
            **kwargs,
        ) as response:
            if response.status_code < 400 or response.status_code in ok:
                response.success()
            else:
                response.failure(f"{response.status_code} {(response.text or '')[:120]}")
            return response

    def near_me(self) -> list[dict[str, Any]]:
        response = self.call(
            "GET", "events/", "/events/?lat&lng&radius_km", params={**NEAR_ME, "page_size": 100}
        )
        return response.json()["results"] if response.status_code == 200 else []

    def some_event(self, listing: list[dict[str, Any]]) -> str:
        assert WORLD is not None
        return random.choice(listing)["id"] if listing else random.choice(WORLD.event_ids)


class CasualBrowser(Visitor):
    weight = 40

    @task
    def visit(self) -> None:
        self.client.get("/", name="page /")
        listing = self.near_me()
        self.think()
        event_id = self.some_event(listing)
        self.call("GET", f"events/{event_id}/", "/events/{id}/")
        self.think()
        self.call("GET", "groups/", "/groups/?event_id", params={"event_id": event_id})


class ActiveUser(Visitor):
    weight = 35

    @task
    def visit(self) -> None:
        self.call("GET", "users/me/", "/users/me/")
        listing = self.near_me()
        self.think()
        event_id = self.some_event(listing)
        self.call("GET", f"events/{event_id}/", "/events/{id}/")
        self.think()
        status = random.choice(["going", "interested"])
        answer = self.call(
            "POST",
            f"events/{event_id}/join/",
            "/events/{id}/join/",
            ok=(409,),
            json={"status": status},
        )
        if answer.status_code == 409 and "event_full" in (answer.text or ""):
            # The API asks for a place on the waitlist instead, and so does the app.
            self.call(
                "POST",
                f"events/{event_id}/join/",
                "/events/{id}/join/",
                json={"status": "waitlisted"},
            )
        self.think()
        self.call("GET", "groups/", "/groups/?mine=true", params={"mine": "true"})


class ChatUser(Visitor):
    weight = 15

    @task
    def visit(self) -> None:
        self.call("GET", "groups/", "/groups/?mine=true", params={"mine": "true"})
        crew = self.me.crew_id
        self.call("GET", f"groups/{crew}/", "/groups/{id}/")
        self.call("GET", f"groups/{crew}/messages/", "/groups/{id}/messages/")
        self.think()
        self.chat(crew)

    def chat(self, crew: str) -> None:
        """Open the crew's socket, send a message and wait for it to come back; a request each."""
        url = INGRESS.replace("http", "ws", 1) + f"/ws/groups/{crew}/chat/"
        client_id = f"load-{random.getrandbits(48):x}"
        started = time.perf_counter()
        error: Exception | None = None
        try:
            with ws_connect(
                url,
                subprotocols=["crewup.chat.v1", f"bearer.{self.me.token()}"],
                origin=INGRESS,
                open_timeout=15,
                compression=None,
            ) as socket:
                socket.send(
                    json.dumps({"type": "message", "body": "On my way!", "client_id": client_id})
                )
                deadline = time.monotonic() + 15
                while time.monotonic() < deadline:
                    frame = json.loads(socket.recv(timeout=max(0.1, deadline - time.monotonic())))
                    if frame.get("type") == "error":
                        raise RuntimeError(f"error frame: {frame}")
                    message = frame.get("message") or frame
                    if message.get("client_id") == client_id:
                        break
                else:
                    raise TimeoutError("own message not echoed")
        except Exception as caught:  # the socket's failure is the request's
            error = caught
        events.request.fire(
            request_type="WS",
            name="/ws/groups/{id}/chat/ send→echo",
            response_time=(time.perf_counter() - started) * 1000,
            response_length=0,
            exception=error,
            context={},
        )


class CrewCreator(Visitor):
    weight = 5

    @task
    def visit(self) -> None:
        assert WORLD is not None
        self.near_me()
        self.think()
        # One of the demo's events: an event creator may cancel theirs meanwhile.
        event_id = random.choice(WORLD.event_ids)
        crew = self.call(
            "POST",
            "groups/",
            "/groups/",
            json={
                "event_id": event_id,
                "name": CREW_NAME,
                "max_members": 8,
                "join_policy": "open",
            },
        )
        if crew.status_code == 201:
            self.think()
            self.call("GET", f"groups/{crew.json()['id']}/", "/groups/{id}/")


class SafetyUser(Visitor):
    weight = 3
    last_raised = 0.0

    @task
    def visit(self) -> None:
        self.call("GET", "safety/alerts/mine/", "/safety/alerts/mine/")
        self.think()
        gevent.sleep(max(0.0, self.last_raised + ALERT_EVERY_SECONDS - time.monotonic()))
        self.last_raised = time.monotonic()
        lat, lng = (
            NEAR_ME["lat"] + random.uniform(-0.01, 0.01),
            NEAR_ME["lng"] + random.uniform(-0.01, 0.01),
        )
        raised = self.call(
            "POST",
            "safety/alerts/",
            "/safety/alerts/",
            json={
                "alert_type": "help",
                "group_ids": [self.me.crew_id],
                "location": {"lat": lat, "lng": lng},
            },
        )
        if raised.status_code != 201:
            return
        alert_id = raised.json()["id"]
        self.call("GET", f"safety/alerts/{alert_id}/", "/safety/alerts/{id}/")
        self.think()
        self.call("POST", f"safety/alerts/{alert_id}/cancel/", "/safety/alerts/{id}/cancel/")


class EventCreator(Visitor):
    weight = 2

    @task
    def visit(self) -> None:
        starts = datetime.now(UTC) + timedelta(
            days=random.randint(1, 20), hours=random.randint(0, 12)
        )
        created = self.call(
            "POST",
            "events/",
            "/events/",
            json={
                "title": EVENT_TITLE,
                "event_type": random.choice(["bar", "concert", "outdoor"]),
                "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(hours=3)).isoformat(),
                "location": {
                    "lat": NEAR_ME["lat"] + random.uniform(-0.05, 0.05),
                    "lng": NEAR_ME["lng"] + random.uniform(-0.05, 0.05),
                },
                "capacity": 30,
            },
        )
        if created.status_code != 201:
            return
        event_id = created.json()["id"]
        self.think()
        self.call("GET", f"events/{event_id}/", "/events/{id}/")
        self.think()
        self.call("DELETE", f"events/{event_id}/", "/events/{id}/")


PERSONAS = [CasualBrowser, ActiveUser, ChatUser, CrewCreator, SafetyUser, EventCreator]


##### CPU of each part, from /proc


def _stat(pid: int) -> tuple[int, str, float] | None:
    """(process group id, command, CPU seconds incl. reaped children) of one process."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    command = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    # Fields from the state on: state ppid pgrp session ... utime(11) stime(12) cutime(13) cstime(14).
    ticks = sum(int(value) for value in fields[11:15])
    return int(fields[2]), command, ticks / os.sysconf("SC_CLK_TCK")


def _part_of_group() -> dict[int, str]:
    parts: dict[int, str] = {}
    for pid_file in PIDS_DIR.glob("*.pid"):
        name = pid_file.stem
        part = "workers" if name.endswith(("-worker", "-beat")) else name
        part = {"mail": "mail catcher"}.get(part, part)  # a dev tool: an SMTP relay in production
        try:
            parts[int(pid_file.read_text())] = part
        except ValueError:
            continue
    return parts


def cpu_by_part() -> dict[str, float]:
    """CPU seconds used so far by each part of the system (and by this load generator)."""
    groups = _part_of_group()
    totals: dict[str, float] = {}
    own = os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        stat = _stat(int(entry.name))
        if stat is None:
            continue
        group, command, seconds = stat
        if int(entry.name) == own:
            part = "load generator"
        elif group in groups:
            part = groups[group]
        elif command.startswith("postgres"):
            part = "postgres"
        elif command.startswith("redis-server"):
            part = "redis"
        elif command in ("beam.smp", "epmd", "erl_child_setup", "inet_gethost"):
            part = "rabbitmq"
        else:
            continue
        totals[part] = totals.get(part, 0.0) + seconds
    return totals


QUIET_CORES = float(os.environ.get("LOAD_QUIET_CORES", "0.3"))
QUIET_WINDOW_SECONDS = 5.0
QUIET_LIMIT_SECONDS = 300.0


@dataclass
class Quiet:
    """How long a step waited for a quiet machine, and how busy it was when the wait ended."""

    waited: float
    busy_cores: float
    vacuumed: str

    @property
    def reached(self) -> bool:
        return self.busy_cores <= QUIET_CORES


def database_url() -> str:
    """The system's database (DATABASE_URL, else `.env`'s, as `make up` reads it), for psycopg."""
    return load_dotenv()["DATABASE_URL"].replace("postgis://", "postgresql://", 1)


def vacuum_database() -> str:
    """VACUUM (ANALYZE) the system's database, as autovacuum keeps a deployed one; say so.

    Each step leaves dead rows behind (every notice's delivery is inserted, then updated twice)
    and statistics of emptier tables. Where PostgreSQL runs with autovacuum off, as this
    machine's does, they piled up from run to run: the delivery claim, planned from statistics
    taken before the first run, went through 10,701 dead index entries to find 9 rows, and
    later runs measured a slower system than the first. Done before each step and the ceiling,
    outside every measured window.
    """
    started = time.monotonic()
    with psycopg.connect(database_url(), autocommit=True) as connection:
        row = connection.execute("SHOW autovacuum").fetchone()
        connection.execute("VACUUM (ANALYZE)")
    autovacuum = row[0] if row else "?"
    return f"VACUUM (ANALYZE) in {time.monotonic() - started:.1f} s (autovacuum is {autovacuum})."


def wait_until_quiet() -> Quiet:
    """Vacuum the database, then wait until the machine has used at most QUIET_CORES over
    QUIET_WINDOW_SECONDS.

    What a step set off runs on after it: the workers send its alerts' notices and e-mails.
    Measured on top of that, the next step (or the ceiling) was up to twice as slow as in a run
    without it. Gives up after QUIET_LIMIT_SECONDS (printed).
    """
    vacuumed = vacuum_database()
    started = time.monotonic()
    while True:
        before = machine_cpu()[0]
        gevent.sleep(QUIET_WINDOW_SECONDS)
        quiet = Quiet(
            waited=time.monotonic() - started,
            busy_cores=(machine_cpu()[0] - before) / QUIET_WINDOW_SECONDS,
            vacuumed=vacuumed,
        )
        if quiet.reached or quiet.waited >= QUIET_LIMIT_SECONDS:
            return quiet


def quiet_line(quiet: Quiet) -> str:
    verdict = "quiet" if quiet.reached else f"**still busy** (more than {QUIET_CORES:g} cores)"
    return (
        f"{quiet.vacuumed} Started after {quiet.waited:.0f} s of waiting for a quiet machine: "
        f"{quiet.busy_cores:.2f} cores busy, {verdict}."
    )


##### Steps and figures


@dataclass
class Endpoint:
    name: str
    requests: int
    failures: int
    p50: float
    p95: float
    p99: float


@dataclass
class Step:
    users: int
    seconds: float
    requests: int
    api_requests: int
    failures: int
    p50: float
    p95: float
    p99: float
    endpoints: list[Endpoint]
    cpu: dict[str, float]
    errors: dict[str, int]
    quiet: Quiet
    machine_busy: float  # cores of the whole machine busy over the step, every process counted

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def service_cpu(self) -> float:
        return sum(self.cpu.get(part, 0.0) for part in SERVICE_PARTS)

    @property
    def service_cpu_ms_per_api_request(self) -> float:
        return 1000 * self.service_cpu / max(1, self.api_requests)

    def endpoint(self, name: str) -> Endpoint | None:
        return next((e for e in self.endpoints if e.name == name), None)


def refresh_tokens_due(users: list[LoadUser], within: float) -> None:
    """Refresh now the tokens that would expire in the next `within` seconds.

    Users signed in together expire together: without this, a step could meet all 500 refreshes
    at once, a burst that real users, signed in at all hours, never make. Tokens are fetched
    between the steps, with the load paused, never in a measured window, as the issue's mix
    does (once per user).
    """
    gevent.pool.Pool(4).map(lambda user: user.token(valid_for=within + 60), users)
    save_tokens(users)  # a refresh token is good once: a run that stops now must not lose them


def measure(env: Environment, users: int, warmup: float, seconds: float) -> Step:
    assert env.runner is not None
    assert WORLD is not None
    spawn_rate = max(10, users / 10)
    # The load pauses while the tokens are refreshed: users still running would refresh theirs
    # meanwhile, all at once, through the provider's two processes.
    if env.runner.user_count:
        env.runner.stop()
    refresh_tokens_due(WORLD.users, within=users / spawn_rate + warmup + seconds + 60)
    quiet = wait_until_quiet()
    env.runner.start(users, spawn_rate=spawn_rate)
    while env.runner.user_count < users:
        gevent.sleep(0.5)
    gevent.sleep(warmup)
    env.stats.reset_all()
    before, busy_before, started = cpu_by_part(), machine_cpu()[0], time.monotonic()
    gevent.sleep(seconds)
    after, busy_after, elapsed = cpu_by_part(), machine_cpu()[0], time.monotonic() - started
    stats = env.stats
    entries = [
        Endpoint(
            name=f"{entry.method} {entry.name}" if entry.method == "WS" else entry.name,
            requests=entry.num_requests,
            failures=entry.num_failures,
            p50=entry.get_response_time_percentile(0.50) or 0.0,
            p95=entry.get_response_time_percentile(0.95) or 0.0,
            p99=entry.get_response_time_percentile(0.99) or 0.0,
        )
        for entry in sorted(stats.entries.values(), key=lambda e: -e.num_requests)
        if entry.num_requests
    ]
    total = stats.total
    api_requests = sum(e.requests for e in entries if not e.name.startswith(("page ", "WS ")))
    return Step(
        users=users,
        seconds=elapsed,
        requests=total.num_requests,
        api_requests=api_requests,
        failures=total.num_failures,
        p50=total.get_response_time_percentile(0.50) or 0.0,
        p95=total.get_response_time_percentile(0.95) or 0.0,
        p99=total.get_response_time_percentile(0.99) or 0.0,
        endpoints=entries,
        cpu={part: after.get(part, 0.0) - before.get(part, 0.0) for part in after},
        errors={f"{e.method} {e.name}: {e.error}": e.occurrences for e in stats.errors.values()},
        quiet=quiet,
        machine_busy=(busy_after - busy_before) / elapsed,
    )


ALERT_RAISE = "POST /safety/alerts/"
ALERTS_MINE = "GET /safety/alerts/mine/"


def print_step(step: Step) -> None:
    print(f"\n### {step.users} users ({step.seconds:.0f} s measured)\n")
    print(quiet_line(step.quiet) + "\n")
    print("| endpoint | requests | errors | p50 ms | p95 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for e in step.endpoints:
        print(
            f"| {e.name} | {e.requests} | {e.failures} | {e.p50:.0f} | {e.p95:.0f} | {e.p99:.0f} |"
        )
    print("\n| part | CPU-s | cores |")
    print("|---|---:|---:|")
    for part in (*SERVICE_PARTS, *OTHER_PARTS):
        if part in step.cpu:
            print(f"| {part} | {step.cpu[part]:.1f} | {step.cpu[part] / step.seconds:.2f} |")
    print(
        f"\nService CPU (the five services, the chat sockets and the workers): {step.service_cpu:.1f} s "
        f"for {step.api_requests} API requests = **{step.service_cpu_ms_per_api_request:.1f} ms per API request**"
    )
    print(f"\nThe whole machine was busy {step.machine_busy:.2f} cores of {os.cpu_count()}.")
    for error, count in step.errors.items():
        print(f"- error x{count}: {error}")


##### The ceiling of the stack


@dataclass
class Ceiling:
    cores: int
    mix_ms: float  # machine CPU per request of the mix at the first step (every part)
    offered_rps: float  # what the largest step asks for, at the first step's rate per user
    offered_users: int
    floor_ms: float  # machine CPU of one cheapest authenticated request
    floor_service_ms: float  # of which in the services
    bare_service_ms: float  # service CPU of a request that does nothing (`/healthz`, no ingress)
    quiet: Quiet  # measured one request at a time: only on a quiet machine

    @property
    def mix_capacity_rps(self) -> float:
        return 1000 * self.cores / self.mix_ms

    @property
    def floor_capacity_rps(self) -> float:
        return 1000 * self.cores / self.floor_ms


def total_cpu(cpu: dict[str, float]) -> float:
    return sum(cpu.values())


def cpu_per_request(url: str, headers: dict[str, str], count: int) -> dict[str, float]:
    """CPU milliseconds of each part per request, for `count` GETs of `url` one at a time."""
    session = requests.Session()
    session.get(url, headers=headers).raise_for_status()
    before = cpu_by_part()
    for _ in range(count):
        session.get(url, headers=headers).raise_for_status()
    after = cpu_by_part()
    return {part: 1000 * (after[part] - before.get(part, 0.0)) / count for part in after}


def measure_ceiling(steps: list[Step], user: LoadUser, requests_count: int = 300) -> Ceiling:
    """The figures of the ceiling: see the module's docstring."""
    first, largest = steps[0], max(steps, key=lambda step: step.users)
    quiet = wait_until_quiet()
    floor = cpu_per_request(f"{INGRESS}/api/v1/users/me/", user.headers(), requests_count)
    bare = cpu_per_request(f"{USER_SERVICE}/healthz", {}, requests_count)
    return Ceiling(
        cores=os.cpu_count() or 1,
        mix_ms=1000 * total_cpu(first.cpu) / max(1, first.requests),
        offered_rps=first.rps * largest.users / first.users,
        offered_users=largest.users,
        floor_ms=total_cpu(floor),
        floor_service_ms=sum(floor.get(part, 0.0) for part in SERVICE_PARTS),
        bare_service_ms=bare.get("user", 0.0),
        quiet=quiet,
    )


def print_ceiling(ceiling: Ceiling, first: Step) -> None:
    print("\n## The ceiling of the stack on this machine\n")
    print(quiet_line(ceiling.quiet) + "\n")
    print(
        f"- One request of the mix at {first.users} users costs the machine "
        f"**{ceiling.mix_ms:.1f} ms of CPU** (every part: services, PostgreSQL, the ingress, "
        f"the load generator): the {ceiling.cores} cores serve at most "
        f"**{ceiling.mix_capacity_rps:.0f} req/s** of it."
    )
    print(
        f"- {ceiling.offered_users} users ask for **{ceiling.offered_rps:.0f} req/s** "
        f"({first.rps:.0f} req/s at {first.users} users, as many per user)."
    )
    print(
        f"- The cheapest authenticated request (`GET /users/me/`, one at a time) costs "
        f"**{ceiling.floor_ms:.1f} ms** of machine CPU, {ceiling.floor_service_ms:.1f} ms of it "
        f"in the service: if every request cost only that, the cores would serve at most "
        f"**{ceiling.floor_capacity_rps:.0f} req/s**."
    )
    print(
        f"- A request that does nothing (`/healthz` of the user service, straight to gunicorn) "
        f"costs **{ceiling.bare_service_ms:.1f} ms** of service CPU: gunicorn and Django alone."
    )


def print_summary(steps: list[Step]) -> None:
    print("\n## Summary\n")
    print(
        "| users | req/s | p50 | p95 | p99 | alert raise p50 / p95 | alerts/mine p95 | errors "
        f"| service CPU / API request | machine busy (of {os.cpu_count()} cores) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for step in steps:
        raise_ = step.endpoint(ALERT_RAISE)
        mine = step.endpoint(ALERTS_MINE)
        alert = f"{raise_.p50:.0f} / {raise_.p95:.0f} ms" if raise_ else "-"
        print(
            f"| {step.users} | {step.rps:.0f} | {step.p50:.0f} ms | {step.p95:.0f} ms | {step.p99:.0f} ms "
            f"| {alert} | {f'{mine.p95:.0f} ms' if mine else '-'} | {step.failures} "
            f"| {step.service_cpu_ms_per_api_request:.1f} ms | {step.machine_busy:.2f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--steps", default=os.environ.get("LOAD_STEPS", "100,300,500"))
    parser.add_argument(
        "--seconds", type=float, default=float(os.environ.get("LOAD_SECONDS", "60"))
    )
    parser.add_argument("--warmup", type=float, default=float(os.environ.get("LOAD_WARMUP", "20")))
    args = parser.parse_args()
    steps = [int(value) for value in args.steps.split(",")]
    global WORLD
    WORLD = prepare_world(load_users(max(steps)))
    env = Environment(user_classes=PERSONAS, events=events)
    env.create_local_runner()
    results: list[Step] = []
    print(
        f"\nSteps of {args.seconds:.0f} s after {args.warmup:.0f} s of warm-up, think times {THINK[0]:.0f}-{THINK[1]:.0f} s"
    )
    for users in steps:
        step = measure(env, users, args.warmup, args.seconds)
        print_step(step)
        results.append(step)
    env.runner.quit()
    gevent.sleep(5)  # the last visits end
    ceiling = measure_ceiling(results, WORLD.users[0])
    save_tokens(WORLD.users)
    print_summary(results)
    print_ceiling(ceiling, results[0])
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    out = OUT_DIR / f"load_mix-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.write_text(
        json.dumps([asdict(step) for step in results] + [{"ceiling": asdict(ceiling)}], indent=1)
    )
    print(f"\nFigures: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
