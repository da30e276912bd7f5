#!/usr/bin/env bash
# Static checks: ruff (lint and format), import contracts (import-linter), types (mypy), no
# missing migrations, and Django's deploy checks for every service under production settings
# (clean at WARNING level).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh

echo "==> ruff"
uv run --frozen ruff check .
uv run --frozen ruff format --check .

echo "==> import contracts (lint-imports; [tool.importlinter] in pyproject.toml)"
uv run --frozen lint-imports

echo "==> types (mypy; [tool.mypy] in pyproject.toml)"
scripts/typecheck.sh

echo "==> migrations are in step with the models"
uv run --frozen python moderation_service/manage.py makemigrations --check --dry-run

echo "==> manage.py check --deploy (production settings)"
for service in "${SERVICES[@]}"; do
  "${PRODUCTION_ENV[@]}" \
    uv run --frozen python "${service}_service/manage.py" check --deploy --fail-level WARNING
done
