"""Real daphne processes of this checkout's group service, on the test database and key server.

They share Redis with the test process, as the deployed processes do.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import socket
import subprocess
import sys
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
    """A daphne serving `group_service.asgi` on a free port, stopped on leaving."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "group_service.asgi:application"],
        cwd=SERVICE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
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
                raise RuntimeError(process.stderr.read().decode())
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def open_sockets(port: int) -> float:
    """The process's open-socket gauge, from its /metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    found = re.search(r"^websocket_connections_open(?:\{[^}]*\})? (\S+)$", text, re.MULTILINE)
    assert found, "websocket_connections_open is not on /metrics"
    return float(found.group(1))


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
