"""Writes of moderation: bans and their end, reports and their handling, content takedowns.

Every function here is a moderator action (or CrewUp acting by itself, for an expiring ban)
and writes one `ModerationAction` audit row in the transaction of the change. The API and the
Django admin console call these same functions, so both paths leave the same trace.

Locking: a ban write locks the user row first, then the user's ban rows, so concurrent bans,
lifts and expiries of one user are served one after the other. A report write locks the
report row first; resolving it may then lock the content or the author (never the reverse).

The interfaces authorize (moderator or admin role, or the admin console's permissions); these
functions check the rules that hold whoever calls: no banning oneself or an admin, reasons of
10-500 characters, an end time in the future.

One module per part: `bans`, `reports`, `removals` (content takedowns) and `console` (the
admin console's rights); `_common` holds the audit row, the user's lock and the reason's
rules they all use. A name with a leading underscore is the package's own: its modules share
it, nothing outside uses it. Callers import the names below from here.
"""

from shared.moderation.services.bans import (
    EXPIRED_LIFT_REASON,
    EXPIRY_BATCH_SIZE,
    ban_expire_due,
    ban_lift,
    user_ban,
    user_unban,
)
from shared.moderation.services.console import (
    CONSOLE_ACTION_PERMISSIONS,
    CONSOLE_APPS,
    MODERATORS_GROUP,
    console_access_sync,
    moderators_group_ensure,
)
from shared.moderation.services.removals import content_remove
from shared.moderation.services.reports import report_create, report_resolve, report_take

__all__ = [
    "CONSOLE_ACTION_PERMISSIONS",
    "CONSOLE_APPS",
    "EXPIRED_LIFT_REASON",
    "EXPIRY_BATCH_SIZE",
    "MODERATORS_GROUP",
    "ban_expire_due",
    "ban_lift",
    "console_access_sync",
    "content_remove",
    "moderators_group_ensure",
    "report_create",
    "report_resolve",
    "report_take",
    "user_ban",
    "user_unban",
]
