"""Hand-built JSON of the hot reads: what DRF's fields render, without their cost per field.

A list page renders hundreds of values; DRF's fields look the time zone up for each datetime
and build the serializer's fields anew for each response. The output serializers keep their
declared fields for the OpenAPI schema, and a test per serializer keeps both equal.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol
from uuid import UUID


def iso_datetime(moment: datetime | None) -> str | None:
    """The same text DRF's DateTimeField renders with TIME_ZONE = "UTC": ISO 8601 ending in `Z`."""
    if moment is None:
        return None
    text = moment.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class ShownUser(Protocol):
    """A user as others see them: a `User`, or a `UserSummary` read in SQL."""

    @property
    def id(self) -> UUID: ...

    @property
    def username(self) -> str: ...

    @property
    def display_name(self) -> str: ...


def user_summary(user: ShownUser | None) -> dict[str, Any] | None:
    """`{id, username, display_name}` of a user (None for none, e.g. an erased author)."""
    if user is None:
        return None
    return {"id": str(user.id), "username": user.username, "display_name": user.display_name}
