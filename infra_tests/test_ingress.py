"""The local ingress as clients meet it: a real nginx with the configuration `scripts/ingress.sh`
writes, on ports of its own, in front of the event service under gunicorn and the chat under
daphne, both started by the image's entry commands on the test database (conftest.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import http.client
import json
import math
import os
import signal
import socket
import subprocess
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import websockets

from infra_tests.processes import (
    Process,
    entrypoint,
    free_port,
    start_entrypoint,
    stop,
    wait_until_answers,
)
from infra_tests.tools import REPO, clean_env, run, tool

# The services' body limit: shared.settings.common's REQUEST_BODY_MAX_BYTES, by default.
LIMIT = 2 * 1024 * 1024
TOO_LARGE = {
    "error": {
        "code": "request_too_large",
        "message": f"The request body exceeds {LIMIT} bytes.",
        "fields": {},
    }
}
MIB = 1024 * 1024
# An asset of the app and what the build stored gzipped beside it, at level 1: nginx's own gzip
# (level 6, its own header) would send other bytes, so equal bytes prove the stored file came.
ASSET = "console.log('map');\n" * 500
STORED_GZIP = gzip.compress(ASSET.encode(), compresslevel=1, mtime=0)


@dataclass
class Answer:
    status: int
    content_type: str
    text: str

    def json(self) -> dict:
        return json.loads(self.text)


def send(url: str, *, method: str = "GET", body: bytes | None = None, **headers: str) -> Answer:
    """One request on a connection of its own; an answer that comes before the whole body was
    taken is read all the same."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = {name.replace("_", "-"): value for name, value in headers.items()}
    try:
        # A server that answered early stops reading: its answer is still there to read.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            connection.request(method, target, body=body, headers=headers)
        response = connection.getresponse()
        return Answer(
            response.status, response.getheader("Content-Type", ""), response.read().decode()
        )
    finally:
        connection.close()


def post_body(url: str, size: int) -> Answer:
    return send(url, method="POST", body=b"x" * size, Content_Type="application/json")


@pytest.fixture(scope="module")
def upstreams(migrated, environment, tmp_path_factory) -> Iterator[dict[str, Process]]:
    """The event service (with the demo events) and the chat, as the ingress's upstreams."""
    here = tmp_path_factory.mktemp("ingress-upstreams")
    seeded = entrypoint("manage", "event", "seed_demo_events", env=environment, cwd=here)
    assert seeded.returncode == 0, seeded.stdout + seeded.stderr
    processes: dict[str, Process] = {}
    try:
        for name, args, extra in [
            ("event", ["web", "event"], {}),
            # INFO: the chat's log lines say what each socket's handshake carried.
            ("ws", ["ws"], {"LOG_LEVEL": "INFO"}),
        ]:
            port = free_port()
            env = {**environment, "PORT": str(port), **extra}
            processes[name] = start_entrypoint(
                f"ingress-{name}", args, env=env, cwd=here, log_dir=here, port=port
            )
        for process in processes.values():
            wait_until_answers(process, "/healthz")
        yield processes
    finally:
        for process in processes.values():
            stop(process)


@pytest.fixture(scope="module")
def ingress(upstreams, tmp_path_factory) -> Iterator[str]:
    """nginx with the configuration `scripts/ingress.sh render` writes for these ports."""
    run_dir = tmp_path_factory.mktemp("ingress")
    # A built app as Vite lays it out: each text asset also stored gzipped beside itself.
    dist = run_dir / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><div id=root></div>")
    (dist / "assets" / "map-5e1d.js").write_text(ASSET)
    (dist / "assets" / "map-5e1d.js.gz").write_bytes(STORED_GZIP)
    port = free_port()
    env = clean_env(
        RUN_DIR=str(run_dir),
        SPA_DIST=str(dist),
        INGRESS_PORT=str(port),
        EVENT_PORT=str(upstreams["event"].port),
        GROUP_WS_PORT=str(upstreams["ws"].port),
        # Nothing listens there: these tests need the event service and the chat only.
        **{name: str(free_port()) for name in ("GROUP_PORT", "USER_PORT", "SAFETY_PORT")},
        **{name: str(free_port()) for name in ("MODERATION_PORT", "IDENTITY_PORT")},
    )
    # The street map, as scripts/run.sh builds it before rendering the configuration.
    run(str(REPO / "tiles" / "build.sh"), str(run_dir / "tiles"), env=env)
    run(str(REPO / "scripts" / "ingress.sh"), "render", env=env)
    conf = run_dir / "nginx"
    # As root, nginx's workers would switch to a user that cannot read pytest's private folders.
    directives = "daemon off;" + (" user root;" if os.geteuid() == 0 else "")
    nginx = [tool("nginx"), "-p", str(conf), "-c", str(conf / "nginx.conf"), "-g", directives]
    run(*nginx, "-t")
    process = subprocess.Popen(nginx, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert process.poll() is None, process.stderr.read().decode()
                assert time.monotonic() < deadline, "nginx did not listen"
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGQUIT)
        process.wait(timeout=10)


