"""The places of the venue search (#15): reading an extract, syncing, loading, searching."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shared.events.models import OsmType, Place, PlaceKind
from shared.events.osm import ExtractError, PlaceData, read_places
from shared.events.selectors import place_search
from shared.events.services import place_sync
from shared.events.tests.factories import PlaceFactory
from shared.testing.osm import helsinki_extract, helsinki_places

# The box of the central Helsinki extract (tiles/extract.sh).
MIN_LNG, MIN_LAT, MAX_LNG, MAX_LAT = 24.9352, 60.1642, 24.9534, 60.1791

# A made-up extract small enough to know every object of: a pub node, a building with an
# address and an entrance at the same address, a café whose outline is cut by the extract's
# edge (node 99 is not in the file), a street in two ways, a footway and a bench.
TINY_EXTRACT = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="test">
  <node id="1" version="1" lat="60.1700" lon="24.9400">
    <tag k="amenity" v="pub"/><tag k="name" v="Corner Pub"/>
    <tag k="addr:street" v="Testikatu"/><tag k="addr:housenumber" v="1"/>
  </node>
  <node id="2" version="1" lat="60.1710" lon="24.9410"/>
  <node id="3" version="1" lat="60.1710" lon="24.9430"/>
  <node id="4" version="1" lat="60.1720" lon="24.9430"/>
  <node id="5" version="1" lat="60.1720" lon="24.9410"/>
  <node id="6" version="1" lat="60.1711" lon="24.9411">
    <tag k="entrance" v="main"/><tag k="addr:street" v="Testikatu"/>
    <tag k="addr:housenumber" v="3"/>
  </node>
  <node id="7" version="1" lat="60.1730" lon="24.9450">
    <tag k="amenity" v="bench"/><tag k="name" v="A bench"/>
  </node>
  <node id="8" version="1" lat="60.1740" lon="24.9460">
    <tag k="addr:street" v="Muukatu"/><tag k="addr:housenumber" v="9"/>
    <tag k="addr:city" v="Testby"/>
  </node>
  <way id="10" version="1">
    <nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="5"/><nd ref="2"/>
    <tag k="building" v="yes"/><tag k="addr:street" v="Testikatu"/>
    <tag k="addr:housenumber" v="3"/>
  </way>
  <way id="11" version="1">
    <nd ref="4"/><nd ref="5"/><nd ref="99"/><nd ref="4"/>
    <tag k="amenity" v="cafe"/><tag k="name" v="Edge Cafe"/>
  </way>
  <way id="20" version="1">
    <nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/><tag k="name" v="Testikatu"/>
  </way>
  <way id="21" version="1">
    <nd ref="3"/><nd ref="4"/><tag k="highway" v="residential"/><tag k="name" v="Testikatu"/>
  </way>
  <way id="22" version="1">
    <nd ref="5"/><nd ref="2"/><tag k="highway" v="footway"/><tag k="name" v="Polku"/>
  </way>
</osm>
"""


