"""Settings of the local identity provider, a Keycloak stand-in for development and tests.

Every value comes from the environment (`IDENTITY_*`) with a default that fits a developer
machine. This project is never deployed: production runs Keycloak with the realm exported in
`k8s/keycloak/crewup-realm.json`.
"""

from pathlib import Path
from urllib.parse import urlsplit

import environ

from identity.keys import load_or_create_private_key

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parents[2]

env = environ.Env()

# --- Core ---
SECRET_KEY = env.str(
    "IDENTITY_SECRET_KEY", default="dev-only-identity-secret-key-never-used-in-production"
)
DEBUG = env.bool("IDENTITY_DEBUG", default=False)
ALLOWED_HOSTS = env.list("IDENTITY_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "oauth2_provider",
    "identity.realm",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "identity.cors.WebOriginsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "identity.urls"
WSGI_APPLICATION = "identity.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---
DATABASES = {
    "default": env.db_url(
        "IDENTITY_DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/crewup_identity"
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Users and sessions ---
AUTH_USER_MODEL = "realm.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "account"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Browsers share cookies between ports of one host, and the moderation service's Django admin
# also runs on 127.0.0.1: distinct names keep the two sessions apart.
SESSION_COOKIE_NAME = "identity_sessionid"
CSRF_COOKIE_NAME = "identity_csrftoken"

# --- Internationalisation and static files ---
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"

# --- Logging ---
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"password_grant_notice": {"()": "identity.log_filters.PasswordGrantNotice"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["password_grant_notice"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("IDENTITY_LOG_LEVEL", default="INFO")},
}

# --- Identity: what the services and the SPA see ---
IDENTITY_ISSUER = env.str("IDENTITY_ISSUER", default="http://127.0.0.1:8090/realms/crewup")
IDENTITY_ISSUER = IDENTITY_ISSUER.rstrip("/")
IDENTITY_AUDIENCE = env.str("IDENTITY_AUDIENCE", default="crewup-api")
IDENTITY_ACCESS_TOKEN_LIFETIME = env.int("IDENTITY_ACCESS_TOKEN_LIFETIME", default=300)
IDENTITY_REFRESH_TOKEN_LIFETIME = env.int("IDENTITY_REFRESH_TOKEN_LIFETIME", default=1800)
IDENTITY_RSA_PRIVATE_KEY_FILE = Path(
    env.str(
        "IDENTITY_RSA_PRIVATE_KEY_FILE",
        default=str(REPO_ROOT / ".run" / "identity" / "oidc-rsa.pem"),
    )
)
IDENTITY_SPA_REDIRECT_URIS = env.list(
    "IDENTITY_SPA_REDIRECT_URIS",
    default=[
        "http://127.0.0.1:8080/auth/callback",
        "http://localhost:8080/auth/callback",
        "http://127.0.0.1:5173/auth/callback",
    ],
)
IDENTITY_ADMIN_REDIRECT_URIS = env.list(
    "IDENTITY_ADMIN_REDIRECT_URIS",
    default=[
        "http://127.0.0.1:8080/admin/oidc/callback/",
        "http://127.0.0.1:8005/admin/oidc/callback/",
    ],
)
IDENTITY_ADMIN_CLIENT_SECRET = env.str(
    "IDENTITY_ADMIN_CLIENT_SECRET", default="crewup-admin-dev-secret"
)
# The safety service's own identity (client credentials, service account with the `service` role).
IDENTITY_SAFETY_CLIENT_SECRET = env.str(
    "IDENTITY_SAFETY_CLIENT_SECRET", default="crewup-safety-dev-secret"
)
# Keycloak's "web origins" of the SPA: where its scripts may call the token endpoint from.
IDENTITY_WEB_ORIGINS = sorted(
    {f"{urlsplit(uri).scheme}://{urlsplit(uri).netloc}" for uri in IDENTITY_SPA_REDIRECT_URIS}
)

# --- django-oauth-toolkit, in OpenID Connect mode ---
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_ISS_ENDPOINT": IDENTITY_ISSUER,
    "OIDC_RSA_PRIVATE_KEY": load_or_create_private_key(IDENTITY_RSA_PRIVATE_KEY_FILE),
    "OAUTH2_VALIDATOR_CLASS": "identity.oidc.KeycloakShapedValidator",
    "ACCESS_TOKEN_GENERATOR": "identity.oidc.access_token_generator",
    # Unset, oauthlib would make refresh tokens with the access token generator.
    "REFRESH_TOKEN_GENERATOR": "oauthlib.oauth2.rfc6749.tokens.random_token_generator",
    "ACCESS_TOKEN_EXPIRE_SECONDS": IDENTITY_ACCESS_TOKEN_LIFETIME,
    "ID_TOKEN_EXPIRE_SECONDS": IDENTITY_ACCESS_TOKEN_LIFETIME,
    "REFRESH_TOKEN_EXPIRE_SECONDS": IDENTITY_REFRESH_TOKEN_LIFETIME,
    "SCOPES": {
        "openid": "Sign you in",
        "profile": "Your name and username",
        "email": "Your e-mail address",
        "roles": "Your roles in CrewUp",
    },
    "DEFAULT_SCOPES": ["openid", "profile", "email"],
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OIDC_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": [
        "client_secret_basic",
        "client_secret_post",
        "none",
    ],
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    # "Strict" would refuse the SPA's http:// return address; it must still be registered.
    "OIDC_RP_INITIATED_LOGOUT_STRICT_REDIRECT_URIS": False,
    # RFC 9700: no implicit grant, no `plain` PKCE, no tokens in query strings, and `iss` in
    # authorization responses (as Keycloak sends it). The password grant stays on, deliberately:
    # it is Keycloak's "direct access grants" of the `crewup-cli` client.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
}