# --- The street map (/map/) ---


def fetch_raw(url: str) -> tuple[int, http.client.HTTPMessage, bytes]:
    """GET without asking for compression: what the server stored is what comes."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def lon_lat_to_tile(lon: float, lat: float, zoom: int) -> tuple[int, int]:
    n = 2**zoom
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return int((lon + 180) / 360 * n), int(y)


def test_the_street_map_style_names_our_own_tiles_and_glyphs(ingress):
    status, headers, body = fetch_raw(f"{ingress}/map/style.json")
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert headers["Cache-Control"] == "no-cache"
    style = json.loads(body)
    source = style["sources"]["openmaptiles"]
    # relative: the same style works on any origin, and no URL leaves it
    assert source["tiles"][0].startswith("tiles/{z}/{x}/{y}.pbf?v=")
    assert style["glyphs"].startswith("glyphs/{fontstack}/{range}.pbf?v=")
    assert "© OpenStreetMap contributors" in source["attribution"]
    assert (source["minzoom"], source["maxzoom"]) == (0, 14)
    assert "sprite" not in style


def test_a_street_tile_is_served_gzipped_as_protobuf_and_cached_for_a_year(ingress):
    style = json.loads(fetch_raw(f"{ingress}/map/style.json")[2])
    west, south, east, north = style["sources"]["openmaptiles"]["bounds"]
    x, y = lon_lat_to_tile((west + east) / 2, (south + north) / 2, 14)
    template = style["sources"]["openmaptiles"]["tiles"][0]
    path = template.replace("{z}", "14").replace("{x}", str(x)).replace("{y}", str(y))
    status, headers, body = fetch_raw(f"{ingress}/map/{path}")
    assert status == 200
    assert headers["Content-Type"] == "application/x-protobuf"
    assert headers["Content-Encoding"] == "gzip"
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    tile = gzip.decompress(body)
    # a Mapbox vector tile whose layers include the streets (OpenMapTiles' "transportation")
    assert b"transportation" in tile
    assert len(tile) > 10_000


def test_glyphs_are_served_as_protobuf_and_a_missing_map_file_is_404(ingress):
    style = json.loads(fetch_raw(f"{ingress}/map/style.json")[2])
    fontstack = style["layers"][-1]["layout"]["text-font"][0]
    path = style["glyphs"].replace("{fontstack}", urllib.parse.quote(fontstack))
    status, headers, body = fetch_raw(f"{ingress}/map/{path.replace('{range}', '0-255')}")
    assert status == 200
    assert headers["Content-Type"] == "application/x-protobuf"
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert fontstack.encode() in body
    assert fetch_raw(f"{ingress}/map/tiles/14/0/0.pbf")[0] == 404
    assert fetch_raw(f"{ingress}/map/secrets.txt")[0] == 404


def fetch_gzip(url: str) -> tuple[int, http.client.HTTPMessage, bytes]:
    """GET as a browser does, asking for gzip; the body as it came over the wire."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", parts.path, headers={"Accept-Encoding": "gzip, br"})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


# --- The app's assets ---


def test_an_asset_goes_out_as_the_build_gzipped_it_not_compressed_per_request(ingress):
    status, headers, body = fetch_gzip(f"{ingress}/assets/map-5e1d.js")
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert headers["Content-Type"].startswith("application/javascript")
    assert body == STORED_GZIP


def test_a_client_that_takes_no_gzip_gets_the_asset_itself(ingress):
    status, headers, body = fetch_raw(f"{ingress}/assets/map-5e1d.js")
    assert status == 200
    assert "Content-Encoding" not in headers
    assert body.decode() == ASSET


# --- Request bodies over the limit ---


