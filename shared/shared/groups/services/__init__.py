"""Writes on crews: create and update, joining (open, by request, by invite), leaving, roles.

Locking: every write first locks the crew row (`SELECT ... FOR UPDATE`). Every write to a
crew's memberships, join requests and invites holds that lock, so the crew row guards them
all: `member_count`, the capacity check and the roles read under it are the truth, and two
users racing for the last place are served one after the other (the second gets
`GroupFull`). `group_create` locks the event row instead (no crew exists yet), so a crew
cannot be made for an event cancelled in the same instant; nothing else here locks events,
so there is one lock order.

Roles: the owner administers and alone promotes, demotes, removes admins and hands over
ownership; admins decide join requests, manage invites, edit the crew and remove plain
members.

Side effects, all after commit: `shared.groups.events.member_joined` / `member_left` for
every membership added or removed (the creator included), and `groups_created_total`.

One module per part: `crews`, `membership` (joining an open crew, leaving, roles; and how the
last member's leaving closes the crew), `join_requests` and `invites`; `_common` holds the
crew's lock, the role checks, adding a member and taking a crew down, which several of them
use. A name with a leading underscore is the package's own: its modules share it, nothing
outside uses it. Callers import the names below from here.
"""

from shared.groups.services.crews import (
    DESCRIPTION_MAX_LENGTH,
    GROUP_UPDATABLE_FIELDS,
    REMOVAL_REASON_MAX_LENGTH,
    group_create,
    group_remove,
    group_update,
)
from shared.groups.services.invites import (
    INVITE_TOKEN_BYTES,
    group_join_by_invite,
    invite_create,
    invite_revoke,
    invite_token_hash,
)
from shared.groups.services.join_requests import (
    join_request_approve,
    join_request_cancel,
    join_request_create,
    join_request_reject,
)
from shared.groups.services.membership import (
    DISSOLVED_REASON,
    group_join,
    group_leave,
    group_member_remove,
    group_member_set_role,
    group_transfer_ownership,
)

__all__ = [
    "DESCRIPTION_MAX_LENGTH",
    "DISSOLVED_REASON",
    "GROUP_UPDATABLE_FIELDS",
    "INVITE_TOKEN_BYTES",
    "REMOVAL_REASON_MAX_LENGTH",
    "group_create",
    "group_join",
    "group_join_by_invite",
    "group_leave",
    "group_member_remove",
    "group_member_set_role",
    "group_remove",
    "group_transfer_ownership",
    "group_update",
    "invite_create",
    "invite_revoke",
    "invite_token_hash",
    "join_request_approve",
    "join_request_cancel",
    "join_request_create",
    "join_request_reject",
]
