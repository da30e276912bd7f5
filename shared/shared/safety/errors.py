"""The business-rule refusals of the safety app.

An alert the viewer may not see (not the sender, not in one of its crews, not a moderator)
is `AlertNotFound`, never a 403: its existence is not revealed. A 403 is for a visible alert
where the viewer lacks the standing (a member trying to cancel someone else's alert).
"""

from __future__ import annotations

from shared.api.errors import (
    ApplicationError,
    Conflict,
    NotFound,
    PermissionDenied,
    TooManyRequests,
)


class AlertNotFound(NotFound):
    code = "alert_not_found"
    message = "No such alert."


class AlertNotOpen(Conflict):
    code = "alert_not_open"
    message = "The alert is no longer open."


class NotAlertSender(PermissionDenied):
    code = "not_alert_sender"
    message = "Only the person who raised the alert can do this."


class NotAllowedToResolve(PermissionDenied):
    code = "not_alert_sender_or_crew_admin"
    message = "Only the person who raised the alert or an admin of one of its crews can resolve it."


class NotAlertCrewMember(PermissionDenied):
    code = "not_crew_member"
    message = "Only members of the alert's crews can acknowledge it."


class CannotAcknowledgeOwnAlert(ApplicationError):
    code = "cannot_acknowledge_own_alert"
    message = "You raised this alert; your crew acknowledges it."


class CancelWindowPassed(Conflict):
    code = "cancel_window_passed"
    message = "An alert can only be cancelled shortly after it was raised; resolve it instead."


class AlertRateLimited(TooManyRequests):
    message = "Too many alerts in a short time; your crew already has the earlier ones."


class CheckInTimerNotFound(NotFound):
    code = "checkin_timer_not_found"
    message = "No such check-in timer."


class CheckInTimerNotActive(Conflict):
    code = "checkin_timer_not_active"
    message = "The check-in timer has already been checked in, cancelled or fired."


class CheckInTimerExists(Conflict):
    code = "checkin_timer_exists"
    message = "You already have an active check-in timer for this crew; extend it instead."


class AckTokenInvalid(PermissionDenied):
    code = "acknowledgement_token_invalid"
    message = "This acknowledgement link has expired or was used already; open the app to answer."