@pytest.fixture
def tiny_extract(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.osm"
    path.write_text(TINY_EXTRACT)
    return path


def place(**overrides: object) -> PlaceData:
    fields: dict[str, object] = {
        "osm_type": OsmType.NODE,
        "osm_id": 1,
        "name": "Corner Pub",
        "kind": PlaceKind.PUB,
        "address": "Testikatu 1, Testby",
        "lng": 24.94,
        "lat": 60.17,
    }
    return PlaceData(**{**fields, **overrides})  # type: ignore[arg-type]


# --- reading an extract ---


def test_read_places_keeps_venues_one_place_per_address_and_merged_streets(
    tiny_extract: Path,
) -> None:
    places = {(p.osm_type, p.osm_id): p for p in read_places(tiny_extract)}

    assert places == {
        ("node", 1): place(address="Testikatu 1, Testby"),
        # Testby: the one city the extract's addresses name, for those that name none.
        ("way", 10): place(
            osm_type="way",
            osm_id=10,
            name="Testikatu 3",
            kind=PlaceKind.ADDRESS,
            address="Testikatu 3, Testby",
            lng=24.942,
            lat=60.1715,
        ),
        ("node", 8): place(
            osm_id=8,
            name="Muukatu 9",
            kind=PlaceKind.ADDRESS,
            address="Muukatu 9, Testby",
            lng=24.946,
            lat=60.174,
        ),
        # Cut by the edge: placed between the two nodes the extract has.
        ("way", 11): place(
            osm_type="way",
            osm_id=11,
            name="Edge Cafe",
            kind=PlaceKind.CAFE,
            address="",
            lng=24.942,
            lat=60.172,
        ),
        # Two ways of one name: one street, on its node nearest the middle.
        ("way", 20): place(
            osm_type="way",
            osm_id=20,
            name="Testikatu",
            kind=PlaceKind.STREET,
            address="Testikatu, Testby",
            lng=24.943,
            lat=60.171,
        ),
    }


def test_read_places_takes_the_given_city_for_addresses_without_one(tiny_extract: Path) -> None:
    places = {p.osm_id: p.address for p in read_places(tiny_extract, city="Helsinki")}

    assert places[1] == "Testikatu 1, Helsinki"
    assert places[8] == "Muukatu 9, Testby"  # its own addr:city wins


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(None, "no such file", id="missing_case"),
        pytest.param("not an OSM file at all", "not an OpenStreetMap extract", id="garbage_case"),
    ],
)
def test_read_places_refuses_what_is_not_an_extract(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "region.osm"
    if content is not None:
        path.write_text(content)

    with pytest.raises(ExtractError, match=message):
        read_places(path)


def test_read_places_of_helsinki_finds_known_venues_streets_and_addresses() -> None:
    places = {(p.osm_type, p.osm_id): p for p in helsinki_places()}

    assert places[("node", 331112168)] == PlaceData(
        osm_type="node",
        osm_id=331112168,
        name="Apollo Live Club",
        kind=PlaceKind.NIGHTCLUB,
        address="Mannerheimintie 16, Helsinki",
        lng=24.9388542,
        lat=60.1687589,
    )
    kinopalatsi = places[("node", 1376356017)]
    assert (kinopalatsi.name, kinopalatsi.kind) == ("Kinopalatsi", PlaceKind.CINEMA)
    assert kinopalatsi.address == "Kaisaniemenkatu 2, Helsinki"
    # A building cut by the extract's edge is still placed.
    musiikkitalo = places[("way", 58023634)]
    assert (musiikkitalo.name, musiikkitalo.kind) == ("Musiikkitalo", PlaceKind.ARTS_CENTRE)
    assert musiikkitalo.address == "Mannerheimintie 13A, Helsinki"
    assert places[("relation", 2919121)].name == "Senaatintori"
    assert places[("relation", 2919121)].kind == PlaceKind.SQUARE
    streets = [p for p in places.values() if p.name == "Mannerheimintie"]
    assert [(p.kind, p.address) for p in streets] == [
        (PlaceKind.STREET, "Mannerheimintie, Helsinki")
    ]
    assert all(
        MIN_LNG - 0.001 <= p.lng <= MAX_LNG + 0.001 and MIN_LAT - 0.001 <= p.lat <= MAX_LAT + 0.001
        for p in places.values()
    )


# --- syncing ---


@pytest.mark.django_db
def test_place_sync_creates_updates_and_removes_by_osm_id() -> None:
    # given
    place_sync(places=[place(), place(osm_id=2, name="Old Bar", kind=PlaceKind.BAR)])
    kept = Place.objects.get(osm_id=1)
    # when
    result = place_sync(
        places=[place(name="Corner Pub & Kitchen", lng=24.95), place(osm_id=3, name="New Cafe")]
    )
    # then
    assert (result.created, result.updated, result.removed, result.unchanged) == (1, 1, 1, 0)
    updated = Place.objects.get(osm_type="node", osm_id=1)
    assert updated.id == kept.id
    assert (updated.name, updated.lng, updated.lat) == ("Corner Pub & Kitchen", 24.95, 60.17)
    assert not Place.objects.filter(osm_id=2).exists()
    assert Place.objects.get(osm_id=3).name == "New Cafe"


@pytest.mark.django_db
def test_place_sync_of_the_same_places_writes_nothing() -> None:
    # given
    place_sync(places=[place(), place(osm_id=2)])
    before = dict(Place.objects.values_list("id", "updated_at"))
    # when
    result = place_sync(places=[place(), place(osm_id=2)])
    # then
    assert (result.created, result.updated, result.removed, result.unchanged) == (0, 0, 0, 2)
    assert dict(Place.objects.values_list("id", "updated_at")) == before


# --- the command ---


@pytest.mark.django_db
def test_load_places_loads_helsinki_once_and_a_rerun_changes_nothing() -> None:
    # given
    first, second = StringIO(), StringIO()
    total = len(helsinki_places())
    # when
    call_command("load_places", str(helsinki_extract()), stdout=first)
    rows = dict(Place.objects.values_list("id", "updated_at"))
    call_command("load_places", str(helsinki_extract()), stdout=second)
    # then
    assert total > 900
    assert first.getvalue() == (
        f"Places: {total} from {helsinki_extract()} "
        f"(created {total}, updated 0, removed 0, unchanged 0).\n"
    )
    assert second.getvalue() == (
        f"Places: {total} from {helsinki_extract()} "
        f"(created 0, updated 0, removed 0, unchanged {total}).\n"
    )
    assert dict(Place.objects.values_list("id", "updated_at")) == rows
    apollo = Place.objects.get(osm_type="node", osm_id=331112168)
    assert (apollo.name, apollo.address) == ("Apollo Live Club", "Mannerheimintie 16, Helsinki")


@pytest.mark.django_db
def test_load_places_without_a_path_loads_the_extract_the_script_gives() -> None:
    output = StringIO()

    call_command("load_places", stdout=output)

    assert output.getvalue().startswith(f"Places: {len(helsinki_places())} from ")
    assert Place.objects.filter(name="Kinopalatsi", kind=PlaceKind.CINEMA).exists()


@pytest.mark.django_db
def test_load_places_removes_what_a_newer_extract_lacks(tiny_extract: Path) -> None:
    # given
    PlaceFactory(osm_type=OsmType.NODE, osm_id=424242, name="Closed down")
    # when
    call_command("load_places", str(tiny_extract), stdout=StringIO())
    # then
    assert not Place.objects.filter(osm_id=424242).exists()
    assert Place.objects.count() == 5


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(None, "no such file", id="missing_case"),
        pytest.param("<html>not OSM</html>", "not an OpenStreetMap extract", id="garbage_case"),
    ],
)
def test_load_places_fails_clearly_on_a_bad_path_and_changes_nothing(
    tmp_path: Path, content: str | None, message: str
) -> None:
    # given
    kept = PlaceFactory()
    path = tmp_path / "region.osm.pbf"
    if content is not None:
        path.write_text(content)
    # when / then
    with pytest.raises(CommandError, match=message):
        call_command("load_places", str(path), stdout=StringIO())
    assert list(Place.objects.values_list("id", flat=True)) == [kept.id]


