#!/usr/bin/env bash
# Migrate the one shared schema from one place: the moderation service composes every domain app.
# In Kubernetes the same command runs as the Helm pre-install/pre-upgrade Job.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
uv run --frozen python moderation_service/manage.py migrate --noinput "$@"
