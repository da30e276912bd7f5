"""What the moderation writes share: the audit row, the user's lock, the reason's rules."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.utils import timezone

from shared.accounts.errors import UserNotFound
from shared.accounts.models import User
from shared.moderation.models import (
    MODERATOR_REASON_MAX_LENGTH,
    MODERATOR_REASON_MIN_LENGTH,
    ModerationAction,
)

logger = logging.getLogger(__name__)


def _audit(
    *,
    actor_id: UUID | None,
    action: str,
    target_type: str,
    target_id: UUID,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> ModerationAction:
    entry = ModerationAction.objects.create(
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        reason=reason,
        data=data or {},
    )
    logger.info(
        "moderation action",
        extra={
            "action": action,
            "actor_id": str(actor_id) if actor_id else None,
            "target": f"{target_type}:{target_id}",
        },
    )
    return entry


def _lock_user(user_id: UUID) -> User:
    user = User.objects.select_for_update().filter(id=user_id).first()
    if user is None:
        raise UserNotFound()
    return user


def _clean_reason(value: str, field: str, errors: dict[str, list[str]]) -> str:
    value = (value or "").strip()
    if not MODERATOR_REASON_MIN_LENGTH <= len(value) <= MODERATOR_REASON_MAX_LENGTH:
        errors[field] = [
            f"Give a reason of {MODERATOR_REASON_MIN_LENGTH} to {MODERATOR_REASON_MAX_LENGTH} "
            f"characters ({len(value)} given)."
        ]
    return value


def _valid_reason(value: str, field: str) -> str:
    errors: dict[str, list[str]] = {}
    value = _clean_reason(value, field, errors)
    if errors:
        raise ValidationError(errors)
    return value


def _check_future(
    moment: datetime | None, field: str, now: datetime, errors: dict[str, list[str]]
) -> None:
    if moment is None:
        return
    if timezone.is_naive(moment):
        errors[field] = ["Give a time zone (e.g. 2026-06-01T20:00:00+02:00)."]
    elif moment <= now:
        errors[field] = ["The end time must be in the future."]
