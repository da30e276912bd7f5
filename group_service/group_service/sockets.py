"""What the group service's sockets share: who may open one (the handshake's Origin), the
request id their log lines carry, signing in within a second, closing when the token expires,
their background tasks, closing with a code and a reason, and releasing what a socket holds
however it ends.

The protocol (frames both ways, close codes, token renewal) is described in the README's
"Live chat" section.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import TYPE_CHECKING, Any, cast

from channels.middleware import BaseMiddleware
from channels.security.websocket import OriginValidator
from django.conf import settings
from django_guid import set_guid
from django_guid.utils import generate_guid, validate_guid

from shared.auth.channels import DATABASE_UNAVAILABLE
from shared.metrics import WEBSOCKET_CONNECTIONS

if TYPE_CHECKING:
    from asgiref.typing import ASGIReceiveCallable, ASGISendCallable
    from channels.consumer import _ChannelScope

logger = logging.getLogger(__name__)

APPLICATION_SUBPROTOCOL = "crewup.chat.v1"
AUTH_TIMEOUT_SECONDS = 1.0
MAX_FRAME_BYTES = 16 * 1024
# Close codes. An application may send 1000 or 3000-4999 only (RFC 6455 7.4.2; daphne refuses
# any other with an exception), so RFC 6455's 1009 and 1011 become 4009 and 4011 here.
CLOSE_TOO_LARGE = 4009
CLOSE_SERVER_ERROR = 4011
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


def sign_in_close_code(error: str) -> int:
    """The close code of a failed sign-in: 4401 (get a fresh token), or 4011 (reconnect) when
    the failure was the server's (PostgreSQL unreachable), not the token's."""
    return CLOSE_SERVER_ERROR if error == DATABASE_UNAVAILABLE else CLOSE_UNAUTHENTICATED


class BrowserOriginValidator(OriginValidator):
    """Refuse a handshake from another site's page; accept one without an Origin header.

    Browsers send Origin on every WebSocket handshake, so a page elsewhere is refused as
    channels' `AllowedHostsOriginValidator` refuses it (`Origin: null` too). A client that is
    not a browser (the command line, a native app, a bot) sends none and is accepted: the
    socket is authenticated by a bearer token the client presents, never by a cookie a browser
    would add by itself, so there is no cross-site request to guard against.
    """

    def valid_origin(self, parsed_origin: Any) -> bool:
        return parsed_origin is None or super().valid_origin(parsed_origin)


def browser_origin_validator(application: Any) -> BrowserOriginValidator:
    """`BrowserOriginValidator` for the hosts of `ALLOWED_HOSTS`, as channels' own factory."""
    allowed_hosts = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed_hosts:
        allowed_hosts = ["localhost", "127.0.0.1", "[::1]"]
    return BrowserOriginValidator(application, allowed_hosts)


