"""Settings of the event service; everything else comes from shared.settings.common."""

from shared.settings.common import *

SERVICE_NAME = "event"
ROOT_URLCONF = "event_service.urls"
WSGI_APPLICATION = "event_service.wsgi.application"
INSTALLED_APPS = [*COMMON_APPS, "shared.events"]
SPECTACULAR_SETTINGS = {
    **SPECTACULAR_SETTINGS,
    "TITLE": "CrewUp event API",
    # Operation ids and tags start after the version: `events_list`, `events_join_create`.
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "EventStatusEnum": "shared.events.models.EventStatus",
        "ParticipationStatusEnum": "shared.events.models.ParticipationStatus",
        "PlaceKindEnum": "shared.events.models.PlaceKind",
    },
}
