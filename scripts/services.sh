# Sourced by the scripts: the services, their local ports and the env they run with.
# shellcheck shell=bash
SERVICES=(event group user safety moderation)
# Each port can be moved by its variable (the ingress tests render an ingress on free ports).
declare -A SERVICE_PORT=([event]=${EVENT_PORT:-8001} [group]=${GROUP_PORT:-8002} [user]=${USER_PORT:-8003}
  [safety]=${SAFETY_PORT:-8004} [moderation]=${MODERATION_PORT:-8005})
# The group service's WebSockets run under daphne beside its gunicorn (REST).
GROUP_WS_PORT=${GROUP_WS_PORT:-8012}
# Celery worker processes per service, as the Helm chart's `workers` deploy them (a test in
# infra_tests/test_chart.py keeps the two equal).
declare -A WORKER_CONCURRENCY=([moderation]=2 [user]=2 [group]=1 [safety]=2)
# CPU priority (nice) when the machine is saturated: the alert's path (the safety service, and
# the user worker that pushes and mails it) keeps its share, the rest yields. In the chart the
# same decision is the CPU requests (the cgroup's CPU weight). See docs/adr/0002.
declare -A SERVICE_NICE=([event]=5 [group]=5 [user]=5 [safety]=0 [moderation]=5 [group-ws]=5)
declare -A WORKER_NICE=([moderation]=5 [user]=0 [group]=5 [safety]=0)
IDENTITY_PORT=${IDENTITY_PORT:-8090}
# The development mail catcher: SMTP (the services' EMAIL_PORT) and its web page.
MAIL_PORT=${MAIL_PORT:-1025}
MAIL_WEB_PORT=${MAIL_WEB_PORT:-8025}
INGRESS_PORT=${INGRESS_PORT:-8080}
RUN_DIR="${RUN_DIR:-$PWD/.run}"

# Settings read .env themselves (real environment variables win over it).
export DJANGO_READ_DOT_ENV_FILE=true
export DJANGO_DOT_ENV_FILE="$PWD/.env"
# Production-like settings, for the static checks that load Django (check --deploy, mypy's
# plugin): no .env, DEBUG off, and every required variable set to a placeholder.
PRODUCTION_ENV=(
  env -u DJANGO_READ_DOT_ENV_FILE
  DJANGO_DEBUG=false
  DJANGO_SECRET_KEY="$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')"
  DJANGO_ALLOWED_HOSTS=crewup.example
  DATABASE_URL=postgis://postgres@127.0.0.1:5432/crewup
  REDIS_URL=redis://127.0.0.1:6379/0
  RABBITMQ_URL=amqp://guest:guest@127.0.0.1:5672//
  OIDC_ISSUER=https://keycloak.example/realms/crewup
  OIDC_AUDIENCE=crewup-api
  OIDC_RP_CLIENT_SECRET=lint-only-secret
)
