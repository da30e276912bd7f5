"""Settings of the moderation service; everything else comes from shared.settings.common.

Besides its API, this service serves the moderator console (Django admin at /admin/), the only
place with sessions: moderators sign in through OpenID Connect (mozilla-django-oidc).
"""

from shared.settings.common import *
from shared.settings.env import env

SERVICE_NAME = "moderation"
ROOT_URLCONF = "moderation_service.urls"
WSGI_APPLICATION = "moderation_service.wsgi.application"
# The moderator console shows every domain app; migrations run from here too.
INSTALLED_APPS = [
    *COMMON_APPS,
    "django.contrib.admin",
    "django.contrib.sessions",
    "django.contrib.messages",
    "shared.events",
    "shared.groups",
    "shared.chat",
    "shared.moderation",
    "shared.safety",
    "shared.notifications",
    # Last: its ready() wires the service to the apps above (moderation_service.wiring).
    "moderation_service",
]
# Its ban events go out through its own worker's relay task, queued after each commit
# (moderation_service.tasks.outbox_relay_soon): no relay thread in its web processes too.
OUTBOX_RELAY_AFTER_COMMIT = False
SPECTACULAR_SETTINGS = {
    **SPECTACULAR_SETTINGS,
    "TITLE": "CrewUp moderation API",
    # Several choice sets share field names (`action`, `target_type`); name each once.
    "ENUM_NAME_OVERRIDES": {
        "AuditActionEnum": "shared.moderation.models.ActionCode",
        "AuditTargetTypeEnum": "shared.moderation.models.TargetType",
        "ReportTargetTypeEnum": "shared.moderation.models.ReportTargetType",
        "RemovableTargetTypeEnum": "shared.moderation.models.RemovableTargetType",
        "ReportStatusEnum": "shared.moderation.models.ReportStatus",
        "ReportResolutionEnum": "shared.moderation.models.ReportResolution",
    },
}

# --- Moderator console (Django admin): sessions, and its CSS and scripts ---
_security = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware")
# WhiteNoise serves the console's assets with DEBUG off (Django itself serves none then). They
# are found where the installed apps keep them, so the image needs no collectstatic step.
MIDDLEWARE[_security + 1 : _security + 1] = [
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
]
WHITENOISE_USE_FINDERS = True
_csrf = MIDDLEWARE.index("django.middleware.csrf.CsrfViewMiddleware")
MIDDLEWARE[_csrf + 1 : _csrf + 1] = [
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
# A console session lasts a working day; signing in again re-reads the roles.
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
# Under /admin/, so the ingress (which routes /admin/ here) reaches the console's assets too.
STATIC_URL = "/admin/static/"

# --- Moderator console: sign-in with OpenID Connect (authorization code + PKCE) ---
AUTHENTICATION_BACKENDS = ["shared.auth.oidc_admin.ModeratorConsoleBackend"]
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="crewup-admin")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET")
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = "openid email profile"
OIDC_USE_PKCE = True
# Keycloak's endpoint paths under the realm's issuer (the local provider serves the same).
_OIDC_ENDPOINTS = f"{OIDC_ISSUER.rstrip('/')}/protocol/openid-connect"
OIDC_OP_AUTHORIZATION_ENDPOINT = f"{_OIDC_ENDPOINTS}/auth"
OIDC_OP_TOKEN_ENDPOINT = f"{_OIDC_ENDPOINTS}/token"
OIDC_OP_USER_ENDPOINT = f"{_OIDC_ENDPOINTS}/userinfo"
OIDC_OP_JWKS_ENDPOINT = f"{_OIDC_ENDPOINTS}/certs"
OIDC_TIMEOUT = OIDC_HTTP_TIMEOUT_SECONDS
LOGIN_URL = "/admin/login/"
LOGIN_REDIRECT_URL = "/admin/"
LOGIN_REDIRECT_URL_FAILURE = "/admin/oidc/denied/"
