#!/usr/bin/env bash
# The street map CrewUp serves itself at /map/ (issue #15): vector tiles, their style and the
# glyphs of its labels, built from an OpenStreetMap extract with Debian's tools.
#
#   tiles/build.sh [OUT]   builds into OUT (default .run/tiles) and prints OUT
#
#   OUT/tiles/{z}/{x}/{y}.pbf   zoom 0-14, OpenMapTiles schema (tilemaker 2.2 with the config
#                               and Lua profile Debian ships), gzip-compressed
#   OUT/glyphs/<font>/<range>.pbf  SDF glyphs of a Debian font (npm fontnik)
#   OUT/style.json              tileserver-gl-styles' basic style pointed at those (style.py)
#
# The extract is tiles/extract.sh's (central Helsinki, or OSM_EXTRACT: a Geofabrik download of
# a deployment's region works as is). A build is kept until one of its inputs changes.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:-$ROOT/.run/tiles}"
EXAMPLES=${TILEMAKER_EXAMPLES:-/usr/share/doc/tilemaker/examples}
CONFIG="$EXAMPLES/config-openmaptiles.json"
PROCESS="$EXAMPLES/process-openmaptiles.lua"
NODE_MODULES=${NODE_MODULES:-$ROOT/frontend/node_modules}
UPSTREAM_STYLE="$NODE_MODULES/tileserver-gl-styles/styles/basic-preview/style.json"
FONT=${MAP_FONT:-/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf}
FONTSTACK=${MAP_FONTSTACK:-DejaVu Sans}

for tool in tilemaker osmium; do
  command -v "$tool" >/dev/null || { echo "tiles/build.sh: $tool is missing (apt-get install tilemaker osmium-tool)" >&2; exit 1; }
done
for file in "$CONFIG" "$PROCESS" "$UPSTREAM_STYLE" "$FONT" "$NODE_MODULES/fontnik/bin/build-glyphs"; do
  [ -f "$file" ] || { echo "tiles/build.sh: $file is missing" >&2; exit 1; }
done
# pyosmium: the workspace's (uv) where there is one, else the system's (Debian's python3-pyosmium).
if command -v uv >/dev/null && [ -f "$ROOT/uv.lock" ]; then
  python=(uv run --project "$ROOT" --frozen python)
else
  python=(python3)
fi

extract="$("$ROOT/tiles/extract.sh")"
key="$(cat "$extract" "$CONFIG" "$PROCESS" "$UPSTREAM_STYLE" "$FONT" \
  "$ROOT/tiles/build.sh" "$ROOT/tiles/clean.py" "$ROOT/tiles/style.py" \
  "$NODE_MODULES/fontnik/package.json" | sha256sum | cut -c1-16)"
if [ "$(cat "$OUT/.build-key" 2>/dev/null)" = "$key" ]; then
  echo "$OUT"
  exit 0
fi

mkdir -p "$(dirname "$OUT")"
work="$(mktemp -d "$OUT.new.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# The box: the extract's header, or the data's own extent when the header has none.
bbox="$(osmium fileinfo -g header.boxes "$extract" | head -n 1 | tr -d '() ')"
[ -n "$bbox" ] || bbox="$(osmium fileinfo -e -g data.bbox "$extract" | tr -d '() ')"

"${python[@]}" "$ROOT/tiles/clean.py" "$extract" "$work/clean.osm.pbf"
tilemaker --input "$work/clean.osm.pbf" --output "$work/tiles" --bbox "$bbox" \
  --config "$CONFIG" --process "$PROCESS" >"$work/tilemaker.log" 2>&1 \
  || { cat "$work/tilemaker.log" >&2; exit 1; }
rm "$work/clean.osm.pbf"

mkdir -p "$work/glyphs/$FONTSTACK"
node "$NODE_MODULES/fontnik/bin/build-glyphs" "$FONT" "$work/glyphs/$FONTSTACK" >&2

"${python[@]}" "$ROOT/tiles/style.py" "$UPSTREAM_STYLE" "$work" "$FONTSTACK" "$key"
# tilemaker's TileJSON: read by style.py; never served (a .json among gzipped .pbf files).
rm "$work/tilemaker.log" "$work/tiles/metadata.json"
echo "$key" >"$work/.build-key"
chmod -R a+rX "$work"
rm -rf "$OUT"
mv "$work" "$OUT"
trap - EXIT
echo "$OUT"
