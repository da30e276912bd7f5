"""Factories for events and RSVPs that keep the services' invariants.

`EventFactory` makes the organizer a going participant (as `event_create` does) and
`ParticipationFactory` bumps the event's counter, so a test may set up a full event or a
waitlist without going through the services.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.db.models import F
from django.utils import timezone

from shared.accounts.tests.factories import UserFactory
from shared.events.models import (
    Event,
    EventStatus,
    EventType,
    EventVisibility,
    OsmType,
    Participation,
    ParticipationStatus,
    Place,
    PlaceKind,
)
from shared.testing.factories import point_near

LULEA = (65.584, 22.154)
# Central Helsinki, inside the extract `tiles/extract.sh` gives.
HELSINKI = (60.1699, 24.9441)

_COUNTER_OF_STATUS = {
    ParticipationStatus.GOING: "going_count",
    ParticipationStatus.INTERESTED: "interested_count",
    ParticipationStatus.WAITLISTED: "waitlist_count",
}


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Event {n}")
    description = ""
    event_type = EventType.BAR
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
    ends_at = factory.LazyAttribute(lambda event: event.starts_at + timedelta(hours=3))
    venue_name = "Bishops Arms"
    address = "Storgatan 1, Luleå"
    location = factory.LazyFunction(lambda: point_near(*LULEA, 5))
    capacity = None
    visibility = EventVisibility.PUBLIC
    status = EventStatus.SCHEDULED
    cancelled_at = factory.LazyAttribute(
        lambda event: timezone.now() if event.status == EventStatus.CANCELLED else None
    )
    organizer = factory.SubFactory(UserFactory)
    going_count = 1

    @factory.post_generation
    def organizer_going(obj: Event, create: bool, extracted: Any, **kwargs: Any) -> None:  # noqa: N805
        if create:
            Participation.objects.create(
                event=obj, user=obj.organizer, status=ParticipationStatus.GOING
            )


class ParticipationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participation

    event = factory.SubFactory(EventFactory)
    user = factory.SubFactory(UserFactory)
    status = ParticipationStatus.GOING
    waitlisted_at = factory.LazyAttribute(
        lambda participation: (
            timezone.now() if participation.status == ParticipationStatus.WAITLISTED else None
        )
    )

    @classmethod
    def _create(cls, model_class: type[Participation], *args: Any, **kwargs: Any) -> Participation:
        participation = super()._create(model_class, *args, **kwargs)
        counter = _COUNTER_OF_STATUS[ParticipationStatus(participation.status)]
        Event.objects.filter(id=participation.event_id).update(**{counter: F(counter) + 1})
        participation.event.refresh_from_db(fields=[counter])
        return participation


class PlaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Place

    osm_type = OsmType.NODE
    osm_id = factory.Sequence(lambda n: 10_000_000_000 + n)
    name = factory.Sequence(lambda n: f"Place {n}")
    kind = PlaceKind.BAR
    address = ""
    location = factory.LazyFunction(lambda: point_near(*HELSINKI, 1))
