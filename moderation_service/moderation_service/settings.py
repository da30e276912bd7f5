"""Settings of the moderation service; everything else comes from shared.settings.common."""

from shared.settings.common import *

SERVICE_NAME = "moderation"
ROOT_URLCONF = "moderation_service.urls"
WSGI_APPLICATION = "moderation_service.wsgi.application"
INSTALLED_APPS = [*COMMON_APPS]
SPECTACULAR_SETTINGS = {**SPECTACULAR_SETTINGS, "TITLE": "CrewUp moderation API"}
