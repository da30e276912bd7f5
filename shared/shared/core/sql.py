"""Reads written in SQL: a cursor that loads rows fast, for the selectors of the hot reads."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, models
from django.db.backends.utils import CursorWrapper
from psycopg import postgres, pq

_TIMESTAMPTZ_LOADER = postgres.adapters.get_loader(
    postgres.types["timestamptz"].oid, pq.Format.TEXT
)


def table(model: type[models.Model]) -> str:
    """The model's table, quoted for SQL: hand-written SQL names no table itself, so a model
    that changes its `db_table` (or an app its label) changes the SQL with it."""
    return connection.ops.quote_name(model._meta.db_table)


@contextmanager
def records_cursor() -> Iterator[CursorWrapper]:
    """A cursor that reads `timestamptz` with psycopg's own (C) loader, not Django's.

    Django's loader is psycopg's pure-Python one with the time zone replaced; a page of events
    has some eighty timestamps. The session's time zone is UTC (Django sets it), so both give
    the same aware datetimes; `test_event_search_item_has_the_fields_of_the_event` compares.
    """
    with connection.cursor() as cursor:
        cursor.cursor.adapters.register_loader("timestamptz", _TIMESTAMPTZ_LOADER)
        yield cursor
