"""Handlers of the bus events the user service reacts to (consumed by its Celery worker).

Each runs inside the transaction that records the event as processed (shared.messaging), so
the same event delivered twice has the effect of one.
"""

from __future__ import annotations

from shared.accounts.services import user_ban_apply, user_ban_lift
from shared.messaging.schemas import UserBanned, UserUnbanned


def on_user_banned(event: UserBanned) -> None:
    """Mark the account banned until the event's end time; safe to run twice.

    Side effects: the user's next request to any service is refused (403).
    """
    user_ban_apply(
        user_id=event.user_id,
        until=event.until,
        occurred_at=event.occurred_at,
        event_id=event.event_id,
    )


def on_user_unbanned(event: UserUnbanned) -> None:
    """Lift the account's ban unless a newer ban is in force; safe to run twice."""
    user_ban_lift(user_id=event.user_id, occurred_at=event.occurred_at, event_id=event.event_id)
