"""Settings for the `shared` package's own tests: every domain app, and test-only URLs."""

from shared.settings.common import *

SERVICE_NAME = "shared-tests"
ROOT_URLCONF = "shared.testing.urls"
INSTALLED_APPS = [
    *COMMON_APPS,
    "shared.events",
    "shared.groups",
    "shared.chat",
    "shared.moderation",
    "shared.safety",
    "shared.notifications",
]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