class RequestIdMiddleware(BaseMiddleware):
    """Log all a socket does with its handshake's request id, as django_guid does for HTTP.

    The id is the X-Request-ID the ingress passes on (the client's, or one it made), or a new
    one when it is missing or malformed. Each socket runs in an asyncio task of its own, so the
    id set here is that socket's alone.
    """

    async def __call__(
        self, scope: _ChannelScope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> Any:
        headers = cast(Any, scope)["headers"]
        given = next(
            (value.decode("latin1") for name, value in headers if name == b"x-request-id"),
            "",
        )
        set_guid(given if given and validate_guid(given) else generate_guid())
        return await super().__call__(scope, receive, send)


def send_close_reasons() -> None:
    """Have daphne put a close's reason into the close frame, beside its code.

    ASGI's `websocket.close` carries a `reason`, and channels' `close(code, reason)` sends it,
    but daphne 4.2 passes the code alone to autobahn (django/daphne#374, open): a client saw
    4403 for a ban with no reason. Called once by `asgi.py`; calling it again changes nothing.
    """
    from daphne.ws_protocol import WebSocketProtocol

    original = WebSocketProtocol.handle_reply
    if getattr(original, "sends_close_reasons", False):
        return

    def handle_reply(protocol: Any, message: dict[str, Any]) -> None:
        if (
            message.get("type") == "websocket.close"
            and message.get("reason")
            and protocol.state != protocol.STATE_CONNECTING
        ):
            protocol.sendClose(code=message.get("code", 1000), reason=message["reason"])
        else:
            original(protocol, message)

    handle_reply.sends_close_reasons = True  # type: ignore[attr-defined]
    WebSocketProtocol.handle_reply = handle_reply


def negotiated(scope: Any) -> str | None:
    """The subprotocol to accept: the application's, if offered (never the token's)."""
    offered = scope.get("subprotocols") or []
    return APPLICATION_SUBPROTOCOL if APPLICATION_SUBPROTOCOL in offered else None


class AuthenticatedSocketMixin:
    """For `AsyncJsonWebsocketConsumer`s whose `user` is set once the token was checked.

    Put it first among the bases; it uses the consumer's `send_json`, `close` and `disconnect`.
    A consumer that serves its socket its own way overrides `serve`, not `__call__`.
    """

    user: Any
    tasks: dict[str, asyncio.Task[Any]]
    counted: bool
    accepted: bool

    async def __call__(
        self, scope: _ChannelScope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        """Serve the socket, then release what it holds, however it ended.

        Channels calls `disconnect` when the client's `websocket.disconnect` arrives; an error
        raised by a handler ends the consumer without it, and the open-socket gauge, the
        groups and the presence entry stayed behind (the gauge went from 7 to 10 after three
        frames daphne could not close). So `disconnect` runs here unless it already ran: a
        socket still counted as open has not released what it holds (`disconnect` uncounts it).

        Such an error (Redis restarting under a handler, a bug) closes the socket with 4011
        `server_error`, which tells the client to reconnect with `?after=`: left to daphne, it
        closed with 1011, or refused the handshake with HTTP 500 when the socket was not
        accepted yet (its channel could not be made).
        """
        self.accepted = False
        try:
            await self.serve(scope, receive, send)
        except Exception:
            logger.exception("a socket failed; closing it with %s", CLOSE_SERVER_ERROR)
            await self.close_failed(scope, send)
        finally:
            if getattr(self, "counted", False):
                await self.disconnect(CLOSE_SERVER_ERROR)  # type: ignore[attr-defined]

    async def serve(
        self, scope: _ChannelScope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        await super().__call__(scope, receive, send)  # type: ignore[misc]

    async def close_failed(self, scope: _ChannelScope, send: Any) -> None:
        """Close a socket whose consumer failed with 4011, accepting it first if need be.

        Sent with `send` itself: the consumer's own sending may be what failed.
        """
        try:
            if not self.accepted:
                await send({"type": "websocket.accept", "subprotocol": negotiated(scope)})
            await send(
                {
                    "type": "websocket.send",
                    "text": json.dumps(
                        {"type": "error", "code": "server_error", "message": "server error"}
                    ),
                }
            )
            await send(
                {"type": "websocket.close", "code": CLOSE_SERVER_ERROR, "reason": "server_error"}
            )
        except Exception:  # the client has gone, most likely: nobody is left to tell
            logger.warning("a failed socket could not be told and closed", exc_info=True)

    async def accept_and_sign_in(self) -> None:
        """Accept with the application subprotocol (never echoing the token), count the socket,
        and start the session of the token it came with, or wait a second for an `auth` frame.

        The consumer defines `start_session(user, expires_at)`.
        """
        scope = self.scope  # type: ignore[attr-defined]
        await self.accept(negotiated(scope))  # type: ignore[attr-defined]
        self.accepted = True
        WEBSOCKET_CONNECTIONS.inc()
        self.counted = True
        headers = dict(scope["headers"])
        logger.info(
            "socket opened",
            extra={
                "path": scope["path"],
                "host": headers.get(b"host", b"").decode("latin1"),
                "client": (scope.get("client") or [None])[0],
            },
        )
        if scope.get("auth_error"):
            await self.close_with(sign_in_close_code(scope["auth_error"]), scope["auth_error"])
            return
        user = scope.get("user")
        if user is not None and user.is_authenticated:
            await self.start_session(user, scope["token_claims"].expires_at)  # type: ignore[attr-defined]
        else:
            self.start_task("auth_timeout", self.close_unless_authenticated())

    def start_task(self, name: str, coroutine: Any) -> None:
        """Run `coroutine` as the socket's task `name`, cancelling the previous one."""
        previous = self.tasks.get(name)
        if previous is not None and previous is not asyncio.current_task():
            previous.cancel()
        self.tasks[name] = asyncio.create_task(coroutine)

    async def close_unless_authenticated(self) -> None:
        """Close a socket that has not signed in within `AUTH_TIMEOUT_SECONDS`."""
        await asyncio.sleep(AUTH_TIMEOUT_SECONDS)
        if self.user is None:
            await self.close_with(CLOSE_UNAUTHENTICATED, "authentication_required")

    def schedule_expiry(self, expires_at: int) -> None:
        """Close the socket when its token expires (a new `auth` frame moves this)."""

        async def close_at_expiry() -> None:
            await asyncio.sleep(max(0.0, expires_at - time.time()))
            await self.close_with(CLOSE_UNAUTHENTICATED, "token_expired")

        self.start_task("expiry", close_at_expiry())

    async def close_with(self, code: int, reason: str) -> None:
        """Send an error frame saying why, then close with `code` and `reason`."""
        try:
            await self.send_json(  # type: ignore[attr-defined]
                {"type": "error", "code": reason, "message": reason.replace("_", " ")}
            )
        except Exception:  # the close still goes out: its code and reason say why as well
            logger.warning("a socket's last error frame was not sent", exc_info=True)
        logger.info("socket closed by the server", extra={"code": code, "reason": reason})
        await self.close(code=code, reason=reason)  # type: ignore[attr-defined]
