"""The business-rule refusals of the events app."""

from __future__ import annotations

from shared.api.errors import ApplicationError, Conflict, NotFound, PermissionDenied


class EventNotFound(NotFound):
    """No such event, or one the viewer may not see (a private event is not revealed)."""

    code = "event_not_found"
    message = "No such event."


class NotEventOrganizer(PermissionDenied):
    code = "not_event_organizer"
    message = "Only the organizer can do this."


class EventCancelled(Conflict):
    code = "event_cancelled"
    message = "The event is cancelled."


class EventRemoved(Conflict):
    code = "event_removed"
    message = "The event was removed by a moderator."


class EventAlreadyRemoved(Conflict):
    code = "event_already_removed"
    message = "The event has already been removed."


class EventEnded(Conflict):
    code = "event_ended"
    message = "The event has already ended."


class EventFull(Conflict):
    code = "event_full"
    message = "The event is full; ask for a place on the waitlist instead."


class OrganizerCannotLeave(Conflict):
    code = "organizer_cannot_leave"
    message = "The organizer goes to their own event; cancel it instead."


class NotParticipating(NotFound):
    code = "not_participating"
    message = "You are not taking part in this event."


class CapacityBelowGoing(Conflict):
    code = "capacity_below_going"
    message = "The capacity cannot be lower than the number of people going."


class FieldNotUpdatable(ApplicationError):
    code = "field_not_updatable"
    message = "These fields cannot be changed."
