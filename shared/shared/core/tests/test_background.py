"""Background jobs keep their thread's database connection while busy, and close it when idle."""

from __future__ import annotations

import queue
import time

import pytest
from django.db import connection

from shared.core import background
from shared.core.background import BackgroundJobs

pytestmark = pytest.mark.django_db(transaction=True)


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def backend_alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
        return bool(cursor.fetchone()[0])


def test_the_thread_keeps_its_connection_between_jobs_and_closes_it_when_idle(monkeypatch):
    monkeypatch.setattr(background, "IDLE_SECONDS", 0.5)
    jobs = BackgroundJobs("test-jobs")
    seen: queue.SimpleQueue[int] = queue.SimpleQueue()

    jobs.submit(lambda: seen.put(backend_pid()))
    first = seen.get(timeout=10)
    jobs.submit(lambda: seen.put(backend_pid()))
    second = seen.get(timeout=10)

    assert second == first  # the same PostgreSQL backend: no new connection per job
    deadline = time.monotonic() + 10
    while backend_alive(first) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not backend_alive(first)  # closed after IDLE_SECONDS with nothing to do


def test_a_connection_that_broke_in_a_job_is_not_kept_for_the_next():
    jobs = BackgroundJobs("test-jobs")
    seen: queue.SimpleQueue[int] = queue.SimpleQueue()

    def breaks_its_connection() -> None:
        seen.put(backend_pid())
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    jobs.submit(breaks_its_connection)
    broken = seen.get(timeout=10)
    jobs.submit(lambda: seen.put(backend_pid()))

    assert seen.get(timeout=10) != broken  # the next job connected again, and did not fail
