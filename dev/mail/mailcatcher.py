"""CrewUp's development mail catcher: an SMTP server that keeps mail, and a page to read it.

SMTP on 127.0.0.1:1025 (where the services send in development) takes every message, for
any recipient, and keeps it as an .eml file under `.run/mail/`; http://127.0.0.1:8025/ lists
them, newest first, and shows each one (headers, the text part, the HTML part in a sandboxed
frame, the raw source). Nothing is ever relayed. Only the standard library and aiosmtpd.

    uv run --frozen python dev/mail/mailcatcher.py [--smtp-port 1025] [--http-port 8025]
        [--directory .run/mail]

JSON for scripts and tests: `GET /api/messages`, `GET /api/messages/<id>`,
`DELETE /api/messages` (forget every message).
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import json
import re
import signal
import sys
import threading
import time
import uuid
from datetime import datetime
from email.message import EmailMessage
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

DEFAULT_DIRECTORY = Path(__file__).resolve().parents[2] / ".run" / "mail"
_ID = re.compile(r"\d{19}-[0-9a-f]{8}")
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#18181b}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.4rem .6rem;
border-bottom:1px solid #e4e4e7;vertical-align:top}th{background:#f4f4f5}
pre{white-space:pre-wrap;background:#f4f4f5;padding:1rem;border-radius:6px}
iframe{width:100%;height:36rem;border:1px solid #e4e4e7;border-radius:6px}
a{color:#1d4ed8}.muted{color:#71717a}
"""


class MailStore:
    """The caught messages: one `<received ns>-<random>.eml` file each, in one directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)

    def save(self, raw: bytes) -> str:
        """Keep a message; return its id. Written aside, then renamed: never half a file."""
        message_id = f"{time.time_ns():019d}-{uuid.uuid4().hex[:8]}"
        partial = self.directory / f".{message_id}.partial"
        partial.write_bytes(raw)
        partial.rename(self.directory / f"{message_id}.eml")
        return message_id

    def ids(self) -> list[str]:
        """Every message's id, newest first."""
        return sorted(
            (path.stem for path in self.directory.glob("*.eml") if _ID.fullmatch(path.stem)),
            reverse=True,
        )

    def raw(self, message_id: str) -> bytes | None:
        """A message's bytes as received, or None for an unknown (or malformed) id."""
        if not _ID.fullmatch(message_id):
            return None
        path = self.directory / f"{message_id}.eml"
        return path.read_bytes() if path.is_file() else None

    def clear(self) -> None:
        """Forget every message."""
        for path in self.directory.glob("*.eml"):
            path.unlink(missing_ok=True)


def parse(raw: bytes) -> EmailMessage:
    """A message parsed with the standard library's modern e-mail API."""
    return email.message_from_bytes(raw, policy=email.policy.default)


def summary(message_id: str, message: EmailMessage) -> dict[str, Any]:
    """What the list shows of a message."""
    received_at = datetime.fromtimestamp(int(message_id.split("-")[0]) / 1e9).astimezone()
    return {
        "id": message_id,
        "subject": _header(message, "Subject"),
        "from": _header(message, "From"),
        "to": _header(message, "To"),
        "date": _header(message, "Date"),
        "received_at": received_at.isoformat(timespec="seconds"),
    }


def detail(message_id: str, message: EmailMessage) -> dict[str, Any]:
    """A message's summary, headers, and its text and HTML parts (empty when absent)."""
    return {
        **summary(message_id, message),
        "headers": [[name, str(value)] for name, value in message.items()],
        "text": _part(message, "plain"),
        "html": _part(message, "html"),
    }


class _SmtpHandler:
    """aiosmtpd's hook: keep whatever arrives."""

    def __init__(self, store: MailStore) -> None:
        self.store = store

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        self.store.save(envelope.original_content or b"")
        return "250 Message accepted for delivery"


class _FreePortController(Controller):
    """aiosmtpd's Controller that may listen on port 0 (a free port, for tests)."""

    def _trigger_server(self) -> None:
        if self.port == 0 and isinstance(self.server, asyncio.Server):
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


class MailCatcher:
    """The SMTP server and the web page over one `MailStore`; `start()`, then `stop()`."""

    def __init__(
        self,
        directory: Path = DEFAULT_DIRECTORY,
        *,
        smtp_host: str = "127.0.0.1",
        smtp_port: int = 1025,
        http_host: str = "127.0.0.1",
        http_port: int = 8025,
    ) -> None:
        self.store = MailStore(directory)
        self._smtp = _FreePortController(
            _SmtpHandler(self.store), hostname=smtp_host, port=smtp_port
        )
        self._http = ThreadingHTTPServer((http_host, http_port), _page_handler(self.store))
        self._http_thread = threading.Thread(
            target=self._http.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="mailcatcher-http",
            daemon=True,
        )

    @property
    def smtp_port(self) -> int:
        """The port SMTP listens on."""
        return int(self._smtp.port)

    @property
    def http_port(self) -> int:
        """The port the web page listens on."""
        return int(self._http.server_address[1])

    def start(self) -> MailCatcher:
        """Serve SMTP and HTTP in background threads."""
        self._smtp.start()
        self._http_thread.start()
        return self

    def stop(self) -> None:
        """Stop both servers."""
        self._smtp.stop()
        self._http.shutdown()
        self._http.server_close()
        self._http_thread.join(timeout=5)


