"""Fill an empty development database with events around Luleå, through the services.

Running it again creates nothing new: an event is known by its organizer and its title.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.gis.geos import Point
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from shared.accounts.services import user_provision_from_claims
from shared.auth.tokens import TokenClaims
from shared.events.models import Event
from shared.events.services import event_create

LULEA_LAT, LULEA_LNG = 65.584, 22.154
RADIUS_KM = 9.5  # the flat offset errs by a few per cent; stay inside 10 km
DAYS_AHEAD = 30
LOCAL_TIME_ZONE = ZoneInfo("Europe/Stockholm")
WEEKS = ("week 1", "week 2", "week 3", "week 4")


@dataclass(frozen=True)
class Activity:
    title: str
    event_type: str
    venue_name: str
    address: str
    description: str
    hour: int
    hours: int
    capacity: int | None


ACTIVITIES = (
    Activity(
        "Pub quiz",
        "bar",
        "Bishops Arms",
        "Storgatan 17, Luleå",
        "Teams of up to six; the winners drink for free.",
        19,
        3,
        36,
    ),
    Activity(
        "Jazz evening",
        "concert",
        "Kulturens hus",
        "Skeppsbrogatan 17, Luleå",
        "A local trio plays standards.",
        20,
        2,
        120,
    ),
    Activity(
        "Techno night",
        "club",
        "Nöjesfabriken",
        "Storgatan 45, Luleå",
        "Two floors, guest DJ from Stockholm.",
        22,
        5,
        None,
    ),
    Activity(
        "Board game meetup",
        "party",
        "Spelhörnan",
        "Kungsgatan 20, Luleå",
        "Bring a game or play one of ours.",
        18,
        4,
        24,
    ),
    Activity(
        "Crew dinner",
        "restaurant",
        "Hemmagastronomi",
        "Norra Strandgatan 1, Luleå",
        "Long table, set menu, vegetarian option.",
        19,
        3,
        12,
    ),
    Activity(
        "Sunset hike",
        "outdoor",
        "Ormberget",
        "Ormberget, Luleå",
        "Easy trail, about 6 km; bring warm clothes.",
        17,
        3,
        30,
    ),
    Activity(
        "Ice skating",
        "sports",
        "Isbanan Norra hamn",
        "Norra hamn, Luleå",
        "Skates for hire at the hut.",
        15,
        2,
        None,
    ),
    Activity(
        "Open mic",
        "bar",
        "Ölkompaniet",
        "Nygatan 8, Luleå",
        "Music, poetry, comedy: five minutes each.",
        20,
        3,
        60,
    ),
    Activity(
        "Padel social",
        "sports",
        "Padel Center Luleå",
        "Midgårdsvägen 7, Luleå",
        "Mixed levels; rackets available.",
        18,
        2,
        16,
    ),
    Activity(
        "Sauna and swim",
        "outdoor",
        "Gültzauudden",
        "Gültzauudden, Luleå",
        "Wood-fired sauna by the water.",
        16,
        3,
        10,
    ),
)


def _point_near(rng: random.Random, km: float) -> Point:
    """A point at most `km` from the centre of Luleå (flat-earth offset: fine at 10 km)."""
    distance = km * math.sqrt(rng.random())
    bearing = rng.uniform(0, 2 * math.pi)
    lat = LULEA_LAT + distance * math.cos(bearing) / 111.2
    lng = LULEA_LNG + distance * math.sin(bearing) / (111.2 * math.cos(math.radians(LULEA_LAT)))
    return Point(round(lng, 6), round(lat, 6), srid=4326)


class Command(BaseCommand):
    help = "Create about 40 demo events around Luleå over the next 30 days (idempotent)."

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
        existing = set(Event.objects.filter(organizer=organizer).values_list("title", flat=True))
        rng = random.Random(options["seed"])  # noqa: S311 - demo data, not security
        today = timezone.localdate(timezone=LOCAL_TIME_ZONE)
        created = 0
        for week_index, week in enumerate(WEEKS):
            for activity in ACTIVITIES:
                # Draw for every slot, made or not, so the layout does not shift between runs.
                day = today + timedelta(days=1 + week_index * 7 + rng.randrange(7))
                location = _point_near(rng, RADIUS_KM)
                title = f"{activity.title} ({week})"
                if title in existing:
                    continue
                starts_at = datetime.combine(day, time(activity.hour), tzinfo=LOCAL_TIME_ZONE)
                event_create(
                    organizer_id=organizer.id,
                    title=title,
                    event_type=activity.event_type,
                    starts_at=starts_at,
                    ends_at=starts_at + timedelta(hours=activity.hours),
                    location=location,
                    description=activity.description,
                    venue_name=activity.venue_name,
                    address=activity.address,
                    capacity=activity.capacity,
                )
                created += 1
        total = len(WEEKS) * len(ACTIVITIES)
        self.stdout.write(f"Created {created} demo events; {total - created} were already there.")
