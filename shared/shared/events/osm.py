"""Read the named places of an OpenStreetMap extract (.osm.pbf) for the venue search (#15).

What is kept: venues people go out to (bars, pubs, cafés, restaurants, nightclubs, theatres,
cinemas, concert halls, arts centres, sports venues, parks, squares), addresses (an object
with `addr:street` and `addr:housenumber`, one per address) and named streets (the ways of
one name merged into one place). Reading touches no database; `place_sync` writes.

An extract is clipped to its region, so some of its ways name nodes it does not hold: a
building or park cut by the edge is placed at the centroid of the nodes the extract has, a
street along the nodes it has, and what has no node inside at all is skipped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import osmium
from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiPoint, Point

from shared.events.models import OsmType, PlaceKind

# Tag value → kind. The first of these keys an object has decides.
VENUE_KINDS: dict[str, dict[str, PlaceKind]] = {
    "amenity": {
        "bar": PlaceKind.BAR,
        "pub": PlaceKind.PUB,
        "biergarten": PlaceKind.PUB,
        "cafe": PlaceKind.CAFE,
        "restaurant": PlaceKind.RESTAURANT,
        "nightclub": PlaceKind.NIGHTCLUB,
        "theatre": PlaceKind.THEATRE,
        "cinema": PlaceKind.CINEMA,
        "concert_hall": PlaceKind.CONCERT_HALL,
        "arts_centre": PlaceKind.ARTS_CENTRE,
        "events_venue": PlaceKind.ARTS_CENTRE,
    },
    "leisure": {
        "park": PlaceKind.PARK,
        "garden": PlaceKind.PARK,
        "stadium": PlaceKind.SPORTS,
        "sports_centre": PlaceKind.SPORTS,
        "sports_hall": PlaceKind.SPORTS,
    },
    "place": {"square": PlaceKind.SQUARE},
}

# Roads a street name is taken from; paths, cycleways and steps are not addresses.
STREET_HIGHWAYS = frozenset(
    {
        "trunk",
        "primary",
        "secondary",
        "tertiary",
        "unclassified",
        "residential",
        "living_street",
        "pedestrian",
        "service",
    }
)

NAME_MAX_LENGTH = 200
ADDRESS_MAX_LENGTH = 300


@dataclass(frozen=True)
class PlaceData:
    """One place as read from the extract, before it is stored."""

    osm_type: str
    osm_id: int
    name: str
    kind: str
    address: str
    lng: float
    lat: float


class ExtractError(Exception):
    """The extract cannot be read (no such file, not an OSM file)."""


@dataclass
class _Street:
    osm_id: int
    points: list[tuple[float, float]]


@dataclass(frozen=True)
class _Found:
    """A venue or address before the fallback city is known."""

    osm_type: str
    osm_id: int
    name: str
    kind: str
    street: str
    housenumber: str
    city: str
    point: Point


def read_places(path: Path, *, city: str | None = None) -> list[PlaceData]:
    """The named places of the extract at `path`, in a stable order.

    `city` ends addresses whose object has no `addr:city`; by default the city most of the
    extract's addresses name (an extract of one city: that city).

    Raises:
        ExtractError: the file is missing or is not an OpenStreetMap file.
    """
    if not path.is_file():
        raise ExtractError(f"{path}: no such file")
    found: list[_Found] = []
    streets: dict[str, _Street] = {}
    cities: Counter[str] = Counter()
    # Closed ways whose area may not be built (a node outside the extract): way id → place.
    partial_ways: dict[int, _Found] = {}
    try:
        for obj in osmium.FileProcessor(str(path)).with_areas():
            tags = obj.tags
            if "addr:city" in tags:
                cities[tags["addr:city"]] += 1
            if isinstance(obj, osmium.osm.Way):
                _add_street(streets, obj)
                # A closed way comes again as an area, which places it better; this is
                # the fallback for one whose area cannot be built.
                fallback = _fallback_for_way(obj) if obj.is_closed() else None
                if fallback is not None:
                    partial_ways[obj.id] = fallback
                continue
            if not isinstance(obj, osmium.osm.Node | osmium.osm.Area):
                continue  # a relation: a multipolygon comes again as an area
            place = _venue_or_address(obj)
            if place is not None:
                found.append(place)
            if isinstance(obj, osmium.osm.Area) and obj.from_way():
                partial_ways.pop(obj.orig_id(), None)
    except RuntimeError as error:  # pyosmium's error for a file it cannot parse
        raise ExtractError(f"{path}: not an OpenStreetMap extract ({error})") from error
    found.extend(partial_ways.values())
    fallback_city = city if city is not None else _most_common(cities)
    places = _deduplicated_addresses([_finish(place, fallback_city) for place in found])
    places.extend(_street_places(streets, fallback_city))
    # One place per OSM object: a closed way that is a square and a street is the square.
    unique = {(place.osm_type, place.osm_id): place for place in reversed(places)}
    return sorted(unique.values(), key=lambda place: (place.osm_type, place.osm_id))


def _most_common(cities: Counter[str]) -> str:
    return cities.most_common(1)[0][0] if cities else ""


def _add_street(streets: dict[str, _Street], way: osmium.osm.Way) -> None:
    tags = way.tags
    name = (tags.get("name") or "").strip()
    if not name or tags.get("highway") not in STREET_HIGHWAYS:
        return
    points = [(node.lon, node.lat) for node in way.nodes if node.location.valid()]
    street = streets.setdefault(name, _Street(osm_id=way.id, points=[]))
    street.osm_id = min(street.osm_id, way.id)
    street.points.extend(points)


def _venue_or_address(obj: osmium.osm.Node | osmium.osm.Area) -> _Found | None:
    if isinstance(obj, osmium.osm.Area):
        osm_type, osm_id = (OsmType.WAY if obj.from_way() else OsmType.RELATION), obj.orig_id()
    else:
        osm_type, osm_id = OsmType.NODE, obj.id
    return _found(obj.tags, osm_type, osm_id, lambda: _point_of(obj))


def _fallback_for_way(way: osmium.osm.Way) -> _Found | None:
    """The way placed at the centroid of those of its nodes that the extract holds."""

    def point() -> Point | None:
        # A closed way names its first node again at its end: count each node once.
        located = {node.ref: node for node in way.nodes if node.location.valid()}
        points = [Point(node.lon, node.lat) for node in located.values()]
        return MultiPoint(points).centroid if points else None

    return _found(way.tags, OsmType.WAY, way.id, point)


def _found(
    tags: osmium.osm.TagList, osm_type: str, osm_id: int, point_of: Callable[[], Point | None]
) -> _Found | None:
    kind = next(
        (
            kinds[tags[key]]
            for key, kinds in VENUE_KINDS.items()
            if key in tags and tags[key] in kinds
        ),
        None,
    )
    name = (tags.get("name") or "").strip()
    street = (tags.get("addr:street") or "").strip()
    housenumber = (tags.get("addr:housenumber") or "").strip()
    if kind is None or not name:
        if not (street and housenumber):
            return None
        kind, name = PlaceKind.ADDRESS, f"{street} {housenumber}"
    point = point_of()
    if point is None:
        return None
    return _Found(
        osm_type=osm_type,
        osm_id=osm_id,
        name=name[:NAME_MAX_LENGTH],
        kind=kind,
        street=street,
        housenumber=housenumber,
        city=(tags.get("addr:city") or "").strip(),
        point=point,
    )


def _point_of(obj: osmium.osm.Node | osmium.osm.Area) -> Point | None:
    if isinstance(obj, osmium.osm.Node):
        return Point(obj.location.lon, obj.location.lat) if obj.location.valid() else None
    try:
        geometry = GEOSGeometry(_WKB.create_multipolygon(obj))
    except (RuntimeError, GEOSException):
        return None  # its rings could not be closed: nodes outside the extract
    return geometry.centroid if not geometry.empty else None


_WKB = osmium.geom.WKBFactory()


def _address(street: str, housenumber: str, city: str) -> str:
    line = " ".join(part for part in (street, housenumber) if part)
    return ", ".join(part for part in (line, city) if part)[:ADDRESS_MAX_LENGTH]


def _finish(place: _Found, fallback_city: str) -> PlaceData:
    address = ""
    if place.street:
        address = _address(place.street, place.housenumber, place.city or fallback_city)
    return PlaceData(
        osm_type=place.osm_type,
        osm_id=place.osm_id,
        name=place.name,
        kind=place.kind,
        address=address,
        lng=round(place.point.x, 7),
        lat=round(place.point.y, 7),
    )


def _deduplicated_addresses(places: list[PlaceData]) -> list[PlaceData]:
    """Keep one place per address (a building's outline over the entrances inside it)."""
    preference: dict[str, int] = {OsmType.WAY: 0, OsmType.RELATION: 1, OsmType.NODE: 2}
    addresses: dict[str, PlaceData] = {}
    kept: list[PlaceData] = []
    for place in places:
        if place.kind != PlaceKind.ADDRESS:
            kept.append(place)
            continue
        key = place.address.casefold()
        current = addresses.get(key)
        if current is None or (preference[place.osm_type], place.osm_id) < (
            preference[current.osm_type],
            current.osm_id,
        ):
            addresses[key] = place
    return kept + list(addresses.values())


def _street_places(streets: dict[str, _Street], city: str) -> Iterator[PlaceData]:
    for name, street in streets.items():
        if not street.points:
            continue  # every node of it lies outside the extract
        middle = MultiPoint([Point(*point) for point in street.points]).centroid
        # A point on the street itself: its node nearest the middle of all its nodes.
        lng, lat = min(
            street.points, key=lambda point: (point[0] - middle.x) ** 2 + (point[1] - middle.y) ** 2
        )
        yield PlaceData(
            osm_type=OsmType.WAY,
            osm_id=street.osm_id,
            name=name[:NAME_MAX_LENGTH],
            kind=PlaceKind.STREET,
            address=", ".join(part for part in (name, city) if part)[:ADDRESS_MAX_LENGTH],
            lng=round(lng, 7),
            lat=round(lat, 7),
        )
