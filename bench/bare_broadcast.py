"""The chat benchmark's baseline: a bare ASGI broadcast, served by daphne like the group service.

No Channels layer, no database, no authentication: every text frame that any socket sends is
sent as it is to every open socket of this process (the sender included), in-process. A
`{"type": "ping"}` frame is answered with a pong to its sender only, as the chat socket does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

SUBPROTOCOL = "crewup.chat.v1"
PONG = '{"type": "pong"}'

sockets: set[Any] = set()


async def serve(
    scope: dict[str, Any],
    receive: Any,
    send: Any,
    *,
    on_text: Callable[[str, Any], Awaitable[None]],
    on_close: Callable[[Any], None] = lambda send: None,
) -> None:
    """An ASGI app of the bench: lifespan, 404 to HTTP, and sockets in `sockets`.

    Each text frame of a socket other than a ping goes to `on_text(text, send)`; `on_close(send)`
    runs when the socket has gone.
    """
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            pass
        await send({"type": "lifespan.shutdown.complete"})
        return
    if scope["type"] != "websocket":
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    try:
        while True:
            event = await receive()
            if event["type"] == "websocket.connect":
                offered = scope.get("subprotocols") or []
                await send(
                    {
                        "type": "websocket.accept",
                        "subprotocol": SUBPROTOCOL if SUBPROTOCOL in offered else None,
                    }
                )
                sockets.add(send)
            elif event["type"] == "websocket.receive":
                text = event.get("text")
                if text is None:
                    continue
                if text.startswith('{"type": "ping"'):
                    await send({"type": "websocket.send", "text": PONG})
                    continue
                await on_text(text, send)
            elif event["type"] == "websocket.disconnect":
                return
    finally:
        sockets.discard(send)
        on_close(send)


async def broadcast(text: str, send: Any) -> None:
    for peer in list(sockets):
        await peer({"type": "websocket.send", "text": text})


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await serve(scope, receive, send, on_text=broadcast)
