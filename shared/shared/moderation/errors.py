"""The business-rule refusals of moderation."""

from __future__ import annotations

from shared.api.errors import ApplicationError, Conflict, NotFound, PermissionDenied


class CannotBanSelf(ApplicationError):
    code = "cannot_ban_self"
    message = "You cannot ban yourself."


class CannotBanAdmin(PermissionDenied):
    """Admins are managed in the identity provider; no moderator, nor admin, bans one here."""

    code = "cannot_ban_admin"
    message = "An admin cannot be banned."


class UserAlreadyBanned(Conflict):
    code = "user_already_banned"
    message = "The user is already banned; lift that ban first to change it."


class UserNotBanned(Conflict):
    code = "user_not_banned"
    message = "The user is not banned."


class BanNotFound(NotFound):
    code = "ban_not_found"
    message = "No such ban."


class BanAlreadyLifted(Conflict):
    code = "ban_already_lifted"
    message = "This ban has already been lifted or has ended."


class ReportNotFound(NotFound):
    code = "report_not_found"
    message = "No such report."


class ReportClosed(Conflict):
    code = "report_closed"
    message = "This report has already been resolved or dismissed."


class ReportTakenByOther(Conflict):
    code = "report_taken_by_other"
    message = "Another moderator is reviewing this report."


class CannotReportSelf(ApplicationError):
    code = "cannot_report_self"
    message = "You cannot report yourself."


class ContentAlreadyRemoved(Conflict):
    code = "content_already_removed"
    message = "This content has already been removed."
