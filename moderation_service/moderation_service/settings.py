"""Settings of the moderation service; everything else comes from shared.settings.common."""

from shared.settings.common import *

SERVICE_NAME = "moderation"
ROOT_URLCONF = "moderation_service.urls"
WSGI_APPLICATION = "moderation_service.wsgi.application"
# The moderator console shows every domain app; migrations run from here too.
INSTALLED_APPS = [
    *COMMON_APPS,
    "shared.events",
    "shared.groups",
    "shared.chat",
    "shared.safety",
]
SPECTACULAR_SETTINGS = {**SPECTACULAR_SETTINGS, "TITLE": "CrewUp moderation API"}
