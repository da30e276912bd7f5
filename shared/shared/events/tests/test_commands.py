from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.utils import timezone

from shared.accounts.models import User
from shared.events.models import Event, Participation

pytestmark = pytest.mark.django_db


def test_seed_demo_events_makes_forty_events_around_lulea_once() -> None:
    # given
    first_output, second_output = StringIO(), StringIO()
    now = timezone.now()
    # when
    call_command("seed_demo_events", stdout=first_output)
    call_command("seed_demo_events", stdout=second_output)
    # then
    organizer = User.objects.get(keycloak_id="demo-organizer")
    events = Event.objects.filter(organizer=organizer).annotate(
        distance=Distance("location", Point(22.154, 65.584, srid=4326))
    )
    assert events.count() == 40
    assert len({event.event_type for event in events}) == 7
    assert all(event.distance.km <= 10.0 for event in events)
    assert all(now < event.starts_at < now + timedelta(days=31) for event in events)
    assert Participation.objects.filter(user=organizer).count() == 40
    assert first_output.getvalue() == "Created 40 demo events; 0 were already there.\n"
    assert second_output.getvalue() == "Created 0 demo events; 40 were already there.\n"


def test_seed_demo_events_uses_the_given_organizer() -> None:
    call_command("seed_demo_events", "--organizer-sub", "someone-else", stdout=StringIO())

    assert Event.objects.filter(organizer__keycloak_id="someone-else").count() == 40
    assert not User.objects.filter(keycloak_id="demo-organizer").exists()
