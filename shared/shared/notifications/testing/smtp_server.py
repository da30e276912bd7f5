"""A real SMTP server for tests (aiosmtpd), on 127.0.0.1 and a free port.

`LocalSmtpServer` takes mail and keeps each message, parsed with the standard `email`
package, or refuses it with the reply a test chose (`451 4.3.0 ...` at DATA, a `550` for the
recipients), so the e-mail code is tested against the SMTP dialogue it will really have.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass(frozen=True)
class ReceivedMail:
    """One message the server took: the SMTP envelope and the parsed message."""

    mail_from: str
    recipients: list[str]
    message: EmailMessage
    raw: bytes


class _Handler:
    """aiosmtpd's handler hooks: keep the mail, or refuse as told."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[ReceivedMail] = []
        self.data_reply: str | None = None
        self.recipient_reply: str | None = None

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.recipient_reply:
            return self.recipient_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        if self.data_reply:
            return self.data_reply
        raw = envelope.original_content or b""
        message = email.message_from_bytes(raw, policy=email.policy.default)
        with self.lock:
            self.received.append(
                ReceivedMail(
                    mail_from=str(envelope.mail_from),
                    recipients=list(envelope.rcpt_tos),
                    message=message,
                    raw=raw,
                )
            )
        return "250 Message accepted"


class _FreePortController(Controller):
    """aiosmtpd's threaded Controller, listening on port 0: the system picks a free port.

    The Controller connects to its own port once the server listens; by then the server
    knows which port it got, so that is the one to connect to.
    """

    def _trigger_server(self) -> None:
        if self.port == 0 and isinstance(self.server, asyncio.Server):
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


class LocalSmtpServer:
    """An SMTP server on 127.0.0.1:<free port>; `start()` it, `stop()` it."""

    host = "127.0.0.1"

    def __init__(self) -> None:
        self._handler = _Handler()
        self._controller = _FreePortController(self._handler, hostname=self.host, port=0)

    def start(self) -> LocalSmtpServer:
        """Listen and serve in aiosmtpd's background thread."""
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop serving (once stopped, connections are refused); stopping twice is fine."""
        if self._controller._thread is not None:
            self._controller.stop()

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self._controller.port)

    @property
    def received(self) -> list[ReceivedMail]:
        """The messages taken so far, in order."""
        with self._handler.lock:
            return list(self._handler.received)

    def refuse_data(self, reply: str = "451 4.3.0 Try again later") -> None:
        """Answer DATA with `reply` (an SMTP reply line) from now on."""
        self._handler.data_reply = reply

    def refuse_recipients(self, reply: str = "550 5.1.1 No such user") -> None:
        """Answer every RCPT TO with `reply` from now on."""
        self._handler.recipient_reply = reply

    def accept(self) -> None:
        """Take mail again."""
        self._handler.data_reply = None
        self._handler.recipient_reply = None

    def __repr__(self) -> str:
        return f"<LocalSmtpServer {self.host}:{self.port}>"

    def __enter__(self) -> LocalSmtpServer:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()
