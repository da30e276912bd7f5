"""A real HTTP push service for tests: it takes Web Push requests and records them.

`LocalPushService` listens on 127.0.0.1 on a free port (a threaded `http.server`, HTTP/1.1
with keep-alive, as push services are), records each request (path, headers, body and the
client's address, which tells connections apart) and answers 201 Created, or what a test
told it to answer for an endpoint (404, 410, 429 with Retry-After, 500, a slow answer...).
Nothing in it decrypts or verifies: `shared.notifications.testing.browser` does, as the
browser would.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class PushRequest:
    """One request the push service received. Header names are lower-case."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes
    client: tuple[str, int]  # one TCP connection: requests on a reused one share it
    received_at: float = 0.0  # time.perf_counter() when its body had arrived (benchmarks)


@dataclass(frozen=True)
class PushAnswer:
    """What the push service answers for one endpoint."""

    status: int = 201
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (a slow push service)


class LocalPushService:
    """A push service on 127.0.0.1:<free port>; `start()` it, `stop()` it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: list[PushRequest] = []
        self._answers: dict[str, PushAnswer] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None

    def start(self) -> LocalPushService:
        """Listen on a free port and serve in a background thread."""
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, so clients can reuse connections

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                service._record(
                    PushRequest(
                        method="POST",
                        path=self.path,
                        headers={name.lower(): value for name, value in self.headers.items()},
                        body=body,
                        client=(self.client_address[0], self.client_address[1]),
                        received_at=time.perf_counter(),
                    )
                )
                answer = service._answer_for(self.path)
                if answer.delay:
                    time.sleep(answer.delay)
                self.send_response(answer.status)
                if 200 <= answer.status < 300:
                    self.send_header("Location", f"/messages/{uuid.uuid4().hex}")
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                """Keep the test output quiet."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # shutdown() waits up to one interval
            name="local-push-service",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    @property
    def origin(self) -> str:
        """`http://127.0.0.1:<port>`, the `aud` of the VAPID tokens for this service.

        It stays the same once stopped: a stopped service is one that refuses connections.
        """
        if self._port is None:
            raise RuntimeError("The push service was never started.")
        return f"http://127.0.0.1:{self._port}"

    def endpoint(self, name: str | None = None) -> str:
        """A subscription endpoint URL at this service (a new one unless `name` is given)."""
        return f"{self.origin}/push/{name or uuid.uuid4().hex}"

    def answer(
        self,
        endpoint: str,
        status: int,
        *,
        headers: Mapping[str, str] | None = None,
        delay: float = 0.0,
    ) -> None:
        """Answer `status` (with `headers`, after `delay` seconds) to requests for `endpoint`."""
        with self._lock:
            self._answers[_path(endpoint)] = PushAnswer(status, dict(headers or {}), delay)

    @property
    def requests(self) -> list[PushRequest]:
        """Every request received so far, in order of arrival."""
        with self._lock:
            return list(self._requests)

    def requests_to(self, endpoint: str) -> list[PushRequest]:
        """The requests received for one endpoint."""
        path = _path(endpoint)
        return [request for request in self.requests if request.path == path]

    def _record(self, request: PushRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _answer_for(self, path: str) -> PushAnswer:
        with self._lock:
            return self._answers.get(path, PushAnswer())


def _path(endpoint: str) -> str:
    parts = urlsplit(endpoint)
    return parts.path + (f"?{parts.query}" if parts.query else "") if parts.scheme else endpoint
