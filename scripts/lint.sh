#!/usr/bin/env bash
# Static checks: ruff (lint and format), import contracts (import-linter), no missing
# migrations, and Django's deploy checks for every service under production settings
# (clean at WARNING level).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh

echo "==> ruff"
uv run --frozen ruff check .
uv run --frozen ruff format --check .

echo "==> import contracts (lint-imports; [tool.importlinter] in pyproject.toml)"
uv run --frozen lint-imports

echo "==> migrations are in step with the models"
uv run --frozen python moderation_service/manage.py makemigrations --check --dry-run

echo "==> manage.py check --deploy (production settings)"
for service in "${SERVICES[@]}"; do
  env -u DJANGO_READ_DOT_ENV_FILE \
    DJANGO_DEBUG=false \
    DJANGO_SECRET_KEY="$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    DJANGO_ALLOWED_HOSTS=crewup.example \
    DATABASE_URL=postgis://postgres@127.0.0.1:5432/crewup \
    REDIS_URL=redis://127.0.0.1:6379/0 \
    RABBITMQ_URL=amqp://guest:guest@127.0.0.1:5672// \
    OIDC_ISSUER=https://keycloak.example/realms/crewup \
    OIDC_AUDIENCE=crewup-api \
    OIDC_RP_CLIENT_SECRET=lint-only-secret \
    uv run --frozen python "${service}_service/manage.py" check --deploy --fail-level WARNING
done
