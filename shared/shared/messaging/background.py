"""Publishing the outbox right after commit, from the process that wrote the rows.

An alert's notification must not wait for beat's next relay run (every
`OUTBOX_RELAY_INTERVAL_SECONDS`), nor for a task to cross the broker and a worker to pick
it up. So every process that writes outbox rows relays them itself, on a thread of its own:
the request that wrote them is never held up by the broker (a slow or dead broker delays
only this thread), and triggers that arrive while a run is under way fold into one more run.
Beat's periodic relay still catches whatever a process could not publish (it died, the
broker was away). Rows are locked with SKIP LOCKED, so this relay and beat's never publish
the same row at once.
"""

from __future__ import annotations

import logging
import os
import threading

from django.db import close_old_connections, connections

from shared.core.background import IDLE_SECONDS

logger = logging.getLogger(__name__)


class _BackgroundRelay:
    """One daemon thread per process that runs the relay whenever it is woken."""

    def __init__(self) -> None:
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self.runs = 0

    def wake(self) -> None:
        """Ask for a relay run soon; start the thread first if this process has none."""
        with self._lock:
            if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
                self._pid = os.getpid()
                self._wake = threading.Event()
                self._thread = threading.Thread(target=self._loop, name="outbox-relay", daemon=True)
                self._thread.start()
        self._wake.set()

    def _loop(self) -> None:
        from shared.messaging.publisher import outbox_relay

        wake = self._wake
        while True:
            if not wake.wait(timeout=IDLE_SECONDS):
                connections.close_all()  # as background jobs' threads do (IDLE_SECONDS)
                continue
            wake.clear()
            try:
                outbox_relay()
            except Exception:  # the database is away: beat's relay publishes the rows later
                logger.exception("the after-commit outbox relay failed")
            finally:
                self.runs += 1
                close_old_connections()  # one broken or past CONN_MAX_AGE is not kept


_relay = _BackgroundRelay()


def outbox_relay_in_background() -> None:
    """Publish the rows just committed on this process's relay thread; never raises.

    Connected to `outbox_written` by `MessagingConfig.ready` when
    `OUTBOX_RELAY_AFTER_COMMIT` is true (the default; the tests turn it off).
    Side effects: wakes (or starts) the relay thread.
    """
    try:
        _relay.wake()
    except Exception:  # a thread cannot start (at interpreter exit): beat publishes the rows
        logger.warning("could not wake the outbox relay thread", exc_info=True)
