"""Real local HTTP servers that behave as a dependency might: well, slowly, or failing."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Seen:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


# A behaviour answers a request with (status, JSON body), possibly after sleeping.
Behaviour = Callable[[Seen], tuple[int, Any]]


@dataclass
class FakeService:
    """A threaded HTTP server on a free loopback port, answering with `behaviour`."""

    behaviour: Behaviour
    requests: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def handle_any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                seen = Seen(
                    method=self.command,
                    path=self.path,
                    headers={name.lower(): value for name, value in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                service.requests.append(seen)
                status, body = service.behaviour(seen)
                payload = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    return  # the client gave up waiting

            do_GET = do_POST = handle_any  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> FakeService:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def ok(body: Any = None) -> Behaviour:
    return lambda seen: (200, {"ok": True} if body is None else body)


def status(code: int, body: Any = None) -> Behaviour:
    return lambda seen: (code, body or {"error": code})


def slow(seconds: float, then: Behaviour | None = None) -> Behaviour:
    def behave(seen: Seen) -> tuple[int, Any]:
        time.sleep(seconds)
        return (then or ok())(seen)

    return behave


def sequence(*behaviours: Behaviour) -> Behaviour:
    """The first request gets the first behaviour, and so on; the last one repeats."""
    calls = {"n": 0}

    def behave(seen: Seen) -> tuple[int, Any]:
        index = min(calls["n"], len(behaviours) - 1)
        calls["n"] += 1
        return behaviours[index](seen)

    return behave


def stopped_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