# --- searching ---


@pytest.mark.django_db
def test_place_search_ranks_name_prefixes_first_then_similarity(
    django_assert_num_queries: object,
) -> None:
    # given
    PlaceFactory(name="Kappeli", kind=PlaceKind.RESTAURANT, address="Eteläesplanadi 1, Helsinki")
    PlaceFactory(name="Kaivohuone", kind=PlaceKind.NIGHTCLUB)
    PlaceFactory(name="Bar Kaiku", kind=PlaceKind.BAR, address="Kaikukatu 4, Helsinki")
    PlaceFactory(name="Teatteri", kind=PlaceKind.THEATRE)
    # when
    with django_assert_num_queries(1):  # type: ignore[operator]
        found = place_search(q="kai")
    # then
    assert [p.name for p in found] == ["Kaivohuone", "Bar Kaiku"]


@pytest.mark.django_db
def test_place_search_matches_a_word_inside_an_address_and_a_typo() -> None:
    PlaceFactory(name="Kappeli", address="Eteläesplanadi 1, Helsinki")
    PlaceFactory(name="Musiikkitalo", address="Mannerheimintie 13A, Helsinki")

    assert [p.name for p in place_search(q="esplanadi")] == ["Kappeli"]
    assert [p.name for p in place_search(q="Musiikitalo")] == ["Musiikkitalo"]


@pytest.mark.django_db
def test_place_search_near_a_point_puts_the_nearer_of_equals_first() -> None:
    # given
    far = PlaceFactory(name="Tavastia", location=Point(24.9300, 60.1700, srid=4326))
    near = PlaceFactory(name="Tavastia", location=Point(24.9500, 60.1700, srid=4326))
    # when
    found = place_search(q="tavastia", near=Point(24.9510, 60.1700, srid=4326))
    # then
    assert [p.id for p in found] == [near.id, far.id]
    assert [p.id for p in place_search(q="tavastia", near=far.location)] == [far.id, near.id]


@pytest.mark.django_db
def test_place_search_returns_at_most_the_limit() -> None:
    PlaceFactory.create_batch(12, name="Ravintola")

    assert len(place_search(q="ravintola")) == 10
    assert len(place_search(q="ravintola", limit=3)) == 3


@pytest.mark.django_db
def test_place_search_is_served_by_the_trigram_indexes() -> None:
    # given: the query place_search runs (literals in), on a table too small to need an index
    PlaceFactory(name="Kappeli", address="Eteläesplanadi 1, Helsinki")
    with CaptureQueriesContext(connection) as captured:
        place_search(q="kap")
    # when: the planner may use an index wherever one serves
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {captured.captured_queries[0]['sql']}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # then
    assert "Seq Scan" not in plan
    assert "events_place_name_trgm" in plan
    assert "events_place_address_trgm" in plan
