from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.contrib.gis.measure import D
from django.core.management import call_command
from django.utils import timezone

from shared.accounts.models import User
from shared.events.models import Event, Participation, Place
from shared.events.services import place_sync
from shared.testing.osm import helsinki_places

pytestmark = pytest.mark.django_db


# The box of the central Helsinki extract (tiles/extract.sh).
MIN_LNG, MIN_LAT, MAX_LNG, MAX_LAT = 24.9352, 60.1642, 24.9534, 60.1791


def test_seed_demo_events_makes_forty_events_at_helsinki_venues_once() -> None:
    # given
    first_output, second_output = StringIO(), StringIO()
    now = timezone.now()
    # when
    call_command("seed_demo_events", stdout=first_output)
    call_command("seed_demo_events", stdout=second_output)
    # then
    organizer = User.objects.get(keycloak_id="demo-organizer")
    events = list(Event.objects.filter(organizer=organizer))
    assert len(events) == 40
    assert len({event.event_type for event in events}) == 7
    assert all(
        MIN_LNG <= event.lng <= MAX_LNG and MIN_LAT <= event.lat <= MAX_LAT for event in events
    )
    assert all(now < event.starts_at < now + timedelta(days=31) for event in events)
    assert Participation.objects.filter(user=organizer).count() == 40
    assert first_output.getvalue() == "Created 40 demo events; 0 were already there.\n"
    assert second_output.getvalue() == "Created 0 demo events; 40 were already there.\n"


def test_seed_demo_events_puts_each_venue_at_one_point_with_one_address() -> None:
    call_command("seed_demo_events", stdout=StringIO())

    venues: dict[str, set[tuple[str, float, float]]] = {}
    for event in Event.objects.all():
        venues.setdefault(event.venue_name, set()).add((event.address, event.lat, event.lng))
    assert len(venues) == 10
    assert all(len(places) == 1 for places in venues.values())
    for name, places in venues.items():
        ((address, _, _),) = places
        assert address.endswith(", Helsinki")
        assert not address.startswith(f"{name}, {name}")  # not "Ormberget, Ormberget, Luleå"


def test_demo_venues_are_places_of_the_extract() -> None:
    # given
    place_sync(places=helsinki_places())
    # when
    call_command("seed_demo_events", stdout=StringIO())
    # then: each venue is the loaded place of that name, at its point (to a few centimetres)
    for event in Event.objects.all():
        place = Place.objects.annotate(distance=Distance("location", event.location)).get(
            name=event.venue_name, distance__lte=D(m=1)
        )
        assert place.address in {event.address, ""}


def test_seed_demo_events_moves_an_older_demo_event_to_its_venue() -> None:
    # given: the Luleå demo's pub quiz of week 1
    call_command("seed_demo_events", stdout=StringIO())
    quiz = Event.objects.get(title="Pub quiz (week 1)")
    Event.objects.filter(id=quiz.id).update(
        venue_name="Bishops Arms",
        address="Storgatan 17, Luleå",
        location=Point(22.154, 65.584, srid=4326),
    )
    output = StringIO()
    # when
    call_command("seed_demo_events", stdout=output)
    # then
    quiz.refresh_from_db()
    assert (quiz.venue_name, quiz.address) == ("Kitty's Public House", "Keskuskatu 6, Helsinki")
    assert (quiz.lat, quiz.lng) == (60.1694854, 24.9417328)
    assert output.getvalue() == (
        "Created 0 demo events; 40 were already there (1 moved to their Helsinki venue).\n"
    )


def test_seed_demo_events_uses_the_given_organizer() -> None:
    call_command("seed_demo_events", "--organizer-sub", "someone-else", stdout=StringIO())

    assert Event.objects.filter(organizer__keycloak_id="someone-else").count() == 40
    assert not User.objects.filter(keycloak_id="demo-organizer").exists()
