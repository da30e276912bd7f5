#!/usr/bin/env bash
# Install what CrewUp needs on a fresh machine of ours, idempotently: PostgreSQL, Redis and
# RabbitMQ running (scripts/servers.sh); PostGIS and GDAL from Debian (matching the running
# PostgreSQL), nginx (the local ingress), tilemaker and osmium-tool (the street map), uv and the
# locked Python dependencies, the .env file and the databases.
set -euo pipefail
cd "$(dirname "$0")/.."

PGHOST=${PGHOST:-127.0.0.1}
PGUSER=${PGUSER:-postgres}
export PGHOST PGUSER
log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# PostgreSQL, Redis and RabbitMQ: installed from Debian when missing, started when stopped, or
# one line that says what to do (and nothing further is tried).
scripts/servers.sh

apt_packages=()
pg_major=$(psql -d postgres -Atc "SELECT current_setting('server_version_num')::int / 10000")
if [ "$(psql -d postgres -Atc "SELECT count(*) FROM pg_available_extensions WHERE name = 'postgis'")" = "0" ]; then
  apt_packages+=("postgresql-${pg_major}-postgis-3")
fi
[[ "$(ldconfig -p)" == *libgdal.so* ]] || apt_packages+=(gdal-bin)
command -v nginx >/dev/null || apt_packages+=(nginx)
# --- Manifest and monitoring checks (infra_tests): promtool and amtool from Debian ---
command -v promtool >/dev/null || apt_packages+=(prometheus)
command -v amtool >/dev/null || apt_packages+=(prometheus-alertmanager)
# The SPA's end-to-end tests drive Debian's Chromium (Playwright's own browser download does
# not work on our machines).
command -v chromium >/dev/null || apt_packages+=(chromium)
# The street map (tiles/build.sh): tilemaker and osmium-tool build the tiles from an
# OpenStreetMap extract, and the labels' glyphs are drawn from a DejaVu font.
command -v tilemaker >/dev/null || apt_packages+=(tilemaker)
command -v osmium >/dev/null || apt_packages+=(osmium-tool)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || apt_packages+=(fonts-dejavu-core)
if [ ${#apt_packages[@]} -gt 0 ]; then
  log "Installing from Debian: ${apt_packages[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
  # Debian starts nginx on port 80 on install; CrewUp runs its own instance.
  { $sudo systemctl stop nginx || $sudo service nginx stop || $sudo nginx -s quit; } >/dev/null 2>&1 || true
  # Likewise the Prometheus daemons where an init system runs: only their checkers are used.
  { $sudo systemctl stop prometheus prometheus-alertmanager; } >/dev/null 2>&1 || true
fi

if ! command -v uv >/dev/null; then
  log "Installing uv"
  python3 -m pip install --quiet uv
fi
log "Installing Python dependencies from uv.lock"
uv sync --all-packages --frozen --quiet

# --- Manifest checks (infra_tests): helm and kubectl into .tools/bin ---
scripts/install-k8s-tools.sh

# --- the SPA (frontend/): its locked npm packages ---
command -v npm >/dev/null || { echo "Node.js 20.19+ and npm are needed for the SPA (frontend/)" >&2; exit 1; }
if [ ! -f frontend/node_modules/.package-lock.json ] || [ frontend/package-lock.json -nt frontend/node_modules/.package-lock.json ]; then
  log "Installing the SPA's npm packages from frontend/package-lock.json"
  (cd frontend && npm ci --no-audit --no-fund --loglevel=error)
fi

[ -f .env ] || { log "Creating .env from .env.example"; cp .env.example .env; }
# A .env made before DEBUG became an opt-in (it has no DJANGO_SECURE_COOKIES yet) had it on only
# because the example did: it goes off, as for everyone. Set it to true again to opt in.
if ! grep -q '^DJANGO_SECURE_COOKIES=' .env && grep -q '^DJANGO_DEBUG=true' .env; then
  log "Turning DJANGO_DEBUG off in .env (debug pages are an opt-in now)"
  sed -i 's/^DJANGO_DEBUG=true/DJANGO_DEBUG=false/' .env
fi
# Variables added to .env.example since .env was made; the values already there stay.
while IFS= read -r line; do
  case "$line" in '' | '#'*) continue ;; esac
  grep -q "^${line%%=*}=" .env || { log "Adding ${line%%=*} to .env"; echo "$line" >>.env; }
done <.env.example

# --- Web Push: a development VAPID key pair in .env; a key already there is never replaced ---
# (a new pair would silently break every browser subscribed with the old public key)
env_set() {  # NAME VALUE...: replace NAME's lines in .env by NAME=VALUE lines, keeping the rest
  local names=$1
  shift
  { grep -vE "^(${names})=" .env || true; printf '%s\n' "$@"; } >.env.new
  cat .env.new >.env  # rewrite in place: .env keeps its permissions
  rm -f .env.new
}
if ! grep -qE "^WEBPUSH_VAPID_PRIVATE_KEY=[\"']?[A-Za-z0-9_-]" .env; then
  log "Generating a development VAPID key pair (Web Push) into .env"
  mapfile -t vapid_lines < <(uv run --frozen python scripts/vapid_keys.py)
  [ ${#vapid_lines[@]} -eq 2 ] || { echo "scripts/vapid_keys.py failed" >&2; exit 1; }
  env_set "WEBPUSH_VAPID_PRIVATE_KEY|WEBPUSH_VAPID_PUBLIC_KEY" "${vapid_lines[@]}"
fi
grep -qE '^WEBPUSH_VAPID_SUBJECT=[^[:space:]]' .env ||
  env_set WEBPUSH_VAPID_SUBJECT "WEBPUSH_VAPID_SUBJECT=mailto:dev@crewup.local"

for database in crewup crewup_identity; do
  if [ "$(psql -d postgres -Atc "SELECT count(*) FROM pg_database WHERE datname = '${database}'")" = "0" ]; then
    log "Creating database ${database}"
    createdb "${database}"
  fi
done
