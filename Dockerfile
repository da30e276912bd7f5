# syntax=docker/dockerfile:1.7
# One image recipe for the five Python services. The build argument SERVICE
# picks the workspace package that goes into the venv and the default command:
#   docker build --build-arg SERVICE=event -t crewup-event .
#   docker run crewup-event                  # web event: gunicorn on :8000
#   docker run crewup-group ws               # daphne, the crew chat WebSockets
#   docker run crewup-user worker            # Celery worker (beat, migrate, manage: see docker/entrypoint.sh)

ARG PYTHON_VERSION=3.11
ARG DEBIAN_RELEASE=bookworm
ARG UV_VERSION=0.13

FROM ghcr.io/astral-sh/uv:${UV_VERSION} AS uv

# --- Build: the locked dependencies and the service into /app/.venv ---
FROM python:${PYTHON_VERSION}-slim-${DEBIAN_RELEASE} AS builder
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3 \
    UV_PROJECT_ENVIRONMENT=/app/.venv
ARG SERVICE
RUN test -n "$SERVICE" || { echo "build with --build-arg SERVICE=<event|group|user|safety|moderation>" >&2; exit 1; }
WORKDIR /src

# Third-party dependencies first: this layer is rebuilt only when the lock changes.
COPY uv.lock pyproject.toml ./
COPY shared/pyproject.toml shared/
COPY event_service/pyproject.toml event_service/
COPY group_service/pyproject.toml group_service/
COPY user_service/pyproject.toml user_service/
COPY safety_service/pyproject.toml safety_service/
COPY moderation_service/pyproject.toml moderation_service/
COPY dev/identity/pyproject.toml dev/identity/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace --package "${SERVICE}-service"

# Then the code: `shared` and the one service, installed (not editable) into the venv.
COPY shared shared
COPY ${SERVICE}_service ${SERVICE}_service
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package "${SERVICE}-service"

# --- Runtime: Python, the GeoDjango libraries and the venv; no compilers, no uv ---
FROM python:${PYTHON_VERSION}-slim-${DEBIAN_RELEASE} AS runtime
ARG SERVICE
LABEL org.opencontainers.image.title="crewup-${SERVICE}" \
      org.opencontainers.image.description="CrewUp ${SERVICE} service" \
      org.opencontainers.image.source="https://github.com/crewup/crewup"

# GeoDjango loads GDAL, GEOS and PROJ through ctypes: the shared libraries are enough.
# Not pinned to versions: a stable release only takes security fixes, which a pin would block.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgdal32 libgeos-c1v5 libproj25 \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 crewup \
    && useradd --system --uid 10001 --gid crewup --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin crewup \
    && install -d -o crewup -g crewup /var/lib/crewup/prometheus

COPY --from=builder /app/.venv /app/.venv
COPY docker/entrypoint.sh docker/migrate.py docker/metrics_server.py docker/healthcheck.py /app/docker/

ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    CREWUP_SERVICE=${SERVICE} \
    DJANGO_SETTINGS_MODULE=${SERVICE}_service.settings \
    PORT=8000 \
    PROMETHEUS_MULTIPROC_DIR=/var/lib/crewup/prometheus

USER 10001:10001
WORKDIR /app
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "/app/docker/healthcheck.py"]
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["web"]