@pytest.mark.parametrize(
    "size",
    [LIMIT + 1, 3 * MIB, 4 * MIB - 1, 5 * MIB],
    ids=["just_over_case", "3mib_case", "just_under_4mib_case", "5mib_case"],
)
def test_a_body_over_the_limit_gets_the_json_413_through_the_ingress_every_time(ingress, size):
    # Five tries: a body nginx passed on and the service refused unread was a 502 at random.
    answers = [post_body(f"{ingress}/api/v1/events/", size) for _ in range(5)]

    for answer in answers:
        assert (answer.status, answer.content_type) == (413, "application/json")
        assert answer.json() == TOO_LARGE


@pytest.mark.parametrize("size", [LIMIT + 1, 5 * MIB], ids=["just_over_case", "5mib_case"])
def test_a_body_over_the_limit_gets_the_same_json_413_from_the_service_directly(upstreams, size):
    answer = post_body(upstreams["event"].url("/api/v1/events/"), size)

    assert (answer.status, answer.content_type) == (413, "application/json")
    assert answer.json() == TOO_LARGE


@pytest.mark.parametrize(
    ("path", "size", "status", "code"),
    [
        ("/api/v1/events/", LIMIT, 401, "not_authenticated"),
        ("/api/v1/events/no-such-page/", MIB, 404, "not_found"),
    ],
    ids=["at_the_limit_case", "refused_unread_case"],
)
def test_a_body_within_the_limit_reaches_the_service_and_gets_its_answer(
    ingress, path, size, status, code
):
    # Refused before the service read the body (no token; no such page): its answer, never a
    # 502 from the ingress, which was still sending the body when the service hung up.
    answers = [post_body(f"{ingress}{path}", size) for _ in range(5)]

    for answer in answers:
        assert (answer.status, answer.content_type) == (status, "application/json")
        assert answer.json()["error"]["code"] == code


# --- Links name the host and port the client used ---


def test_pagination_links_through_the_ingress_keep_its_host_and_port(ingress):
    first = send(f"{ingress}/api/v1/events/?page_size=1").json()
    second = send(first["next"]).json()

    assert first["next"] == f"{ingress}/api/v1/events/?page=2&page_size=1"
    assert second["previous"] == f"{ingress}/api/v1/events/?page_size=1"


def test_forwarded_headers_a_client_sends_through_the_ingress_are_replaced(ingress):
    page = send(
        f"{ingress}/api/v1/events/?page_size=1",
        X_Forwarded_Host="evil.example",
        X_Forwarded_Port="1",
        X_Forwarded_Proto="https",
    ).json()

    assert page["next"] == f"{ingress}/api/v1/events/?page=2&page_size=1"


def test_a_service_reached_directly_links_to_itself_and_refuses_a_foreign_forwarded_host(
    upstreams,
):
    service = upstreams["event"]

    page = send(service.url("/api/v1/events/?page_size=1")).json()
    spoofed = send(service.url("/api/v1/events/?page_size=1"), X_Forwarded_Host="evil.example")

    assert page["next"] == service.url("/api/v1/events/?page=2&page_size=1")
    assert spoofed.status == 400


# --- The chat socket through the ingress ---


def socket_lines(process: Process) -> list[dict]:
    lines = [json.loads(line) for line in process.output().splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("message") == "socket opened"]


def test_a_chat_socket_through_the_ingress_carries_host_client_and_request_id(ingress, upstreams):
    port = urllib.parse.urlsplit(ingress).port
    request_id = uuid.uuid4().hex
    path = f"/ws/groups/{uuid.uuid4()}/chat/"

    async def scenario() -> int | None:
        chat = await websockets.connect(
            f"ws://127.0.0.1:{port}{path}",
            subprotocols=["crewup.chat.v1"],
            origin=f"http://127.0.0.1:{port}",
            additional_headers={"X-Request-ID": request_id, "X-Forwarded-For": "203.0.113.7"},
        )
        try:
            while True:  # no token: closed after a second
                await asyncio.wait_for(chat.recv(), 5)
        except websockets.ConnectionClosed:
            return chat.close_code

    assert asyncio.run(scenario()) == 4401
    deadline = time.monotonic() + 5
    while not (opened := [line for line in socket_lines(upstreams["ws"]) if line["path"] == path]):
        assert time.monotonic() < deadline, upstreams["ws"].output()[-3000:]
        time.sleep(0.1)
    (line,) = opened
    assert line["request_id"] == request_id
    assert line["host"] == "127.0.0.1"
    assert line["client"] == "203.0.113.7"
