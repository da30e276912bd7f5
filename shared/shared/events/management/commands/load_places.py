"""Load the named places of an OpenStreetMap extract for the venue search (#15).

    manage.py load_places [PATH] [--city NAME]

Without PATH, in a checkout: `tiles/extract.sh` gives it (central Helsinki, fetched once into
`.run/osm/`, or `$OSM_EXTRACT`). Running it again with the same extract changes nothing; places
gone from a newer extract are removed.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shared.events.osm import ExtractError, read_places
from shared.events.services import place_sync

# shared/shared/events/management/commands/ → the repository root, in a checkout only.
EXTRACT_SCRIPT = Path(__file__).resolve().parents[5] / "tiles" / "extract.sh"


class Command(BaseCommand):
    help = "Load venues, streets and addresses from an OpenStreetMap extract (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path",
            nargs="?",
            type=Path,
            help="An .osm.pbf file. Default: the one tiles/extract.sh gives (a checkout only).",
        )
        parser.add_argument(
            "--city",
            default=None,
            help="City for addresses without addr:city. Default: the one most addresses name.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["path"] or _default_extract()
        try:
            places = read_places(path, city=options["city"])
        except ExtractError as error:
            raise CommandError(str(error)) from error
        result = place_sync(places=places)
        self.stdout.write(
            f"Places: {result.total} from {path} (created {result.created}, updated "
            f"{result.updated}, removed {result.removed}, unchanged {result.unchanged})."
        )


def _default_extract() -> Path:
    if not EXTRACT_SCRIPT.is_file():
        raise CommandError(
            "Give the extract's path (load_places /data/region.osm.pbf): "
            f"{EXTRACT_SCRIPT} is not here to fetch one."
        )
    fetched = subprocess.run(  # noqa: S603 - our own script, no input from outside
        [str(EXTRACT_SCRIPT)], capture_output=True, text=True, check=False
    )
    if fetched.returncode != 0:
        raise CommandError(f"tiles/extract.sh failed: {fetched.stderr.strip()}")
    return Path(fetched.stdout.strip().splitlines()[-1])
