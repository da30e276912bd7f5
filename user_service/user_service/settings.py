"""Settings of the user service; everything else comes from shared.settings.common."""

from shared.settings.common import *

SERVICE_NAME = "user"
ROOT_URLCONF = "user_service.urls"
WSGI_APPLICATION = "user_service.wsgi.application"
INSTALLED_APPS = [*COMMON_APPS]
SPECTACULAR_SETTINGS = {**SPECTACULAR_SETTINGS, "TITLE": "CrewUp user API"}
