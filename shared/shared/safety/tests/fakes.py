"""A stand-in for the group service over real HTTP, for tests of the safety logic.

It takes the one call the safety service makes, an alert's notice into a crew's chat, on a
loopback port, and answers as the test tells it (down, slow). It answers any other path 404,
so a test sees every call the safety service makes in `seen`. Tests of the whole path run
the real services instead (`safety_service/tests/test_end_to_end.py`).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from uuid import UUID

import jwt

SERVICE_CLIENT_ID = "crewup-safety"
SERVICE_CLIENT_SECRET = "test-safety-secret"


@dataclass
class Notice:
    group_id: UUID
    alert_id: UUID
    change: str
    alert: dict[str, Any]
    sequence: int


@dataclass
class FakeCrewServices:
    """The group service's notice endpoint, as a test sets it."""

    # a status the group service answers everything with (503: "down")
    group_status: int | None = None
    # a status the notice endpoint alone answers with (for every crew, or for some)
    notice_status: int | None = None
    notice_status_of: dict[UUID, int] = field(default_factory=dict)
    # how long the notice endpoint takes to answer
    delay_seconds: float = 0.0
    notices: list[Notice] = field(default_factory=list)
    seen: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                self.answer(*fake.handle("GET", self.path, self.headers_dict(), b""))

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                self.answer(*fake.handle("POST", self.path, self.headers_dict(), body))

            def headers_dict(self) -> dict[str, str]:
                return {name.lower(): value for name, value in self.headers.items()}

            def answer(self, status: int, body: Any) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._lock = threading.Lock()

    # --- What it answers ---

    def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, Any]:
        with self._lock:
            self.seen.append((method, path, headers))
        parts = [part for part in path.split("?")[0].split("/") if part]
        if parts[:3] == ["internal", "v1", "groups"]:
            if self.group_status is not None:
                return self.group_status, {"error": "down"}
            if not self._is_service(headers):
                return 403, {"error": {"code": "permission_denied"}}
            if len(parts) == 5 and parts[4] == "safety-alerts" and method == "POST":
                time.sleep(self.delay_seconds)
                status = self.notice_status or self.notice_status_of.get(UUID(parts[3]))
                if status is not None:
                    return status, {"error": "down"}
                return self._notice(UUID(parts[3]), json.loads(body))
        return 404, {"error": {"code": "not_found"}}

    @staticmethod
    def _claims(headers: dict[str, str]) -> dict[str, Any]:
        token = headers.get("authorization", "").removeprefix("Bearer ")
        try:
            return jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            return {}

    def _is_service(self, headers: dict[str, str]) -> bool:
        roles = self._claims(headers).get("realm_access", {}).get("roles", [])
        return "service" in roles

    def _notice(self, group_id: UUID, body: dict[str, Any]) -> tuple[int, Any]:
        alert_id, change = UUID(body["alert_id"]), body["change"]
        with self._lock:
            for notice in self.notices:
                if (notice.group_id, notice.alert_id, notice.change) == (
                    group_id,
                    alert_id,
                    change,
                ):
                    return 200, self._receipt(notice, created=False)
            sequence = 1 + sum(1 for notice in self.notices if notice.group_id == group_id)
            notice = Notice(group_id, alert_id, change, body["alert"], sequence)
            self.notices.append(notice)
        return 201, self._receipt(notice, created=True)

    @staticmethod
    def _receipt(notice: Notice, *, created: bool) -> dict[str, Any]:
        return {
            "message_id": str(UUID(int=notice.sequence)),
            "sequence": notice.sequence,
            "created": created,
            "broadcast": created,
        }

    def notices_of(self, alert_id: UUID) -> list[tuple[UUID, str]]:
        return [
            (notice.group_id, notice.change)
            for notice in self.notices
            if notice.alert_id == alert_id
        ]

    # --- Lifecycle ---

    def start(self) -> FakeCrewServices:
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
