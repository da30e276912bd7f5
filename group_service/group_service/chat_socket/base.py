"""What the chat socket's parts reach on each other, said for the type checker.

`protocol`, `session` and `delivery` are mixins of one consumer (`group_service.consumers`),
and each calls into the others and into Channels' consumer. At run time their base is
`object`; to mypy it is Channels' JSON consumer with the socket's state and the methods one
part takes from another, so each call is checked against the method it reaches.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio
    from uuid import UUID

    from channels.generic.websocket import AsyncJsonWebsocketConsumer

    class ChatSocketBase(AsyncJsonWebsocketConsumer):
        group_id: UUID
        user: Any
        joined: bool
        live: bool
        last_sequence: int
        last_delivery_at: float
        last_typing_at: float
        tasks: dict[str, asyncio.Task[Any]]
        outbox: asyncio.Queue[tuple[str, Any] | None]
        inbox: asyncio.Queue[dict[str, Any]]
        taking: bool
        # the consumer's `serve` sends through this, with plain dicts (Channels: ASGI events)
        base_send: Any

        # AuthenticatedSocketMixin's
        async def close_with(self, code: int, reason: str) -> None: ...
        def schedule_expiry(self, expires_at: int) -> None: ...
        def start_task(self, name: str, coroutine: Any) -> None: ...

        # the session's
        async def handle_auth(self, content: dict[str, Any]) -> None: ...

        # the delivery's
        async def fill_gap(self, *, up_to: int) -> None: ...
        async def settle_if_idle(self) -> None: ...
        async def take(self, event: dict[str, Any]) -> None: ...

else:
    ChatSocketBase = object
