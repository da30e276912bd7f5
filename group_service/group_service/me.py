"""The person's own socket: `/ws/me/`, their notifications and crew changes, live.

Protocol (JSON frames), authenticated as the crew chat is (`shared.auth.channels`: the token
as the `bearer.<jwt>` subprotocol beside `crewup.chat.v1`, or an `auth` frame first):
- client → server: `auth` {token} (also to refresh it), `ping`;
- server → client: `ready` {unread_count}; `notification` {notification, unread_count};
  `membership` {group_id, change: joined, left, request_approved, request_rejected};
  `unread` {unread_count} (read elsewhere); `pong`; `error` {code, message}.

The channel layer delivers at most once: a client that reconnects reads what it missed from
`GET /api/v1/users/me/notifications/`. Close codes: 4401 unauthenticated or token expired,
4403 banned.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from group_service.sockets import (
    CLOSE_FORBIDDEN,
    CLOSE_UNAUTHENTICATED,
    MAX_FRAME_BYTES,
    AuthenticatedSocketMixin,
    sign_in_close_code,
)
from shared.auth.channels import authenticate_token
from shared.metrics import WEBSOCKET_CONNECTIONS
from shared.notifications.live import me_group_name
from shared.notifications.selectors import unread_count

# A restarted Redis forgets group memberships: join again this often.
REJOIN_SECONDS = 60.0


class MeConsumer(AuthenticatedSocketMixin, AsyncJsonWebsocketConsumer):
    """One signed-in person's live connection to what concerns them."""

    async def connect(self) -> None:
        self.user: Any = None
        self.tasks: dict[str, asyncio.Task[Any]] = {}
        await self.accept_and_sign_in()

    async def disconnect(self, code: int) -> None:
        for task in self.tasks.values():
            task.cancel()
        if getattr(self, "counted", False):
            WEBSOCKET_CONNECTIONS.dec()
            self.counted = False
        if self.user is not None:
            with contextlib.suppress(Exception):
                await self.channel_layer.group_discard(
                    me_group_name(self.user.id), self.channel_name
                )

    async def start_session(self, user: Any, expires_at: int) -> None:
        if user.is_banned_at():
            await self.close_with(CLOSE_FORBIDDEN, "user_banned")
            return
        self.user = user
        await self.channel_layer.group_add(me_group_name(user.id), self.channel_name)
        self.schedule_expiry(expires_at)
        self.start_task("rejoin", self.rejoin())
        count = await database_sync_to_async(unread_count)(recipient_id=user.id)
        await self.send_json({"type": "ready", "unread_count": count})

    async def rejoin(self) -> None:
        while True:
            await asyncio.sleep(REJOIN_SECONDS)
            with contextlib.suppress(Exception):
                await self.channel_layer.group_add(me_group_name(self.user.id), self.channel_name)

    ##### Client frames

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        if text_data is None or len(text_data.encode()) > MAX_FRAME_BYTES:
            await self.send_json({"type": "error", "code": "bad_frame", "message": "bad frame"})
            return
        await super().receive(text_data=text_data)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "auth":
            await self.handle_auth(content)
        elif kind == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self.send_json(
                {"type": "error", "code": "unknown_frame", "message": "Unknown frame type."}
            )

    async def handle_auth(self, content: dict[str, Any]) -> None:
        token = content.get("token")
        user, claims, error = await authenticate_token(token if isinstance(token, str) else "")
        if error is not None or claims is None:
            error = error or "invalid_token"
            await self.close_with(sign_in_close_code(error), error)
        elif self.user is None:
            await self.start_session(user, claims.expires_at)
        elif user.id != self.user.id:
            await self.close_with(CLOSE_UNAUTHENTICATED, "token_for_another_user")
        else:
            self.schedule_expiry(claims.expires_at)
            await self.send_json({"type": "auth_ok", "expires_at": claims.expires_at})

    ##### Channel-layer events (shared.notifications.live)

    async def me_notification(self, event: dict[str, Any]) -> None:
        await self.send_json(
            {
                "type": "notification",
                "notification": event["notification"],
                "unread_count": event["unread_count"],
            }
        )

    async def me_membership(self, event: dict[str, Any]) -> None:
        await self.send_json(
            {"type": "membership", "group_id": event["group_id"], "change": event["change"]}
        )

    async def me_unread(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "unread", "unread_count": event["unread_count"]})
