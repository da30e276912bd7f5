"""Real daphne processes of this checkout's group service, on the test database and key server.

They share Redis with the test process, as the deployed processes do.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import websockets

SERVICE_DIR = Path(__file__).resolve().parent.parent
ORIGIN = "http://127.0.0.1:8080"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def service_environment(*, issuer: str) -> dict[str, str]:
    """The environment of a group-service process that uses this test's database and key server.

    Without `PROMETHEUS_MULTIPROC_DIR`: each process's /metrics tells its own sockets.
    """
    from django.db import connection

    database = connection.settings_dict
    inherited = {
        name: value
        for name, value in os.environ.items()
        if name not in {"PROMETHEUS_MULTIPROC_DIR", "prometheus_multiproc_dir"}
    }
    return {
        **inherited,
        "DATABASE_URL": f"postgis://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "OIDC_ISSUER": issuer,
        "DJANGO_READ_DOT_ENV_FILE": "false",
        "LOG_LEVEL": "WARNING",
    }


@contextlib.contextmanager
def daphne(env: dict[str, str]) -> Iterator[int]:
    """A daphne serving `group_service.asgi` on a free port, stopped on leaving.

    Its output goes to a file: a pipe nobody reads would stop the process once the pipe is
    full (a few dozen logged tracebacks).
    """
    port = free_port()
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "group_service.asgi:application"],
            cwd=SERVICE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                with (
                    contextlib.suppress(OSError),
                    socket.create_connection(("127.0.0.1", port), timeout=0.2),
                ):
                    break
                if process.poll() is not None:
                    output.seek(0)
                    raise RuntimeError(output.read().decode(errors="replace"))
                time.sleep(0.1)
            yield port
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class RedisServer:
    """A redis-server of the test's own on a free port, to crash and start again.

    Not the machine's Redis, which other suites use at the same time. Nothing is persisted
    (`--save ''`, no AOF): a restart forgets every key and subscription, as a crash does.
    """

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed (Debian: apt-get install redis-server)"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--protected-mode", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as probe,
            ):
                probe.sendall(b"PING\r\n")
                if probe.recv(16).startswith(b"+PONG"):
                    return
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited {self.process.returncode}")
            time.sleep(0.05)
        raise RuntimeError("redis-server did not answer PING")

    def kill(self) -> None:
        """Stop it at once, as a crash would (SIGKILL)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None


@contextlib.contextmanager
def redis_server() -> Iterator[RedisServer]:
    """A private `RedisServer`, started, and killed on leaving."""
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.kill()


def open_sockets(port: int) -> float:
    """The process's open-socket gauge, from its /metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    found = re.search(r"^websocket_connections_open(?:\{[^}]*\})? (\S+)$", text, re.MULTILINE)
    assert found, "websocket_connections_open is not on /metrics"
    return float(found.group(1))


def settled_open_sockets(port: int, expected: float) -> float:
    """The open-socket gauge once it reads `expected`, or what it reads after 5 s."""
    deadline = time.monotonic() + 5
    while (found := open_sockets(port)) != expected and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


async def open_chat(port: int, group_id: Any, token: str, *, ready: bool = True) -> Any:
    """A client socket on a crew's chat; with `ready`, after its `ready` frame."""
    chat = await websockets.connect(
        f"ws://127.0.0.1:{port}/ws/groups/{group_id}/chat/",
        subprotocols=["crewup.chat.v1", f"bearer.{token}"],
        origin=ORIGIN,
    )
    if ready:
        frame = json.loads(await asyncio.wait_for(chat.recv(), 5))
        assert frame["type"] == "ready"
    return chat


async def next_frame(chat: Any, kind: str) -> dict[str, Any]:
    """The next frame of `kind`, skipping the others (presence, member notices)."""
    while True:
        frame = json.loads(await asyncio.wait_for(chat.recv(), 5))
        if frame["type"] == kind:
            return frame


async def close_frame(chat: Any) -> tuple[int, str]:
    """The code and reason of the server's close frame, the frames before it read and dropped."""
    with contextlib.suppress(websockets.ConnectionClosed):
        while True:
            await asyncio.wait_for(chat.recv(), 5)
    assert chat.close_code is not None
    return chat.close_code, chat.close_reason
