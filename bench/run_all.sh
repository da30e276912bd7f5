#!/usr/bin/env bash
# Run every benchmark and print their tables. Needs the system up (`make up`): the identity
# provider issues the tokens; each benchmark starts its own gunicorn processes beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { sudo="" ; [ "$(id -u)" -eq 0 ] || sudo=sudo; $sudo apt-get install -y -qq wrk >/dev/null; }
mkdir -p .run
cd bench
uv run --frozen python bench_event_detail.py
uv run --frozen python bench_nearby.py
uv run --frozen python bench_safety.py
uv run --frozen python bench_alert_push.py
uv run --frozen python bench_notifier.py
uv run --frozen python bench_broadcast.py
uv run --frozen python load_mix.py
