"""Settings of the group service; everything else comes from shared.settings.common."""

from shared.settings.common import *

SERVICE_NAME = "group"
ROOT_URLCONF = "group_service.urls"
WSGI_APPLICATION = "group_service.wsgi.application"
INSTALLED_APPS = [
    *COMMON_APPS,
    "shared.events",
    "shared.groups",
    "shared.chat",
    "shared.notifications",
    # Last: its ready() wires the service to the apps above (group_service.wiring).
    "group_service",
]

# --- API schema ---
SPECTACULAR_SETTINGS = {
    **SPECTACULAR_SETTINGS,
    "TITLE": "CrewUp group API",
    # Operation ids and tags start after the version: `groups_list`, `groups_join_create`.
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "EventStatusEnum": "shared.events.models.EventStatus",
        "MemberRoleEnum": "shared.groups.models.MemberRole",
        "JoinPolicyEnum": "shared.groups.models.JoinPolicy",
        "GroupVisibilityEnum": "shared.groups.models.GroupVisibility",
        "JoinRequestStatusEnum": "shared.groups.models.JoinRequestStatus",
    },
}

# --- Internal API ---
# Other services call /internal/ inside the cluster over plain HTTP, never through the
# TLS-terminating ingress, so it is exempt from the HTTPS redirect (as the probes are).
SECURE_REDIRECT_EXEMPT = [*SECURE_REDIRECT_EXEMPT, r"^internal/"]

# --- Readiness ---
# Chat needs the Redis channel layer.
READINESS_CHECKS = [*READINESS_CHECKS, "redis"]
