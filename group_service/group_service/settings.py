"""Settings of the group service; everything else comes from shared.settings.common."""

from shared.settings.common import *

SERVICE_NAME = "group"
ROOT_URLCONF = "group_service.urls"
WSGI_APPLICATION = "group_service.wsgi.application"
INSTALLED_APPS = [*COMMON_APPS, "shared.events", "shared.groups", "shared.chat"]
SPECTACULAR_SETTINGS = {**SPECTACULAR_SETTINGS, "TITLE": "CrewUp group API"}
# Chat needs the Redis channel layer to be ready.
READINESS_CHECKS = [*READINESS_CHECKS, "redis"]
