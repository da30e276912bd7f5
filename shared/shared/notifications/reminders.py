"""Event reminders: 24 hours and 2 hours before an event starts, to everyone going.

A reminder is a fact of time, so nothing emits it when an event changes: the user service's
beat runs `event_reminders_issue` every `NOTIFICATION_REMINDER_SWEEP_SECONDS`. Each run finds
the scheduled events whose reminder window has opened and that have no `EventReminder` for
that lead *and start time*, records one, and writes an `event.reminder_due` domain event to
the outbox in the same transaction; the notifier fans it out to everyone going.

- A worker restart loses nothing (the next sweep finds what is due) and repeats nothing (the
  record, and the notifications' dedupe key, make each reminder once).
- Moving an event makes its reminders due again at the new time (a new start time is a new
  key); a notifier handling an old reminder of a moved event drops it.
- A cancelled event gets no reminder (only scheduled events are swept); its cancellation is
  an `event.cancelled` notification instead.
- The windows do not overlap: the day-before reminder is due from 24 h to 2 h before the
  start, the two-hour one from 2 h to the start. An event created an hour before it starts
  gets only the two-hour one; a sweep that was down for a day sends only what is still useful.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from shared.events.models import Event, EventStatus, Participation, ParticipationStatus
from shared.messaging.outbox import outbox_enqueue
from shared.messaging.schemas import EventReminderDue
from shared.notifications.models import EventReminder, ReminderLead

# Lead → (window opens this long before the start, closes this long before it).
WINDOWS = {
    ReminderLead.DAY: (timedelta(hours=24), timedelta(hours=2)),
    ReminderLead.TWO_HOURS: (timedelta(hours=2), timedelta(0)),
}
# Sweeps running at once (two beats by mistake, a slow run overlapping the next) take turns.
_SWEEP_LOCK_KEY = 0x72656D696E64  # "remind"


def event_reminders_due(*, now: datetime, lead: ReminderLead, limit: int) -> list[Event]:
    """Scheduled events with someone going whose `lead` reminder is due and not yet issued."""
    opens, closes = WINDOWS[lead]
    return list(
        Event.objects.filter(
            status=EventStatus.SCHEDULED,
            removed_at__isnull=True,
            starts_at__gt=now + closes,
            starts_at__lte=now + opens,
        )
        .filter(
            Exists(
                Participation.objects.filter(
                    event_id=OuterRef("pk"), status=ParticipationStatus.GOING
                )
            )
        )
        .exclude(
            Exists(
                EventReminder.objects.filter(
                    event_id=OuterRef("pk"), lead=lead, starts_at=OuterRef("starts_at")
                )
            )
        )
        .only("id", "starts_at")
        .order_by("starts_at", "id")[:limit]
    )


def event_reminders_issue(*, now: datetime | None = None, limit: int = 2000) -> int:
    """Issue every reminder that is due; return how many were issued.

    Side effects: one `event.reminder_due` outbox row per reminder (published after commit).
    """
    now = now or timezone.now()
    issued = 0
    for lead in WINDOWS:
        while True:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SWEEP_LOCK_KEY])
                due = event_reminders_due(now=now, lead=lead, limit=limit)
                EventReminder.objects.bulk_create(
                    [EventReminder(event_id=e.id, lead=lead, starts_at=e.starts_at) for e in due]
                )
                for event in due:
                    outbox_enqueue(
                        event=EventReminderDue(
                            calendar_event_id=event.id, lead=lead.value, starts_at=event.starts_at
                        )
                    )
            issued += len(due)
            if len(due) < limit:
                break
    return issued
