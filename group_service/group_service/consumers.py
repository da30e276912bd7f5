"""The crew chat socket: `/ws/groups/<id>/chat/`.

`ChatConsumer` composes the three parts of `group_service.chat_socket`, each to be read
alone: the protocol (the client's frames, checked and answered), the session (signing in, the
token's expiry, the heartbeat, presence) and the delivery (the crew's events in sequence, gaps
filled from PostgreSQL). What ties them is here: the socket's state, serving its three
sources one at a time, and releasing what it holds at the end. The README's "Live chat"
section describes the protocol for clients.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from autobahn.exception import Disconnected
from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from channels.utils import await_many_dispatch
from django.core.exceptions import ImproperlyConfigured

from group_service.chat_socket.delivery import ChatDelivery
from group_service.chat_socket.protocol import ChatProtocol
from group_service.chat_socket.session import ChatSession
from group_service.sockets import AuthenticatedSocketMixin
from shared.metrics import WEBSOCKET_CONNECTIONS

if TYPE_CHECKING:
    from asgiref.typing import ASGIReceiveCallable, ASGISendCallable
    from channels.consumer import _ChannelScope


class ChatConsumer(
    AuthenticatedSocketMixin, ChatProtocol, ChatSession, ChatDelivery, AsyncJsonWebsocketConsumer
):
    """One member's live connection to one crew's chat."""

    async def connect(self) -> None:
        self.group_id = UUID(str(self.scope["url_route"]["kwargs"]["group_id"]))
        self.user = None
        self.joined = False
        self.live = False  # sent `ready` and what the client asked for: may take messages live
        self.last_sequence = 0
        self.last_delivery_at = 0.0
        self.last_typing_at = 0.0
        self.tasks: dict[str, asyncio.Task[Any]] = {}
        self.outbox: asyncio.Queue[tuple[str, Any] | None] = asyncio.Queue()
        await self.accept_and_sign_in()

    async def disconnect(self, code: int) -> None:
        self.live = False
        await self.finish_writes()
        for task in self.tasks.values():
            task.cancel()
        if getattr(self, "counted", False):
            WEBSOCKET_CONNECTIONS.dec()
            self.counted = False
        await self.end_session()

    async def serve(
        self, scope: _ChannelScope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        """Serve the socket: its client's frames, its own channel and its inbox, one at a time.

        Channels' `AsyncConsumer.__call__` with a third source, the inbox, where the process's
        fan-out queues the crew's events this socket cannot send at once (`take`). Its own
        channel still receives what is sent to the user's group (closing their sockets).

        A frame to a client that has already gone is dropped: daphne raises `Disconnected` for
        a frame sent to a socket the client closed before its `websocket.disconnect` was
        handled. Raised from a delivery, it ended the consumer without `disconnect()`: the
        open-socket gauge, the group membership and the presence entry stayed behind (1 of 213
        sockets in a 2-minute soak). The disconnect follows. (Whatever else ends the consumer,
        `AuthenticatedSocketMixin.__call__` still runs `disconnect()`.)
        """

        async def send_unless_gone(message: Any) -> None:
            try:  # noqa: SIM105 - not `suppress`: a context manager per frame, on the fan-out's path
                await send(message)
            except Disconnected:
                pass

        # Channels' own steps, with its plain ASGI dicts (its stubs type them as TypedDicts).
        self.scope = cast(Any, scope)
        self.base_send = send_unless_gone
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.taking = False  # handling an event from the inbox
        layer = get_channel_layer(self.channel_layer_alias)
        if layer is None:
            raise ImproperlyConfigured("the chat needs a channel layer (CHANNEL_LAYERS)")
        self.channel_layer = layer
        self.channel_name = await layer.new_channel()
        channel_receive = functools.partial(layer.receive, self.channel_name)
        sources: list[Any] = [receive, channel_receive, self.next_taken]
        with contextlib.suppress(StopConsumer):
            await await_many_dispatch(sources, self.dispatch)

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Run the handler of a client frame or channel-layer event.

        Channels' own `dispatch` first awaits `aclose_old_connections()` on the one thread
        that runs all of this process's database work: a thread hop per delivered message,
        queued behind every message being stored. Every database call here goes through
        `database_sync_to_async`, which closes old connections itself, so it is skipped.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)
