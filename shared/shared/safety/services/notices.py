"""An alert's notices into its crews' chat streams: raised, resolved, cancelled.

After a change commits, the process's notice thread (`shared.core.background`) has the group
service post one notice per crew over HTTP, side by side, within
`SAFETY_DEPENDENCY_BUDGET_SECONDS`; the group service stores each and broadcasts it. A notice
it cannot take goes to the retry hook (`hooks.alert_notice_undelivered`), and beat's sweep
(`alert_notices_redeliver`) catches what the retries could not. A closing notice goes after
the "raised" one. No database transaction is held open across an HTTP call.
"""

from __future__ import annotations

import contextvars
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from functools import partial
from uuid import UUID

from django.conf import settings
from django.utils import timezone

from shared.core.background import BackgroundJobs
from shared.http.client import call_budget
from shared.http.errors import ServiceUnavailable
from shared.http.groups import AlertNoticeReceipt, group_safety_alert_post
from shared.safety import hooks, live
from shared.safety.metrics import SAFETY_ALERT_DELIVERY_SECONDS
from shared.safety.models import AlertStatus, AlertTarget
from shared.safety.selectors import alert_targets_closure_undelivered, alert_targets_undelivered

logger = logging.getLogger(__name__)


# The changes of an alert that become notices in a crew's chat stream.
RAISED = "raised"
RESOLVED = AlertStatus.RESOLVED.value
CANCELLED = AlertStatus.CANCELLED.value
CLOSURES = {AlertStatus.RESOLVED: RESOLVED, AlertStatus.CANCELLED: CANCELLED}
# Notices one change posts at once (one per crew).
MAX_PARALLEL_CALLS = 8

_notices = BackgroundJobs("alert-notices")


def _deliver_soon(*, alert_id: UUID, group_ids: list[UUID], change: str) -> None:
    """Hand the notices of a committed change to this process's notice thread; never raises.

    With `SAFETY_NOTICES_IN_BACKGROUND` off (the tests), they are delivered here and now.
    """
    deliver = partial(_deliver_or_retry, alert_id=alert_id, group_ids=group_ids, change=change)
    if not settings.SAFETY_NOTICES_IN_BACKGROUND:
        deliver()
        return
    try:
        # In a copy of this context: the request id goes along to the group service and the logs.
        _notices.submit(partial(contextvars.copy_context().run, deliver))
    except Exception as error:  # no thread to be had: the retry task delivers them
        for group_id in group_ids:
            _retry_later(alert_id, group_id, change, error)


def _deliver_or_retry(*, alert_id: UUID, group_ids: list[UUID], change: str) -> None:
    """Deliver a notice to each crew now, side by side; hand failures to the retry hook.

    Runs after a commit, on the notice thread (`_deliver_soon`): the alert is stored whatever
    happens here, and the deliveries together get `SAFETY_DEPENDENCY_BUDGET_SECONDS`. Never
    raises. The database is read and written here, in the committing thread; only the calls
    run side by side.
    """
    try:
        targets = list(
            AlertTarget.objects.select_related("alert__sender", "alert__resolved_by").filter(
                alert_id=alert_id, group_id__in=group_ids
            )
        )
    except Exception:  # the database went away after the commit: the sweep catches up
        logger.exception("alert notices not delivered", extra={"alert_id": str(alert_id)})
        for group_id in group_ids:
            hooks.alert_notice_undelivered.fire(alert_id, group_id, change)
        return
    due: list[AlertTarget] = []
    for target in targets:
        if not _notice_due(target, change):
            continue
        if change != RAISED and target.delivered_at is None:
            # A closure goes after the "raised" notice, which is still missing: send it first.
            try:
                alert_notice_deliver(
                    alert_id=target.alert_id, group_id=target.group_id, change=RAISED
                )
            except Exception as error:  # the closure waits for its retry, in order
                _retry_later(target.alert_id, target.group_id, change, error)
                continue
        due.append(target)
    with call_budget(settings.SAFETY_DEPENDENCY_BUDGET_SECONDS):
        if len(due) <= 1:
            outcomes = [_notice_post_safely(target, change) for target in due]
        else:
            with ThreadPoolExecutor(max_workers=min(len(due), MAX_PARALLEL_CALLS)) as pool:
                calls = [
                    pool.submit(contextvars.copy_context().run, _notice_post_safely, target, change)
                    for target in due
                ]
            outcomes = [call.result() for call in calls]
    for target, outcome in zip(due, outcomes, strict=True):
        try:
            if isinstance(outcome, Exception):
                raise outcome
            _notice_record(target, change, outcome)
        except Exception as error:  # the group service is away, or worse: retry, never fail
            _retry_later(target.alert_id, target.group_id, change, error)


