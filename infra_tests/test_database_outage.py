"""PostgreSQL goes down under load and comes back: every service says so with 503, and recovers
by itself.

A PostgreSQL cluster of the test's own (not the machine's, which other suites use at the same
time), migrated as the Helm Job migrates, serves the five services under gunicorn and the chat
under daphne, started with the image's entry point as a pod starts them. Threads keep asking
each service for an authenticated list and for `/readyz` while the cluster is stopped
(`pg_ctl stop -m immediate`, as a crash) and started again.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import websockets
import websockets.sync.client

from infra_tests.processes import (
    POD_IP,
    UNWRITABLE_METRICS_DIR,
    Process,
    entrypoint,
    free_port,
    start_entrypoint,
    stop,
    wait_until_answers,
)
from infra_tests.tools import clean_env

# An authenticated read of each service that needs the database, and the daphne of the chat.
ENDPOINTS = {
    "event": "/api/v1/events/",
    "group": "/api/v1/groups/",
    "user": "/api/v1/users/me/notifications/",
    "safety": "/api/v1/safety/alerts/",
    "moderation": "/api/v1/moderation/reports/mine/",
}
THREADS_PER_TARGET = 2
REQUEST_TIMEOUT_SECONDS = 15.0
# A request while the database is down is answered within this.
OUTAGE_ANSWER_SECONDS = 3.0
OUTAGE_SECONDS = 4.0
# Every service answers 200 again within this once PostgreSQL accepts connections.
RECOVERY_SECONDS = 10.0
# ... and keeps answering 200 (no connection left over from before the crash fails later).
STEADY_SECONDS = 3.0


def postgres_bin() -> Path:
    """The newest installed PostgreSQL's programs (Debian keeps them out of PATH)."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda path: int(path.parts[-3])
    )
    assert found, "PostgreSQL's server programs are not installed (/usr/lib/postgresql/*/bin)"
    return found[-1].parent


class PrivatePostgres:
    """A PostgreSQL cluster in a temporary directory on a free port, to stop and start again.

    initdb and pg_ctl refuse to run as root: as root, they run as the `postgres` user, who owns
    the directory.
    """

    def __init__(self) -> None:
        self.bin = postgres_bin()
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="crewup-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")

    def run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode == 0, f"{args[0]}: {result.stdout}{result.stderr}"

    def init(self) -> None:
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync",
                 "-E", "UTF8", "--no-locale")  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.root}"
            " -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
        )
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w",
                 "-t", "60", "start")  # fmt: skip

    def stop(self, mode: str = "immediate") -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgis://postgres@127.0.0.1:{self.port}/{database}"

    def remove(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="module")
def postgres() -> Iterator[PrivatePostgres]:
    cluster = PrivatePostgres()
    try:
        cluster.init()
        cluster.start()
        with psycopg.connect(
            host="127.0.0.1", port=cluster.port, user="postgres", dbname="postgres", autocommit=True
        ) as admin:
            admin.execute("CREATE DATABASE crewup")
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture(scope="module")
def identity_provider():
    from shared.testing.oidc import OIDCTestProvider

    provider = OIDCTestProvider().start()
    yield provider
    provider.stop()


@pytest.fixture(scope="module")
def system(
    postgres, identity_provider, rabbitmq_url, tmp_path_factory
) -> Iterator[dict[str, Process]]:
    """The five services under gunicorn and the chat under daphne, on the private cluster."""
    workdir = tmp_path_factory.mktemp("database-outage")
    environment = clean_env(
        DJANGO_SECRET_KEY=uuid.uuid4().hex * 2,
        DJANGO_DEBUG="false",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_ALLOWED_HOSTS=f"{POD_IP},127.0.0.1,localhost",
        DATABASE_URL=postgres.url("crewup"),
        REDIS_URL="redis://127.0.0.1:6379/0",
        RABBITMQ_URL=rabbitmq_url,
        OIDC_ISSUER=identity_provider.issuer,
        OIDC_AUDIENCE="crewup-api",
        OIDC_RP_CLIENT_SECRET="test-only",
        LOG_LEVEL="WARNING",
        # One gunicorn worker of four threads: four connections of its own to lose and get
        # back, as many as two workers would have between them, in half the start-up time.
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="4",
        TMPDIR=str(workdir),
    )
    migrated = entrypoint(
        "migrate", env={**environment, "PROMETHEUS_MULTIPROC_DIR": UNWRITABLE_METRICS_DIR},
        cwd=workdir,
    )  # fmt: skip
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    processes: dict[str, Process] = {}
    try:
        for service in ENDPOINTS:
            port = free_port()
            processes[service] = start_entrypoint(
                service, ["web", service], env={**environment, "PORT": str(port)}, cwd=workdir,
                log_dir=workdir, port=port,
            )  # fmt: skip
        port = free_port()
        processes["group-ws"] = start_entrypoint(
            "group-ws", ["ws"], env={**environment, "PORT": str(port), "BIND_ADDRESS": "127.0.0.1"},
            cwd=workdir, log_dir=workdir, port=port,
        )  # fmt: skip
        for process in processes.values():
            wait_until_answers(process, "/healthz")
        yield processes
    finally:
        with ThreadPoolExecutor(len(processes) or 1) as stopping:  # each waits for its workers
            list(stopping.map(stop, processes.values()))


@dataclass
class Answer:
    target: str
    started: float
    ended: float
    status: int  # 0: no answer (refused, reset, timed out)
    content_type: str
    body: str
    retry_after: str | None

    def summary(self) -> str:
        return f"{self.target} {self.status} {self.content_type} {self.body[:120]}"


