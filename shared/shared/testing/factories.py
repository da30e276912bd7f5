"""Factory helpers shared by every app's factories."""

from __future__ import annotations

import math
import random

from django.contrib.gis.geos import Point

EARTH_RADIUS_KM = 6371.0088


def point_near(lat: float, lng: float, km: float, *, rng: random.Random | None = None) -> Point:
    """A random point at most `km` kilometres from (lat, lng), uniform over the disc."""
    rng = rng or random.Random()  # noqa: S311 - test data, not security
    distance = km * math.sqrt(rng.random()) / EARTH_RADIUS_KM
    bearing = rng.uniform(0, 2 * math.pi)
    lat1, lng1 = math.radians(lat), math.radians(lng)
    lat2 = math.asin(
        math.sin(lat1) * math.cos(distance)
        + math.cos(lat1) * math.sin(distance) * math.cos(bearing)
    )
    lng2 = lng1 + math.atan2(
        math.sin(bearing) * math.sin(distance) * math.cos(lat1),
        math.cos(distance) - math.sin(lat1) * math.sin(lat2),
    )
    return Point(math.degrees(lng2), math.degrees(lat2), srid=4326)