def _retry_later(alert_id: UUID, group_id: UUID, change: str, error: Exception) -> None:
    level = logging.WARNING if isinstance(error, ServiceUnavailable) else logging.ERROR
    logger.log(
        level,
        "alert notice not delivered; queueing a retry",
        exc_info=error if level == logging.ERROR else None,
        extra={"alert_id": str(alert_id), "group_id": str(group_id), "change": change},
    )
    hooks.alert_notice_undelivered.fire(alert_id, group_id, change)


def _notice_due(target: AlertTarget, change: str) -> bool:
    """Whether this notice still has to go to the crew (and may go now)."""
    if change == RAISED:
        return target.delivered_at is None
    return (
        CLOSURES.get(AlertStatus(target.alert.status)) == change
        and target.closure_delivered_at is None
    )


def _notice_post(target: AlertTarget, change: str) -> AlertNoticeReceipt | None:
    return group_safety_alert_post(
        group_id=target.group_id,
        alert_id=target.alert_id,
        change=change,
        alert=live.alert_payload(target.alert, target=target),
    )


def _notice_post_safely(target: AlertTarget, change: str) -> AlertNoticeReceipt | Exception | None:
    """The call alone (no database), its failure returned to the committing thread."""
    try:
        return _notice_post(target, change)
    except Exception as error:  # handed back, and retried from there
        return error


def _notice_record(target: AlertTarget, change: str, receipt: AlertNoticeReceipt | None) -> None:
    now = timezone.now()
    if receipt is None:
        logger.warning(
            "crew gone before its alert notice",
            extra={"alert_id": str(target.alert_id), "group_id": str(target.group_id)},
        )
    if change == RAISED:
        AlertTarget.objects.filter(pk=target.pk).update(
            delivered_at=now, message_sequence=receipt.sequence if receipt else None
        )
        if receipt is not None and receipt.created and receipt.broadcast:
            SAFETY_ALERT_DELIVERY_SECONDS.observe(
                max(0.0, time.time() - target.alert.created_at.timestamp())
            )
    else:
        AlertTarget.objects.filter(pk=target.pk).update(closure_delivered_at=now)


def alert_notice_deliver(*, alert_id: UUID, group_id: UUID, change: str) -> bool:
    """Have the group service post one notice of the alert into one crew's chat stream.

    Safe to call again for the same notice: the group service stores each (alert, change)
    once, and a delivered notice is not sent twice from here. A closing notice goes after
    the "raised" one, which is delivered first if it is still missing. Returns False when
    there is nothing to deliver (no such crew of the alert, or a closure the alert has not
    had). Deliberately not one transaction: no row is locked while the group service answers.

    Raises:
        ServiceUnavailable: the group service (or the identity provider) cannot take it now.
    Side effects: a chat message and a `safety.alert` broadcast in the group service; marks
        the crew delivered; observes `safety_alert_delivery_seconds` for a first delivery.
    """
    target = (
        AlertTarget.objects.select_related("alert__sender", "alert__resolved_by")
        .filter(alert_id=alert_id, group_id=group_id)
        .first()
    )
    if target is None:
        return False
    if change != RAISED and CLOSURES.get(AlertStatus(target.alert.status)) != change:
        return False
    if not _notice_due(target, change):
        return True
    if change != RAISED and target.delivered_at is None:
        alert_notice_deliver(alert_id=alert_id, group_id=group_id, change=RAISED)
    _notice_record(target, change, _notice_post(target, change))
    return True


def alert_notices_redeliver(*, now: datetime | None = None, limit: int = 100) -> int:
    """Deliver the notices that have waited longer than `SAFETY_NOTICE_REDELIVER_AFTER_SECONDS`.

    The periodic catch-up for notices whose delivery and retries all failed (the group
    service was down, the broker too). Stops at the first failure: the group service is
    still away, and the next run tries again. Returns how many notices were delivered.

    Side effects: those of `alert_notice_deliver`.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.SAFETY_NOTICE_REDELIVER_AFTER_SECONDS)
    pending = [
        (target, RAISED) for target in alert_targets_undelivered(created_before=cutoff, limit=limit)
    ] + [
        (target, CLOSURES[AlertStatus(target.alert.status)])
        for target in alert_targets_closure_undelivered(closed_before=cutoff, limit=limit)
    ]
    delivered = 0
    for target, change in pending:
        try:
            if alert_notice_deliver(
                alert_id=target.alert_id, group_id=target.group_id, change=change
            ):
                delivered += 1
        except ServiceUnavailable:
            logger.warning("alert notices still undeliverable; next run retries")
            break
    return delivered
