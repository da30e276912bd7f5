"""The chat socket's session: who is on it, for how long, and who else is online.

A client signs in with the token it opened the socket with, or with an `auth` frame within a
second (`AuthenticatedSocketMixin`). Only a member of the crew who is not banned gets a
session; anyone else is closed with 4403. A later `auth` frame renews the token, and the
socket closes with 4401 when the token it holds expires.

Once signed in, the socket receives the crew's events through the process's fan-out
(`group_service.fanout`) and what is sent to its user on its own channel (`user.disconnect`
closes their sockets); its user is listed online in Redis (`shared.chat.live_state`), and it
sends `ready`. Its heartbeat keeps that presence fresh and joins the groups again, since a
restarted Redis forgets them; a beat that fails is logged, and the next one tries again.

A member cut off (removed, banned, the crew taken down) is sent nothing more and has nothing
more stored from then on, and the socket is closed. When the socket closes, `end_session`
releases what the session joined.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from channels.db import database_sync_to_async

from group_service.chat_socket.base import ChatSocketBase
from group_service.chat_socket.protocol import ClientError
from group_service.fanout import chat_fanout
from group_service.sockets import CLOSE_FORBIDDEN, CLOSE_UNAUTHENTICATED, sign_in_close_code
from shared.auth.channels import authenticate_token
from shared.chat import live_state, realtime
from shared.chat.selectors import chat_can_read, chat_last_sequence

logger = logging.getLogger(__name__)


async def released(step: Any) -> None:
    """Await one step of releasing a socket; a failure is logged, not raised."""
    try:
        await step
    except Exception as error:
        logger.warning("releasing a chat socket: %s", error, exc_info=True)


class ChatSession(ChatSocketBase):
    """Signing in, the token's expiry, the heartbeat, presence, and the session's end.

    Owns the socket's `user` (None until signed in) and `joined` (it receives the crew's
    events, and may send and store); starts the delivery at the session's start (its
    `last_sequence`, the gap a reconnecting client asks for, `live`). Sends and closes
    through the consumer (`send_json`; `close_with`, `schedule_expiry` and `start_task` of
    `AuthenticatedSocketMixin`).
    """

    async def handle_auth(self, content: dict[str, Any]) -> None:
        token = content.get("token")
        if not isinstance(token, str) or not token:
            raise ClientError("invalid_token", "An auth frame carries a token.")
        user, claims, error = await authenticate_token(token)
        if error is not None or claims is None:
            error = error or "invalid_token"
            await self.close_with(sign_in_close_code(error), error)
            return
        if self.user is None:
            await self.start_session(user, claims.expires_at)
        elif user.id != self.user.id:
            await self.close_with(CLOSE_UNAUTHENTICATED, "token_for_another_user")
        else:
            self.user = user
            self.schedule_expiry(claims.expires_at)
            await self.send_json({"type": "auth_ok", "expires_at": claims.expires_at})

    async def start_session(self, user: Any, expires_at: int) -> None:
        if user.is_banned_at():
            await self.close_with(CLOSE_FORBIDDEN, "user_banned")
            return
        if not await database_sync_to_async(chat_can_read)(group_id=self.group_id, user_id=user.id):
            await self.close_with(CLOSE_FORBIDDEN, "not_a_member")
            return
        self.user = user
        self.schedule_expiry(expires_at)
        self.joined = True  # before joining, so that `disconnect` leaves whatever was joined
        await chat_fanout().join(self.group_id, self)
        await self.channel_layer.group_add(realtime.user_group_name(user.id), self.channel_name)
        latest = await database_sync_to_async(chat_last_sequence)(group_id=self.group_id)
        after = self.requested_after()
        self.last_sequence = latest if after is None else min(after, latest)
        await live_state.presence_touch(
            group_id=self.group_id, user_id=user.id, socket_id=self.channel_name
        )
        online = await live_state.presence_online(group_id=self.group_id)
        await self.send_json(
            {
                "type": "ready",
                "group_id": str(self.group_id),
                "last_sequence": latest,
                "online": online,
            }
        )
        if after is not None:
            await self.fill_gap(up_to=latest)
        self.live = True  # what came meanwhile waits in the inbox, handled next
        await self.announce_presence(online)
        self.start_task("heartbeat", self.heartbeat())

    def requested_after(self) -> int | None:
        query = self.scope.get("query_string", b"").decode()
        for pair in query.split("&"):
            name, _, value = pair.partition("=")
            if name == "after" and value.isdigit():
                return int(value)
        return None

    async def heartbeat(self) -> None:
        """Keep presence fresh and re-join the groups (a restarted Redis forgets them).

        A beat that fails (Redis away, say) is logged; the next one tries again.
        """
        while True:
            await asyncio.sleep(live_state.PRESENCE_REFRESH_SECONDS)
            try:
                await chat_fanout().rejoin(self.group_id)
                await self.channel_layer.group_add(
                    realtime.user_group_name(self.user.id), self.channel_name
                )
                await live_state.presence_touch(
                    group_id=self.group_id, user_id=self.user.id, socket_id=self.channel_name
                )
                await self.settle_if_idle()
            except Exception:
                logger.warning("a chat socket's heartbeat failed", exc_info=True)

    async def announce_presence(self, online: list[str] | None = None) -> None:
        if online is None:
            online = await live_state.presence_online(group_id=self.group_id)
        await self.channel_layer.group_send(
            realtime.chat_group_name(self.group_id), {"type": "chat.presence", "online": online}
        )

    async def user_disconnect(self, event: dict[str, Any]) -> None:
        """Cut the member off (removed, banned, the crew taken down): a `user.disconnect` event.

        The session is released first: the crew's events stop coming at once, and the fan-out,
        the user's group and the presence entry let go of the socket (`disconnect`, which
        follows the close, then finds nothing left to release).
        """
        group_id = event.get("group_id")
        if group_id is not None and group_id != str(self.group_id):
            return
        await self.end_session()
        await self.close_with(event.get("code", CLOSE_FORBIDDEN), event.get("reason", "removed"))

    async def end_session(self) -> None:
        """Release what the session joined: the crew's events, the user's, its presence.

        Each step even when one before it fails (Redis away): the fan-out must not keep
        handing events to a socket that has gone. A presence entry left in Redis expires.
        """
        if not self.joined:
            return
        self.joined = False
        await released(chat_fanout().leave(self.group_id, self))
        await released(
            self.channel_layer.group_discard(
                realtime.user_group_name(self.user.id), self.channel_name
            )
        )
        await released(
            live_state.presence_leave(
                group_id=self.group_id, user_id=self.user.id, socket_id=self.channel_name
            )
        )
        await released(self.announce_presence())
