"""The business-rule refusals of the groups (crews) app.

A crew the viewer may not see (private and not theirs, or removed) is `GroupNotFound`, never a
403: its existence is not revealed. A 403 is for a visible crew where the viewer lacks the role.
"""

from __future__ import annotations

from shared.api.errors import ApplicationError, Conflict, NotFound, PermissionDenied


class GroupNotFound(NotFound):
    """No such crew, or one the viewer may not see."""

    code = "group_not_found"
    message = "No such crew."


class GroupAlreadyRemoved(Conflict):
    code = "group_already_removed"
    message = "The crew has already been removed."


class NotGroupAdmin(PermissionDenied):
    code = "not_group_admin"
    message = "Only the crew's owner and admins can do this."


class NotGroupOwner(PermissionDenied):
    code = "not_group_owner"
    message = "Only the crew's owner can do this."


class CannotRemoveOwner(PermissionDenied):
    code = "cannot_remove_owner"
    message = "The owner cannot be removed from the crew."


class CannotRemoveSelf(ApplicationError):
    code = "cannot_remove_self"
    message = "To remove yourself, leave the crew."


class AlreadyOwner(ApplicationError):
    code = "already_owner"
    message = "You already own this crew."


class MembershipNotFound(NotFound):
    code = "membership_not_found"
    message = "This user is not a member of the crew."


class AlreadyMember(Conflict):
    code = "already_member"
    message = "You are already a member of this crew."


class GroupFull(Conflict):
    code = "group_full"
    message = "The crew is full."


class GroupNotOpen(Conflict):
    code = "group_not_open"
    message = "This crew cannot be joined directly; ask to join or use an invite."


class JoinRequestsClosed(Conflict):
    code = "join_requests_closed"
    message = "This crew does not take join requests."


class OwnerMustTransfer(Conflict):
    code = "owner_must_transfer"
    message = "Hand over ownership to another member before leaving."


class OwnerRoleFixed(Conflict):
    code = "owner_role_fixed"
    message = "The owner's role changes only by handing over ownership."


class CapacityBelowMembers(Conflict):
    code = "capacity_below_members"
    message = "The crew cannot be made smaller than its number of members."


class JoinRequestNotFound(NotFound):
    code = "join_request_not_found"
    message = "No such join request in this crew."


class NotJoinRequestAuthor(PermissionDenied):
    code = "not_join_request_author"
    message = "Only the person who asked can cancel a join request."


class JoinRequestNotPending(Conflict):
    code = "join_request_not_pending"
    message = "This join request has already been decided or cancelled."


class InviteNotFound(NotFound):
    """No invite with this id in the crew, or no invite for this token."""

    code = "invite_not_found"
    message = "No such invite."


class InviteRevoked(Conflict):
    code = "invite_revoked"
    message = "This invite has been revoked."


class InviteExpired(Conflict):
    code = "invite_expired"
    message = "This invite has expired."


class InviteUsedUp(Conflict):
    code = "invite_used_up"
    message = "This invite has been used as many times as it allows."


class FieldNotUpdatable(ApplicationError):
    code = "field_not_updatable"
    message = "These fields cannot be changed."
