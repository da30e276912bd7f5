"""Settings of the safety service; everything else comes from shared.settings.common."""

from shared.settings.common import *
from shared.settings.env import env

SERVICE_NAME = "safety"
ROOT_URLCONF = "safety_service.urls"
WSGI_APPLICATION = "safety_service.wsgi.application"
# Alerts point at crews and their events; their live updates go through the chat's channel layer.
# Last, the service itself: its ready() wires it to the apps before it (safety_service.wiring).
INSTALLED_APPS = [
    *COMMON_APPS,
    "shared.events",
    "shared.groups",
    "shared.chat",
    "shared.safety",
    "safety_service",
]

# --- API schema ---
SPECTACULAR_SETTINGS = {
    **SPECTACULAR_SETTINGS,
    "TITLE": "CrewUp safety API",
    # Operation ids and tags start after the version: `safety_alerts_create`.
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "AlertStatusEnum": "shared.safety.models.AlertStatus",
        "AlertTypeEnum": "shared.safety.models.AlertType",
        "AcknowledgementKindEnum": "shared.safety.models.AcknowledgementKind",
        "CheckInStatusEnum": "shared.safety.models.CheckInStatus",
    },
}

# --- Service identity ---
# The safety service asks the group service's internal endpoints as the `crewup-safety` client
# (client credentials; its service account holds the `service` realm role). The secret's
# default is the local identity provider's (dev/identity); Keycloak's comes from the Secret.
SERVICE_CLIENT_ID = env.str("SERVICE_CLIENT_ID", default="crewup-safety")
SERVICE_CLIENT_SECRET = env.str("SERVICE_CLIENT_SECRET", default="crewup-safety-dev-secret")

# --- Check-in timers and notices (Celery: shared.settings.common) ---
# The worker fires check-in timers (ETA tasks, and a beat sweep) and retries alert notices.
# Their settings (SAFETY_TASK_QUEUE, the sweeps) are the safety app's: shared.settings.common.

# --- Readiness ---
# Live updates need the Redis channel layer; timers need the broker.
READINESS_CHECKS = [*READINESS_CHECKS, "redis", "broker"]