class Load:
    """Threads asking each target (a service's process and path) again and again."""

    def __init__(self, targets: list[tuple[Process, str]], token: str) -> None:
        self.token = token
        self.answers: list[Answer] = []
        self.stopping = threading.Event()
        self.threads = [
            threading.Thread(target=self.ask_until_stopped, args=target, daemon=True)
            for target in targets
            for _ in range(THREADS_PER_TARGET)
        ]
        self.targets = {f"{process.name} {path}" for process, path in targets}

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(REQUEST_TIMEOUT_SECONDS + 5)

    def ask_until_stopped(self, process: Process, path: str) -> None:
        while not self.stopping.is_set():
            self.answers.append(ask(process, path, self.token))
            time.sleep(0.05)

    def between(self, start: float, end: float = float("inf")) -> list[Answer]:
        """The answers to requests sent at `start` or later and answered by `end`."""
        return [
            answer
            for answer in list(self.answers)
            if start <= answer.started and answer.ended <= end
        ]

    def wait_until_every_target_answers_200(self, since: float, timeout: float) -> float:
        """When the last target first answered 200 after `since`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            first_ok: dict[str, float] = {}
            for answer in self.between(since):
                if answer.status == 200:
                    first_ok.setdefault(answer.target, answer.ended)
            if set(first_ok) == self.targets:
                return max(first_ok.values())
            time.sleep(0.1)
        recent = {answer.target: answer.summary() for answer in self.between(since)}
        raise AssertionError(f"not every target answered 200 within {timeout} s: {recent}")


def ask(process: Process, path: str, token: str) -> Answer:
    request = urllib.request.Request(
        process.url(path), headers={"Authorization": f"Bearer {token}"}
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:
            status, headers, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, headers, body = error.code, error.headers, error.read()
    except OSError as error:
        status, headers, body = 0, {}, repr(error).encode()
    return Answer(
        f"{process.name} {path}", started, time.monotonic(), status,
        headers.get("Content-Type", ""), body.decode(errors="replace"), headers.get("Retry-After"),
    )  # fmt: skip


def chat_close(process: Process, token: str) -> tuple[int | None, str]:
    """The close code and reason a chat socket gets, opened with a valid token."""
    with websockets.sync.client.connect(
        f"ws://127.0.0.1:{process.port}/ws/groups/{uuid.uuid4()}/chat/",
        subprotocols=["crewup.chat.v1", f"bearer.{token}"],
        open_timeout=OUTAGE_ANSWER_SECONDS,
    ) as chat:
        with contextlib.suppress(websockets.ConnectionClosed):
            while True:
                chat.recv(timeout=OUTAGE_ANSWER_SECONDS)
        return chat.close_code, chat.close_reason


def process_ids(process: Process) -> set[int]:
    """The process and its children (gunicorn's workers): a restarted one has a new id."""
    pid = process.popen.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return {pid, *map(int, children)}


def test_every_service_answers_503_while_the_database_is_down_and_recovers_by_itself(
    postgres, system, identity_provider
):
    # given: every service answering, under load
    token = identity_provider.make_token(sub=str(uuid.uuid4()), username="outage")
    targets = [(system[name], path) for name, path in ENDPOINTS.items()]
    targets += [(process, "/readyz") for process in system.values()]
    processes_before = {name: process_ids(process) for name, process in system.items()}
    with Load(targets, token) as load:
        load.wait_until_every_target_answers_200(since=0, timeout=30)

        # when: PostgreSQL crashes, stays down a while, and starts again
        postgres.stop()
        down_at = time.monotonic()
        chat_while_down = chat_close(system["group-ws"], token)
        time.sleep(OUTAGE_SECONDS)
        restarting_at = time.monotonic()
        postgres.start()
        up_at = time.monotonic()
        recovered_at = load.wait_until_every_target_answers_200(
            since=up_at, timeout=RECOVERY_SECONDS
        )
        time.sleep(STEADY_SECONDS)

    # then: while it was down, every answer came quickly, a 503 saying so
    during = load.between(down_at, restarting_at)
    assert {answer.target for answer in during} == load.targets
    wrong = [answer.summary() for answer in during if not is_unavailable(answer)]
    assert wrong == [], f"{len(wrong)} of {len(during)} answers were not a 503 saying so"
    slow = [answer for answer in during if answer.ended - answer.started > OUTAGE_ANSWER_SECONDS]
    assert slow == []
    # and a chat socket was accepted and closed with the code that says "reconnect", and why
    assert chat_while_down == (4011, "database_unavailable")
    # and once it was back, every service answered 200 again, and went on answering 200
    assert recovered_at - up_at < RECOVERY_SECONDS
    after = load.between(recovered_at)
    assert {answer.target for answer in after} == load.targets
    assert [answer.summary() for answer in after if answer.status != 200] == []
    # never without an answer, and by the same processes (none restarted)
    assert [answer.summary() for answer in load.answers if answer.status == 0] == []
    assert {name: process_ids(process) for name, process in system.items()} == processes_before


def is_unavailable(answer: Answer) -> bool:
    """A 503 in the JSON error shape: the API's `database_unavailable`, with Retry-After, or
    /readyz naming the database."""
    if answer.status != 503 or answer.content_type != "application/json":
        return False
    body = json.loads(answer.body)
    if answer.target.endswith("/readyz"):
        return body.get("status") == "unavailable" and (
            body.get("checks", {}).get("database") == "unavailable"
        )
    error = body.get("error", {})
    return (
        set(error) == {"code", "message", "fields"}
        and error["code"] == "database_unavailable"
        and (answer.retry_after or "").isdigit()
        and int(answer.retry_after) >= 1
    )
