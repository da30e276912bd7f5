"""Reads on accounts."""

from __future__ import annotations

from uuid import UUID

from shared.accounts.models import User


def user_get(*, user_id: UUID) -> User | None:
    """Return the user with this id, or None."""
    return User.objects.filter(id=user_id).first()
