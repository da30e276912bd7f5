"""Factories of the safety app: alerts with their crews, answers, trail points and timers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from shared.accounts.tests.factories import UserFactory
from shared.events.tests.factories import LULEA
from shared.groups.tests.factories import GroupFactory
from shared.safety.models import (
    AcknowledgementKind,
    Alert,
    AlertAcknowledgement,
    AlertStatus,
    AlertTarget,
    AlertType,
    CheckInStatus,
    CheckInTimer,
    LocationPoint,
)
from shared.testing.factories import point_near


class AlertFactory(factory.django.DjangoModelFactory):
    """An open alert; `crews=[group, ...]` adds its targets (none by default)."""

    class Meta:
        model = Alert
        skip_postgeneration_save = True

    sender = factory.SubFactory(UserFactory)
    alert_type = AlertType.HELP
    message = ""
    location = factory.LazyFunction(lambda: point_near(*LULEA, 2))
    status = AlertStatus.OPEN

    @factory.post_generation
    def crews(obj: Alert, create: bool, extracted: Any, **kwargs: Any) -> None:  # noqa: N805
        if create and extracted:
            for group in extracted:
                AlertTargetFactory(alert=obj, group=group)


def event_details_of(event: Any) -> dict[str, Any]:
    """What the event service's detail says of an event, as an alert keeps it."""
    return {
        "id": str(event.id),
        "title": event.title,
        "event_type": event.event_type,
        "status": event.status,
        "starts_at": event.starts_at.isoformat(),
        "ends_at": event.ends_at.isoformat(),
        "venue_name": event.venue_name,
        "address": event.address,
    }


class AlertTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AlertTarget

    alert = factory.SubFactory(AlertFactory)
    group = factory.SubFactory(GroupFactory)
    event_id = factory.LazyAttribute(lambda target: target.group.event_id)
    event_details = factory.LazyAttribute(lambda target: event_details_of(target.group.event))
    delivered_at = factory.LazyFunction(timezone.now)


class AlertAcknowledgementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AlertAcknowledgement

    alert = factory.SubFactory(AlertFactory)
    user = factory.SubFactory(UserFactory)
    kind = AcknowledgementKind.SEEN


class LocationPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LocationPoint

    alert = factory.SubFactory(AlertFactory)
    point = factory.LazyFunction(lambda: point_near(*LULEA, 2))
    recorded_at = factory.LazyFunction(timezone.now)
    accuracy_m = 10.0


class CheckInTimerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CheckInTimer

    user = factory.SubFactory(UserFactory)
    group = factory.SubFactory(GroupFactory)
    due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=1))
    status = CheckInStatus.ACTIVE