def _page_handler(store: MailStore) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "CrewUpMailCatcher"

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if path == "/":
                self._list_page()
                return
            if path == "/api/messages":
                self._json([summary(i, parse(raw)) for i, raw in self._messages()])
                return
            for pattern, view in (
                (r"/api/messages/([^/]+)", self._message_json),
                (r"/messages/([^/]+)\.eml", self._message_raw),
                (r"/messages/([^/]+)", self._message_page),
            ):
                if match := re.fullmatch(pattern, path):
                    raw = store.raw(match[1])
                    if raw is None:
                        self._not_found()
                    else:
                        view(match[1], raw)
                    return
            self._not_found()

        def do_DELETE(self) -> None:
            if urlsplit(self.path).path == "/api/messages":
                store.clear()
                self._send(204, b"", "text/plain")
            else:
                self._not_found()

        def _messages(self) -> list[tuple[str, bytes]]:
            pairs = ((message_id, store.raw(message_id)) for message_id in store.ids())
            return [(message_id, raw) for message_id, raw in pairs if raw is not None]

        def _list_page(self) -> None:
            rows = "".join(
                "<tr><td class=muted>{received}</td><td>{to}</td>"
                '<td><a href="/messages/{id}">{subject}</a></td></tr>'.format(
                    received=escape(item["received_at"].replace("T", " ")),
                    to=escape(item["to"]),
                    id=escape(item["id"]),
                    subject=escape(item["subject"] or "(no subject)"),
                )
                for item in (summary(i, parse(raw)) for i, raw in self._messages())
            )
            body = (
                '<meta http-equiv="refresh" content="5">'
                f"<h1>Caught mail</h1><p class=muted>{len(store.ids())} messages, newest "
                f"first; kept in {escape(str(store.directory))}.</p>"
                "<table><tr><th>Received</th><th>To</th><th>Subject</th></tr>"
                f"{rows or '<tr><td colspan=3 class=muted>No mail yet.</td></tr>'}</table>"
            )
            self._html("Caught mail", body)

        def _message_json(self, message_id: str, raw: bytes) -> None:
            self._json(detail(message_id, parse(raw)))

        def _message_raw(self, message_id: str, raw: bytes) -> None:
            self._send(200, raw, "text/plain; charset=utf-8")

        def _message_page(self, message_id: str, raw: bytes) -> None:
            item = detail(message_id, parse(raw))
            headers = "".join(
                f"<tr><th>{escape(name)}</th><td>{escape(value)}</td></tr>"
                for name, value in item["headers"]
            )
            html_part = (
                # No scripts, no same-origin: the e-mail's HTML cannot reach this page.
                f'<h2>HTML</h2><iframe sandbox="" srcdoc="{escape(item["html"], quote=True)}">'
                "</iframe>"
                f"<details><summary>HTML source</summary><pre>{escape(item['html'])}</pre>"
                "</details>"
                if item["html"]
                else ""
            )
            text_part = f"<h2>Text</h2><pre>{escape(item['text'])}</pre>" if item["text"] else ""
            body = (
                f'<p><a href="/">All mail</a> · <a href="/messages/{message_id}.eml">Raw</a></p>'
                f"<h1>{escape(item['subject'] or '(no subject)')}</h1>"
                f"<table>{headers}</table>{text_part}{html_part}"
            )
            self._html(item["subject"] or "(no subject)", body)

        def _html(self, title: str, body: str) -> None:
            page = (
                f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
                f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
                f"<body>{body}</body></html>"
            )
            self._send(200, page.encode(), "text/html; charset=utf-8")

        def _json(self, value: Any) -> None:
            self._send(200, json.dumps(value).encode(), "application/json")

        def _not_found(self) -> None:
            self._send(404, b"Not found\n", "text/plain; charset=utf-8")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Security-Policy", _CSP)
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the catcher says where it listens, and nothing per request."""

    return Handler


def _header(message: EmailMessage, name: str) -> str:
    value = message.get(name)
    return " ".join(str(value).split()) if value is not None else ""


def _part(message: EmailMessage, subtype: str) -> str:
    part = message.get_body((subtype,))
    if part is None:
        return ""
    content = cast(EmailMessage, part).get_content()
    return content.replace("\r\n", "\n") if isinstance(content, str) else ""


def main(argv: list[str] | None = None) -> None:
    """Run the catcher until Ctrl-C or SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--smtp-host", default="127.0.0.1")
    parser.add_argument("--smtp-port", type=int, default=1025)
    parser.add_argument("--http-host", default="127.0.0.1")
    parser.add_argument("--http-port", type=int, default=8025)
    parser.add_argument("--directory", type=Path, default=DEFAULT_DIRECTORY)
    arguments = parser.parse_args(argv)
    catcher = MailCatcher(
        arguments.directory,
        smtp_host=arguments.smtp_host,
        smtp_port=arguments.smtp_port,
        http_host=arguments.http_host,
        http_port=arguments.http_port,
    ).start()
    stopping = threading.Event()

    def stop_on_signal(signal_number: int, frame: object) -> None:
        stopping.set()
        # A second Ctrl-C (or SIGTERM) ends the process at once, whatever stop() is doing.
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, signal.SIG_DFL)

    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, stop_on_signal)
    print(  # noqa: T201 (a command-line program says where it listens)
        f"Mail catcher: SMTP on {arguments.smtp_host}:{catcher.smtp_port}, "
        f"mail at http://{arguments.http_host}:{catcher.http_port}/ "
        f"(kept in {arguments.directory})",
        flush=True,
    )
    stopping.wait()
    catcher.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
