"""What the group service's sockets share: signing in within a second, closing when the token
expires, their background tasks, and closing with an error frame that says why."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from shared.metrics import WEBSOCKET_CONNECTIONS

APPLICATION_SUBPROTOCOL = "crewup.chat.v1"
AUTH_TIMEOUT_SECONDS = 1.0
MAX_FRAME_BYTES = 16 * 1024
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


class AuthenticatedSocketMixin:
    """For `AsyncJsonWebsocketConsumer`s whose `user` is set once the token was checked.

    Put it first among the bases; it uses the consumer's `send_json` and `close`.
    """

    user: Any
    tasks: dict[str, asyncio.Task[Any]]
    counted: bool

    async def accept_and_sign_in(self) -> None:
        """Accept with the application subprotocol (never echoing the token), count the socket,
        and start the session of the token it came with, or wait a second for an `auth` frame.

        The consumer defines `start_session(user, expires_at)`.
        """
        scope = self.scope  # type: ignore[attr-defined]
        offered = scope.get("subprotocols") or []
        await self.accept(  # type: ignore[attr-defined]
            APPLICATION_SUBPROTOCOL if APPLICATION_SUBPROTOCOL in offered else None
        )
        WEBSOCKET_CONNECTIONS.inc()
        self.counted = True
        if scope.get("auth_error"):
            await self.close_with(CLOSE_UNAUTHENTICATED, scope["auth_error"])
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
        """Send an error frame saying why, then close with `code`."""
        with contextlib.suppress(Exception):
            await self.send_json(  # type: ignore[attr-defined]
                {"type": "error", "code": reason, "message": reason.replace("_", " ")}
            )
        await self.close(code=code)  # type: ignore[attr-defined]
