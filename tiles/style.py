"""Write the street map's style: a maintained OpenMapTiles style, pointed at our own files.

    python tiles/style.py UPSTREAM_STYLE OUT_DIR FONTSTACK VERSION

The upstream style is tileserver-gl-styles' "basic-preview" (npm, OpenMapTiles schema, no
sprite). Its source becomes our tiles (the bounds and zooms tilemaker wrote in
OUT_DIR/tiles/metadata.json), its glyphs ours, and every text layer uses FONTSTACK, the one
font built, and names come from `name:latin`, the one name tilemaker's OpenMapTiles profile
writes (the style asks for `name`, which the profile leaves out). Every URL is relative to the style, so the same file works on any origin; the SPA
resolves them against the style's own URL. VERSION (the build key) is added to the tile and
glyph URLs, which the ingress then caches for a year.
"""

import json
import pathlib
import sys

ATTRIBUTION = (
    '<a href="https://www.openstreetmap.org/copyright" target="_blank" rel="noopener">'
    "© OpenStreetMap contributors</a>"
)


def main(upstream: str, out_dir: str, fontstack: str, version: str) -> None:
    out = pathlib.Path(out_dir)
    style = json.loads(pathlib.Path(upstream).read_text())
    metadata = json.loads((out / "tiles" / "metadata.json").read_text())
    west, south, east, north = (round(value, 6) for value in metadata["bounds"])
    style["name"] = "CrewUp streets (basic, OpenMapTiles schema)"
    style["id"] = "crewup-streets"
    style["center"] = [round((west + east) / 2, 6), round((south + north) / 2, 6)]
    style["zoom"] = 14
    style["sources"] = {
        "openmaptiles": {
            "type": "vector",
            "tiles": [f"tiles/{{z}}/{{x}}/{{y}}.pbf?v={version}"],
            "minzoom": metadata["minzoom"],
            "maxzoom": metadata["maxzoom"],
            # No tile is asked for outside the extract: none exists there.
            "bounds": [west, south, east, north],
            "attribution": ATTRIBUTION,
        }
    }
    style["glyphs"] = f"glyphs/{{fontstack}}/{{range}}.pbf?v={version}"
    style.pop("sprite", None)
    for layer in style["layers"]:
        layout = layer.get("layout", {})
        if "text-font" in layout:
            layout["text-font"] = [fontstack]
        if layout.get("text-field") == "{name}":
            layout["text-field"] = "{name:latin}"
    (out / "style.json").write_text(json.dumps(style, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main(*sys.argv[1:5])
