"""Settings of the user service; everything else comes from shared.settings.common."""

from shared.settings.common import *

SERVICE_NAME = "user"
ROOT_URLCONF = "user_service.urls"
WSGI_APPLICATION = "user_service.wsgi.application"
# Accounts is this service's own app; the others are read for the data export, and their
# services undo a user's RSVPs and memberships, and remove their safety data, when the
# account is erased.
INSTALLED_APPS = [
    *COMMON_APPS,
    "shared.events",
    "shared.groups",
    "shared.chat",
    "shared.moderation",
    "shared.safety",
    "shared.notifications",
    # Last: its ready() wires the service to the apps above (user_service.wiring).
    "user_service",
]
SPECTACULAR_SETTINGS = {**SPECTACULAR_SETTINGS, "TITLE": "CrewUp user API"}
