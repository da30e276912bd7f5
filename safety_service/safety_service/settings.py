"""Settings of the safety service; everything else comes from shared.settings.common."""

from shared.settings.common import *

SERVICE_NAME = "safety"
ROOT_URLCONF = "safety_service.urls"
WSGI_APPLICATION = "safety_service.wsgi.application"
INSTALLED_APPS = [*COMMON_APPS]
SPECTACULAR_SETTINGS = {**SPECTACULAR_SETTINGS, "TITLE": "CrewUp safety API"}
