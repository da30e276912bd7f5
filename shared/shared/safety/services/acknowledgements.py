"""A crew member's answer to an open alert: seen, on my way, with them.

Given in the app, or with the single-use token of a push notification. An answer is
transient: it reaches the crews' live sockets through the channel layer, and the sender
through the `alert.acknowledged` event.
"""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from shared.messaging.outbox import outbox_enqueue
from shared.messaging.schemas import AlertAcknowledged
from shared.safety import live
from shared.safety.ack_tokens import ack_token_read
from shared.safety.errors import (
    AckTokenInvalid,
    AlertNotOpen,
    CannotAcknowledgeOwnAlert,
    NotAlertCrewMember,
)
from shared.safety.models import AcknowledgementKind, AcknowledgementTokenUse, AlertAcknowledgement
from shared.safety.selectors import alert_crew_roles
from shared.safety.services._common import _crew_ids, _visible_locked_alert


@transaction.atomic
def alert_acknowledge(
    *, alert_id: UUID, user_id: UUID, kind: str, user_is_moderator: bool = False
) -> AlertAcknowledgement:
    """Record (or change) a crew member's answer to an open alert: seen, on my way, with them.

    Raises:
        AlertNotFound: the user may not see the alert.
        CannotAcknowledgeOwnAlert: the sender answering their own alert.
        NotAlertCrewMember: a moderator outside the alert's crews.
        AlertNotOpen: the alert was resolved or cancelled.
        ValidationError: an unknown kind.
    Side effects: on commit, an `acknowledged` change to the crews' live sockets (the sender
        sees who answered).
    """
    if kind not in AcknowledgementKind.values:
        raise ValidationError(
            {"kind": [f"Choose one of: {', '.join(AcknowledgementKind.values)}."]}
        )
    alert = _visible_locked_alert(
        alert_id=alert_id, viewer_id=user_id, viewer_is_moderator=user_is_moderator
    )
    if alert.sender_id == user_id:
        raise CannotAcknowledgeOwnAlert()
    if not alert_crew_roles(alert_id=alert_id, user_id=user_id):
        raise NotAlertCrewMember()
    if not alert.is_open:
        raise AlertNotOpen()
    acknowledgement, _ = AlertAcknowledgement.objects.update_or_create(
        alert_id=alert_id, user_id=user_id, defaults={"kind": kind}
    )
    acknowledgement = AlertAcknowledgement.objects.select_related("user").get(pk=acknowledgement.pk)
    payload = {"acknowledgement": live.acknowledgement_payload(acknowledgement)}
    group_ids = _crew_ids(alert_id)
    outbox_enqueue(
        event=AlertAcknowledged(
            alert_id=alert_id, sender_id=alert.sender_id, user_id=user_id, acknowledgement=kind
        )
    )
    transaction.on_commit(
        lambda: live.broadcast_change(
            alert_id=alert_id, group_ids=group_ids, change="acknowledged", payload=payload
        )
    )
    return acknowledgement


@transaction.atomic
def alert_acknowledge_with_token(*, alert_id: UUID, token: str, kind: str) -> AlertAcknowledgement:
    """Answer an alert with a push notification's single-use token (see `ack_tokens`).

    The token stands for its member: the same rules as `alert_acknowledge` apply to them, and
    they must not be banned or erased.

    Raises:
        AckTokenInvalid: a token that is forged, expired, for another alert, already used, or
            of a member who may no longer answer (banned, erased).
        The errors of `alert_acknowledge`.
    Side effects: those of `alert_acknowledge`; the token's nonce recorded as used.
    """
    from shared.accounts.models import User

    grant = ack_token_read(token=token, alert_id=alert_id)
    if grant is None:
        raise AckTokenInvalid()
    user = (
        User.objects.filter(id=grant.user_id)
        .only("id", "is_banned", "banned_until", "deleted_at")
        .first()
    )
    if user is None or user.is_deleted or user.is_banned_at():
        raise AckTokenInvalid()
    try:
        with transaction.atomic():
            AcknowledgementTokenUse.objects.create(nonce=grant.nonce, alert_id=alert_id)
    except IntegrityError:
        raise AckTokenInvalid() from None
    return alert_acknowledge(alert_id=alert_id, user_id=grant.user_id, kind=kind)
