"""Hooks: how a domain app asks the runtime that hosts it to act after the app's writes.

`shared` never imports a service (ADR 0004), yet an app's write sometimes needs what only a
service has: a Celery task to queue, a relay to wake, the chat's sockets to tell. The app
declares a `Hook` and fires it after its commit; the service connects its callbacks once, at
start-up, in its `wiring.py` (run from its `AppConfig.ready()`), where a reader finds every
connection of that service in one place.

Callbacks run synchronously, in connection order, in the thread that fires. One that raises is
logged and skipped: the write has committed, the other callbacks still run, and every hook has
a periodic sweep (or a retry) that catches up with what a callback could not do. Keep callbacks
quick (hand slow work to a task) and idempotent.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Generic, ParamSpec

P = ParamSpec("P")

logger = logging.getLogger(__name__)


class Hook(Generic[P]):
    """A named list of callbacks that all take the arguments `fire` is given."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._callbacks: list[Callable[P, None]] = []

    def __repr__(self) -> str:
        return f"<Hook {self.name}>"

    @property
    def callbacks(self) -> tuple[Callable[P, None], ...]:
        """The connected callbacks, in connection order."""
        return tuple(self._callbacks)

    def connect(self, callback: Callable[P, None]) -> Callable[P, None]:
        """Call `callback` on every `fire`; connecting it twice is a no-op. Returns it."""
        if callback not in self._callbacks:
            self._callbacks.append(callback)
        return callback

    def disconnect(self, callback: Callable[P, None]) -> None:
        """Stop calling `callback`; one not connected is ignored."""
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    @contextlib.contextmanager
    def connected(self, callback: Callable[P, None]) -> Iterator[Callable[P, None]]:
        """Connect `callback` for the block (tests); one connected before stays connected."""
        was_connected = callback in self._callbacks
        self.connect(callback)
        try:
            yield callback
        finally:
            if not was_connected:
                self.disconnect(callback)

    @contextlib.contextmanager
    def isolated(self) -> Iterator[None]:
        """No callbacks for the block, whatever start-up connected (tests); restored after."""
        kept, self._callbacks = self._callbacks, []
        try:
            yield
        finally:
            self._callbacks = kept

    def fire(self, *args: P.args, **kwargs: P.kwargs) -> None:
        """Call every connected callback; one that raises is logged and the others still run."""
        for callback in tuple(self._callbacks):
            try:
                callback(*args, **kwargs)
            except Exception:  # the write has committed: a broken callback must not undo it
                logger.exception(
                    "hook %s: callback %s failed",
                    self.name,
                    getattr(callback, "__qualname__", repr(callback)),
                    extra={"hook": self.name},
                )
