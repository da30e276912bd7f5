"""Fill an empty development database with events at real venues in central Helsinki.

Every venue is a place of the OpenStreetMap extract `tiles/extract.sh` gives (so the venue
search finds it, the map's tiles show it, and `test_demo_venues_are_places_of_the_extract`
checks it): one name, one address, one point, whichever week its events fall in. It does not
need the places loaded, so an image without the extract seeds the same events.

Running it again creates nothing new: an event is known by its organizer and its title. An
event of an older demo at another venue (the Luleå one) is moved to this one while it can be.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.gis.geos import Point
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from shared.accounts.services import user_provision_from_claims
from shared.api.errors import ApplicationError
from shared.auth.tokens import TokenClaims
from shared.events.models import Event
from shared.events.services import event_create, event_update

DAYS_AHEAD = 30
LOCAL_TIME_ZONE = ZoneInfo("Europe/Helsinki")
WEEKS = ("week 1", "week 2", "week 3", "week 4")


@dataclass(frozen=True)
class Venue:
    """A place of the extract: its name, display address and point as `load_places` has them."""

    name: str
    address: str
    lat: float
    lng: float
    osm: str  # "node/331112168": where it comes from

    @property
    def location(self) -> Point:
        return Point(self.lng, self.lat, srid=4326)


@dataclass(frozen=True)
class Activity:
    title: str
    event_type: str
    venue: Venue
    description: str
    hour: int
    hours: int
    capacity: int | None


# Parks and squares have no addr:* tags; their display address is the name and the city.
ACTIVITIES = (
    Activity(
        "Pub quiz",
        "bar",
        Venue(
            "Kitty's Public House",
            "Keskuskatu 6, Helsinki",
            60.1694854,
            24.9417328,
            "node/1172807906",
        ),
        "Teams of up to six; the winners drink for free.",
        19,
        3,
        36,
    ),
    Activity(
        "Jazz evening",
        "concert",
        Venue(
            "Musiikkitalo",
            "Mannerheimintie 13A, Helsinki",
            60.173773,
            24.9354908,
            "way/58023634",
        ),
        "A local trio plays standards.",
        20,
        2,
        120,
    ),
    Activity(
        "Techno night",
        "club",
        Venue(
            "Apollo Live Club",
            "Mannerheimintie 16, Helsinki",
            60.1687589,
            24.9388542,
            "node/331112168",
        ),
        "Two floors, guest DJ from Stockholm.",
        22,
        5,
        None,
    ),
    Activity(
        "Board game meetup",
        "party",
        Venue("Cafe Yrjö", "Yrjönkatu 21, Helsinki", 60.1683078, 24.9391341, "node/615217033"),
        "Bring a game or play one of ours.",
        18,
        4,
        24,
    ),
    Activity(
        "Crew dinner",
        "restaurant",
        Venue("Kappeli", "Eteläesplanadi 1, Helsinki", 60.1673894, 24.9503054, "node/1376320188"),
        "Long table, set menu, vegetarian option.",
        19,
        3,
        12,
    ),
    Activity(
        "Sunset walk",
        "outdoor",
        Venue(
            "Esplanadinpuisto",
            "Esplanadinpuisto, Helsinki",
            60.1674787,
            24.9476101,
            "way/28328802",
        ),
        "An easy walk through the centre to the sea; bring warm clothes.",
        17,
        3,
        30,
    ),
    Activity(
        "Ice skating",
        "sports",
        Venue(
            "Rautatientori", "Rautatientori, Helsinki", 60.1712232, 24.9441128, "relation/2919118"
        ),
        "Skates for hire at the rink's hut.",
        15,
        2,
        None,
    ),
    Activity(
        "Open mic",
        "bar",
        Venue("Juttutupa", "Säästöpankinranta 6, Helsinki", 60.178912, 24.9472739, "node/60072323"),
        "Music, poetry, comedy: five minutes each.",
        20,
        3,
        60,
    ),
    Activity(
        "Morning swim",
        "sports",
        Venue(
            "Yrjönkadun uimahalli",
            "Yrjönkatu 21, Helsinki",
            60.1683368,
            24.9390757,
            "node/1380976609",
        ),
        "Lengths at your own pace in the old swimming hall, sauna after.",
        8,
        2,
        16,
    ),
    Activity(
        "Picnic in the park",
        "outdoor",
        Venue(
            "Kaisaniemen puisto",
            "Kaisaniemen puisto, Helsinki",
            60.1747598,
            24.945523,
            "relation/6627217",
        ),
        "Bring something to share; blankets provided.",
        16,
        3,
        10,
    ),
)


class Command(BaseCommand):
    help = "Create 40 demo events at venues in central Helsinki over the next 30 days (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--organizer-sub",
            default="demo-organizer",
            help="Keycloak subject of the demo organizer (made on first run).",
        )
        parser.add_argument("--seed", type=int, default=2025, help="Seed of the random layout.")

    def handle(self, *args: Any, **options: Any) -> None:
        organizer = user_provision_from_claims(
            claims=TokenClaims(
                subject=options["organizer_sub"],
                username=options["organizer_sub"],
                email="",
                given_name="Demo",
                family_name="Organizer",
                roles=frozenset(),
                expires_at=0,
                raw={},
            )
        )
        existing = {
            event.title: event
            for event in Event.objects.filter(organizer=organizer).only(
                "id", "title", "venue_name", "address", "location"
            )
        }
        rng = random.Random(options["seed"])  # noqa: S311 - demo data, not security
        today = timezone.localdate(timezone=LOCAL_TIME_ZONE)
        created = moved = 0
        for week_index, week in enumerate(WEEKS):
            for activity in ACTIVITIES:
                # Draw for every slot, made or not, so the layout does not shift between runs.
                day = today + timedelta(days=1 + week_index * 7 + rng.randrange(7))
                title = f"{activity.title} ({week})"
                venue = activity.venue
                if title in existing:
                    moved += _move_to(existing[title], venue, organizer_id=organizer.id)
                    continue
                starts_at = datetime.combine(day, time(activity.hour), tzinfo=LOCAL_TIME_ZONE)
                event_create(
                    organizer_id=organizer.id,
                    title=title,
                    event_type=activity.event_type,
                    starts_at=starts_at,
                    ends_at=starts_at + timedelta(hours=activity.hours),
                    location=venue.location,
                    description=activity.description,
                    venue_name=venue.name,
                    address=venue.address,
                    capacity=activity.capacity,
                )
                created += 1
        total = len(WEEKS) * len(ACTIVITIES)
        moved_note = f" ({moved} moved to their Helsinki venue)" if moved else ""
        self.stdout.write(
            f"Created {created} demo events; {total - created} were already there{moved_note}."
        )


def _move_to(event: Event, venue: Venue, *, organizer_id: Any) -> int:
    """Put an existing demo event at `venue`; 1 if it moved, 0 if it was there or cannot move."""
    at_venue = (
        event.venue_name == venue.name
        and event.address == venue.address
        and event.location.equals_exact(venue.location, tolerance=1e-7)
    )
    if at_venue:
        return 0
    try:
        event_update(
            event_id=event.id,
            actor_id=organizer_id,
            data={"venue_name": venue.name, "address": venue.address, "location": venue.location},
        )
    except ApplicationError:
        return 0  # cancelled or taken down: it stays where it was
    return 1
