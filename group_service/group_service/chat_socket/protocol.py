"""The chat socket's protocol: the client's frames, parsed, checked and answered.

Frames are JSON objects:
- client → server: `auth` {token}, `message` {body, client_id?}, `typing`, `edit` {message_id,
  body}, `delete` {message_id}, `sync` {after}, `ping`.
- server → client: `ready` {group_id, last_sequence, online}, `auth_ok` {expires_at}, `message`
  {message}, `ack` {client_id, sequence, id}, `message_edited` / `message_deleted` {message},
  `typing` {user_id}, `presence` {online}, `member_joined` / `member_left` {user_id},
  `safety_alert` {...}, `pong` {last_sequence}, `error` {code, message}.
The README's "Live chat" section is the protocol's full description, for clients.

A client's mistake is answered with an `error` frame and the socket stays open. A `message`
frame may carry a `client_id` (a string of 1 to 64 characters, the client's own key for it):
its `ack`, and the `error` that refused it, carry it back. Sending it again is idempotent: a
message its sender already stored in the crew with that `client_id` is acknowledged again
(the same sequence and id) and neither stored nor broadcast again, so a client resends what
was not acknowledged when it reconnects.

Close codes (`group_service.sockets`), each with its reason: 4401 unauthenticated or token
expired, 4403 not a member, removed, banned or the crew taken down, 4009 frame too large, 4011
server error (a handler failed: Redis restarting, say; the client reconnects with `?after=`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any
from uuid import UUID

from channels.db import database_sync_to_async
from django.core.exceptions import ValidationError

from group_service.chat_socket.base import ChatSocketBase
from group_service.sockets import CLOSE_SERVER_ERROR, CLOSE_TOO_LARGE, MAX_FRAME_BYTES
from group_service.writer import chat_writer
from shared.api.errors import ApplicationError
from shared.auth.permissions import is_moderator
from shared.chat import live_state, realtime
from shared.chat.errors import RateLimited
from shared.chat.models import MAX_CLIENT_ID_LENGTH
from shared.chat.selectors import message_range
from shared.chat.services import SocketMessage, message_delete, message_edit

logger = logging.getLogger(__name__)

TYPING_MIN_INTERVAL_SECONDS = 2.0
# How long a closing socket waits for its writer to store what the client sent before leaving.
FINISH_WRITES_SECONDS = 10


def answer_key(content: dict[str, Any]) -> dict[str, Any]:
    """The `client_id` of a message frame, to carry back in the error that refuses it."""
    client_id = content.get("client_id")
    if isinstance(client_id, str) and 0 < len(client_id) <= MAX_CLIENT_ID_LENGTH:
        return {"client_id": client_id}
    return {}


class ClientError(Exception):
    def __init__(self, code: str, message: str = "", **extra: Any) -> None:
        super().__init__(code)
        self.code, self.message, self.extra = code, message, extra


class ChatProtocol(ChatSocketBase):
    """The client's frames: parsed, checked, answered, and handed to what they ask for.

    Reads the socket's `group_id`, `user` (None until signed in), `joined` and
    `last_sequence`; owns `outbox` (the client's messages waiting for the writer) and
    `last_typing_at`. Signing in (`handle_auth`) is the session's. Sends and closes through
    the consumer (`send_json`; `close_with` and `start_task` of `AuthenticatedSocketMixin`).
    """

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        size = len(text_data.encode()) if text_data is not None else len(bytes_data or b"")
        if size > MAX_FRAME_BYTES:
            await self.close_with(CLOSE_TOO_LARGE, "frame_too_large")
            return
        if text_data is None:
            await self.send_error("binary_not_supported", "Frames are JSON text.")
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self.send_error("invalid_json", "Frames are JSON objects.")
            return
        if not isinstance(content, dict):
            await self.send_error("invalid_json", "Frames are JSON objects.")
            return
        await self.receive_json(content)

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        await self.answering_errors(self.handle_frame(content))

    async def handle_frame(self, content: dict[str, Any]) -> None:
        kind = content.get("type")
        if kind == "auth":
            await self.handle_auth(content)
        elif self.user is None:
            raise ClientError("authentication_required", "Send an auth frame first.")
        elif kind == "message":
            await self.answering_errors(self.handle_message(content), **answer_key(content))
        elif kind == "typing":
            await self.handle_typing()
        elif kind == "edit":
            await self.handle_edit(content)
        elif kind == "delete":
            await self.handle_delete(content)
        elif kind == "sync":
            await self.handle_sync(content)
        elif kind == "ping":
            await self.send_json({"type": "pong", "last_sequence": self.last_sequence})
        else:
            raise ClientError("unknown_type", "Unknown frame type.")

    async def answering_errors(self, work: Any, **extra: Any) -> None:
        """Run `work`, answering the client's mistakes with an error frame (plus `extra`)."""
        try:
            await work
        except ClientError as error:
            await self.send_error(error.code, error.message, **error.extra, **extra)
        except ApplicationError as error:
            await self.send_error(error.code, error.message, **error.fields, **extra)
        except ValidationError as error:
            await self.send_error(
                "invalid", "The frame is invalid.", fields=error.message_dict, **extra
            )

    async def send_error(self, code: str, message: str, **extra: Any) -> None:
        await self.send_json({"type": "error", "code": code, "message": message, **extra})

    ##### Messages, stored in order by the socket's writer

    async def handle_message(self, content: dict[str, Any]) -> None:
        body, client_id = content.get("body"), content.get("client_id")
        if not isinstance(body, str):
            raise ClientError("invalid", "A message has a text body.")
        if client_id is not None and not (
            isinstance(client_id, str) and 0 < len(client_id) <= MAX_CLIENT_ID_LENGTH
        ):
            raise ClientError(
                "invalid",
                f"client_id is a string of 1 to {MAX_CLIENT_ID_LENGTH} characters.",
                fields={"client_id": ["Invalid."]},
            )
        retry_after = await live_state.chat_message_rate_limit_hit(
            user_id=self.user.id, group_id=self.group_id, client_id=client_id
        )
        if retry_after:
            raise RateLimited(retry_after)
        # Stored by this socket's writer, in order; deliveries to this socket go on meanwhile
        # instead of waiting behind its own writes for the database thread.
        self.outbox.put_nowait((body, client_id))
        if "writer" not in self.tasks:
            self.start_task("writer", self.write_messages())

    async def write_messages(self) -> None:
        """Store this socket's messages one after another, acknowledging each."""
        while (item := await self.outbox.get()) is not None:
            body, client_id = item
            try:
                await self.answering_errors(
                    self.store_message(body, client_id), **answer_key({"client_id": client_id})
                )
            except Exception:
                logger.exception("storing a chat message failed")
                await self.close_with(CLOSE_SERVER_ERROR, "server_error")
                return

    async def finish_writes(self) -> None:
        """Store what the client sent before it left, as when messages were stored inline."""
        writer = self.tasks.get("writer")
        if writer is None or writer.done():
            return
        self.outbox.put_nowait(None)
        try:
            await asyncio.wait_for(asyncio.shield(writer), FINISH_WRITES_SECONDS)
        except Exception:  # the socket closes all the same; what is left is not stored
            logger.warning("a closing chat socket's last messages were not stored", exc_info=True)

    async def store_message(self, body: str, client_id: str | None) -> None:
        if not self.joined:
            return  # cut off (removed, banned, the crew taken down): nothing more is stored
        # Stored with the other sockets' messages of the moment, and broadcast; or, sent
        # before with this client_id, the stored one (not broadcast again).
        message = await chat_writer().store(
            SocketMessage(group_id=self.group_id, sender=self.user, body=body, client_id=client_id)
        )
        await self.send_json(
            {
                "type": "ack",
                "client_id": client_id,
                "sequence": message.sequence,
                "id": str(message.id),
            }
        )

    ##### The other frames

    async def handle_typing(self) -> None:
        now = time.monotonic()
        if now - self.last_typing_at < TYPING_MIN_INTERVAL_SECONDS:
            return
        self.last_typing_at = now
        await self.channel_layer.group_send(
            realtime.chat_group_name(self.group_id),
            {"type": "chat.typing", "user_id": str(self.user.id)},
        )

    async def handle_edit(self, content: dict[str, Any]) -> None:
        await database_sync_to_async(message_edit)(
            group_id=self.group_id,
            message_id=self.message_id(content),
            editor_id=self.user.id,
            body=str(content.get("body", "")),
        )

    async def handle_delete(self, content: dict[str, Any]) -> None:
        await database_sync_to_async(message_delete)(
            group_id=self.group_id,
            message_id=self.message_id(content),
            actor_id=self.user.id,
            actor_is_moderator=is_moderator(self.user),
        )

    def message_id(self, content: dict[str, Any]) -> UUID:
        try:
            return UUID(str(content.get("message_id")))
        except ValueError as error:
            raise ClientError("invalid", "message_id is not a valid id.") from error

    async def handle_sync(self, content: dict[str, Any]) -> None:
        after = content.get("after")
        if not isinstance(after, int) or after < 0:
            raise ClientError("invalid", "sync needs a non-negative integer `after`.")
        for message in await database_sync_to_async(message_range)(
            group_id=self.group_id, after=after
        ):
            await self.send_json({"type": "message", "message": realtime.message_payload(message)})
