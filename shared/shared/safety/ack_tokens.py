"""Single-use acknowledgement tokens: answering an alert from a push notification.

A crew member's phone shows an alert's push notification with "Seen" and "On my way". The
service worker that shows it holds no access token (those live in the app's memory), so the
alert's push carries a capability instead: a token the safety service signed for that alert
and that member, which the worker posts back with the answer.

Why it is safe:
- it is signed with the safety service's secret key (Django's signing, HMAC-SHA256, its own
  salt), so nobody else can make one, and it names one alert and one member: it can only
  answer that alert, as that member;
- it expires `SAFETY_ACK_TOKEN_MAX_AGE_SECONDS` after the alert was raised;
- it is single-use: its nonce is recorded with the answer, in one transaction, and a second
  use is refused;
- at use, the same rules as the API's apply: the member must still be in one of the alert's
  crews, not banned, and the alert still open;
- it travels only inside the push message (end-to-end encrypted to that browser, RFC 8291)
  and never in a URL.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from uuid import UUID

from django.conf import settings
from django.core import signing

SALT = "crewup.safety.alert-acknowledgement"


@dataclass(frozen=True)
class AckGrant:
    """What a valid token allows: `user_id` may answer `alert_id`, once (`nonce`)."""

    alert_id: UUID
    user_id: UUID
    nonce: str


def ack_token_mint(*, alert_id: UUID, user_id: UUID) -> str:
    """Return a new single-use token that lets `user_id` answer `alert_id`."""
    return signing.dumps(
        {"a": str(alert_id), "u": str(user_id), "n": secrets.token_urlsafe(12)},
        salt=SALT,
        compress=False,
    )


def ack_token_read(*, token: str, alert_id: UUID) -> AckGrant | None:
    """Return the grant of a valid, unexpired token for `alert_id`, else None.

    Whether it was used already is the caller's check (the nonce).
    """
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.SAFETY_ACK_TOKEN_MAX_AGE_SECONDS)
        grant = AckGrant(alert_id=UUID(data["a"]), user_id=UUID(data["u"]), nonce=str(data["n"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    return grant if grant.alert_id == alert_id else None
