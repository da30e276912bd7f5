"""Work a process does right after a commit, on a thread of its own: no request waits for it.

For side effects that must not hold up the answer but should still happen at once, such as
an alert's notice into each crew's chat, which goes over HTTP to the group service. Jobs run
one after another, in the order they were handed over. A process that forks (gunicorn's
workers) starts its own thread on first use. Whatever a job cannot do must be caught up by a
periodic sweep of its own: a process can die with jobs still queued.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable

from django.db import close_old_connections, connections

logger = logging.getLogger(__name__)

Job = Callable[[], None]

# A thread keeps its database connection from one job to the next, and closes it after this
# long with nothing to do. Closed after every job instead, each alert's notices opened a new
# connection: under the load mix their first query averaged 20 ms in PostgreSQL (a new backend
# loads its catalogue, and has nothing prepared), against 0.8 ms on a kept one.
IDLE_SECONDS = 60.0


class BackgroundJobs:
    """One daemon thread per process that runs the jobs handed to it, in order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._queue: queue.SimpleQueue[Job] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def submit(self, job: Job) -> None:
        """Run `job` soon on this process's thread, starting the thread if needed.

        Raises:
            RuntimeError: no thread can be started (the interpreter is exiting).
        """
        with self._lock:
            if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
                self._pid = os.getpid()
                self._queue = queue.SimpleQueue()
                self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
                self._thread.start()
            self._queue.put(job)

    def _loop(self) -> None:
        jobs = self._queue
        while True:
            try:
                job = jobs.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                connections.close_all()
                continue
            try:
                job()
            except Exception:  # each job handles its own failures; this is the last net
                logger.exception("background job failed", extra={"jobs": self.name})
            finally:
                close_old_connections()  # one broken or past CONN_MAX_AGE is not kept
