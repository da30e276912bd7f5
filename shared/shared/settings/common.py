"""The base of every service's settings.

A service's `settings.py` star-imports this module, then names itself and the domain apps
it composes. Defaults are the production-safe ones; development and tests differ only by
environment variables. Required variables have no default: a missing one stops start-up
with `ImproperlyConfigured`.
"""

from shared.settings.env import env

# --- Core ---
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
SERVICE_NAME = "shared"  # each service overrides it

COMMON_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "rest_framework_gis",
    "django_filters",
    "drf_spectacular",
    "django_prometheus",
    "django_guid",
    "shared.core",
    "shared.accounts",
    "shared.messaging",
]
INSTALLED_APPS = list(COMMON_APPS)

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "shared.api.middleware.BodySizeLimitMiddleware",
    "django_guid.middleware.guid_middleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    # DRF's views are CSRF-exempt (bearer tokens); these guard the session-based admin console.
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

WSGI_APPLICATION: str | None = None  # each service sets its own
ROOT_URLCONF: str | None = None
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en"
USE_I18N = True
STATIC_URL = "/static/"
STATIC_ROOT = env.str("DJANGO_STATIC_ROOT", default=None)

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

# Debian bookworm ships GDAL 3.6, which cannot block GDAL's own file and network access
# (3.9+ can). CrewUp never hands client-supplied spatial references or files to GDAL: clients
# send plain latitude/longitude numbers and the Points are built here in SRID 4326.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# --- Database ---
# One PostGIS database shared by every service, migrated once (docs/adr/0004); `postgis://` URLs
# pick GeoDjango's backend.
DATABASES = {"default": env.db_url("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
# A kept connection is checked before a request reuses it: after PostgreSQL restarts, a
# request reconnects instead of failing on a connection the server has dropped.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Parameters travel apart from the SQL (psycopg's server-side binding), and a statement run five
# times on a connection is prepared there once: PostgreSQL stops parsing and planning the hot reads
# on every request (planning was 1.6-2 ms of a discovery query). See docs/adr/0003.
# Django leaves preparing off (for poolers in transaction mode; CrewUp connects directly).
# DATABASE_PREPARE_THRESHOLD=0 prepares nothing, for such a pooler.
_prepare_threshold = env.int("DATABASE_PREPARE_THRESHOLD", default=5)
DATABASES["default"].setdefault("OPTIONS", {}).update(
    server_side_binding=True, prepare_threshold=_prepare_threshold or None
)
# A database host that does not answer (down, or its packets dropped) fails a connection
# attempt after this many seconds, answered 503, instead of holding the request until
# gunicorn kills its worker (libpq waits for the operating system's TCP timeout, minutes).
DATABASES["default"]["OPTIONS"].setdefault(
    "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT_SECONDS", default=5)
)

# --- Infrastructure the services talk to ---
REDIS_URL = env.str("REDIS_URL")
RABBITMQ_URL = env.str("RABBITMQ_URL")

# --- Celery ---
# Workers: the moderation service runs the outbox relay and ban expiry (tasks + beat); the group
# service (closing sockets) and the user service's notifier consume ban events
# (shared.messaging.consumer_step); the safety service fires check-in timers and retries alert
# notices (tasks + beat). See shared/shared/messaging/README.md and docs/adr/0005.
CELERY_BROKER_URL = RABBITMQ_URL
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request that queues a task after commit must not hang on an unreachable broker.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
# AMQP heartbeats are sent by the prefork pool's event loop only. Every worker runs the default
# prefork pool (scripts/supervise.sh, docker/entrypoint.sh). A worker started with `-P solo`
# sends none: give it CELERY_BROKER_HEARTBEAT=0 (as shared/shared/messaging/testing/ does for
# its workers), or the broker drops its connection.
CELERY_BROKER_HEARTBEAT = env.int("CELERY_BROKER_HEARTBEAT", default=30)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# Celery acknowledges on receipt by default: a worker killed mid-task, or holding an ETA task
# (the safety service's check-in timers), loses the task.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=120)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=100)
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
# Keep Django's JSON logging in workers too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_WORKER_SEND_TASK_EVENTS = False

# --- Domain events (RabbitMQ) ---
MESSAGING_CONNECT_TIMEOUT_SECONDS = env.float("MESSAGING_CONNECT_TIMEOUT_SECONDS", default=2.0)
MESSAGING_CONFIRM_TIMEOUT_SECONDS = env.float("MESSAGING_CONFIRM_TIMEOUT_SECONDS", default=10.0)
# How often beat runs the relay; the after-commit trigger makes the usual case immediate.
OUTBOX_RELAY_INTERVAL_SECONDS = env.float("OUTBOX_RELAY_INTERVAL_SECONDS", default=2.0)
# Every process that writes outbox rows publishes them right after commit, on a thread of its
# own (shared.messaging.background); beat's periodic relay catches what it could not.
OUTBOX_RELAY_AFTER_COMMIT = env.bool("OUTBOX_RELAY_AFTER_COMMIT", default=True)
BAN_EXPIRY_INTERVAL_SECONDS = env.float("BAN_EXPIRY_INTERVAL_SECONDS", default=5.0)
# How often the user service's beat issues due event reminders and resends due deliveries.
NOTIFICATION_REMINDER_SWEEP_SECONDS = env.float("NOTIFICATION_REMINDER_SWEEP_SECONDS", default=30.0)
NOTIFICATION_DELIVERY_SWEEP_SECONDS = env.float("NOTIFICATION_DELIVERY_SWEEP_SECONDS", default=15.0)
# Deliveries per sending task: an alert to 50 people is two tasks, sent by two processes.
NOTIFICATION_DELIVERY_CHUNK = env.int("NOTIFICATION_DELIVERY_CHUNK", default=25)
# Unacknowledged events a consumer holds at once.
EVENT_CONSUMER_PREFETCH = env.int("EVENT_CONSUMER_PREFETCH", default=8)
# Deliveries of one event before it goes to the dead-letter queue (a queue argument: changing
# it for an existing queue needs a RabbitMQ policy, `delivery-limit`).
EVENT_CONSUMER_MAX_DELIVERIES = env.int("EVENT_CONSUMER_MAX_DELIVERIES", default=10)
# A handler that failed waits min(base * 2**(delivery-1), max) before its event is requeued.
EVENT_CONSUMER_RETRY_BACKOFF_SECONDS = env.float(
    "EVENT_CONSUMER_RETRY_BACKOFF_SECONDS", default=0.5
)
EVENT_CONSUMER_RETRY_BACKOFF_MAX_SECONDS = env.float(
    "EVENT_CONSUMER_RETRY_BACKOFF_MAX_SECONDS", default=10.0
)

# --- Channel layer (live chat and alerts) ---
# Redis pub/sub: one PUBLISH per broadcast, whatever the crew's size, and no per-channel
# capacity that drops messages silently (the core layer's default of 100 does). Delivery is
# still at most once: chat fills gaps by sequence number from PostgreSQL.
# `bench/bench_chat.py` measures both layers (pubsub: no drops, p95 3.9x a bare broadcast; core:
# drops under load and its 5 s Redis socket timeout closes idle sockets).
CHANNEL_LAYER_BACKEND = env.str("CHANNEL_LAYER_BACKEND", default="pubsub")
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": {
            "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "core": "channels_redis.core.RedisChannelLayer",
        }[CHANNEL_LAYER_BACKEND],
        "CONFIG": {"hosts": [REDIS_URL], "prefix": "crewup"},
    }
}

# --- Identity (Keycloak, or the local OIDC provider in development) ---
OIDC_ISSUER = env.str("OIDC_ISSUER")
OIDC_AUDIENCE = env.str("OIDC_AUDIENCE")
# How long fetched signing keys are trusted before they are fetched again.
OIDC_JWKS_LIFETIME_SECONDS = env.int("OIDC_JWKS_LIFETIME_SECONDS", default=300)
# The least time between two fetches caused by tokens whose `kid` is unknown.
OIDC_JWKS_REFETCH_COOLDOWN_SECONDS = env.int("OIDC_JWKS_REFETCH_COOLDOWN_SECONDS", default=30)
OIDC_HTTP_TIMEOUT_SECONDS = env.float("OIDC_HTTP_TIMEOUT_SECONDS", default=3.0)
OIDC_LEEWAY_SECONDS = env.int("OIDC_LEEWAY_SECONDS", default=30)

# --- Service-to-service calls (shared.http) ---
# Where the other services answer: in Kubernetes their cluster-internal Service names, locally
# the ports `make run` gives them (SERVICE_PORT in scripts/services.sh).
EVENT_SERVICE_URL = env.str("EVENT_SERVICE_URL", default="http://127.0.0.1:8001")
GROUP_SERVICE_URL = env.str("GROUP_SERVICE_URL", default="http://127.0.0.1:8002")
SERVICE_HTTP_CONNECT_TIMEOUT_SECONDS = env.float(
    "SERVICE_HTTP_CONNECT_TIMEOUT_SECONDS", default=1.0
)
SERVICE_HTTP_READ_TIMEOUT_SECONDS = env.float("SERVICE_HTTP_READ_TIMEOUT_SECONDS", default=2.0)
# Tries of one call in all: connection failures, and 502/503/504 of idempotent calls, are retried.
SERVICE_HTTP_ATTEMPTS = env.int("SERVICE_HTTP_ATTEMPTS", default=2)
SERVICE_HTTP_RETRY_BACKOFF_SECONDS = env.float("SERVICE_HTTP_RETRY_BACKOFF_SECONDS", default=0.1)
# This service's own identity (a Keycloak confidential client with a service account), for the
# internal endpoints of other services. Empty: the service calls others with users' tokens only.
SERVICE_CLIENT_ID = env.str("SERVICE_CLIENT_ID", default="")
SERVICE_CLIENT_SECRET = env.str("SERVICE_CLIENT_SECRET", default="")
# Empty: Keycloak's token endpoint under OIDC_ISSUER.
SERVICE_TOKEN_URL = env.str("SERVICE_TOKEN_URL", default="")
# A service token is renewed this long before it expires.
SERVICE_TOKEN_RENEW_BEFORE_SECONDS = env.int("SERVICE_TOKEN_RENEW_BEFORE_SECONDS", default=30)
# After a failed token request the identity provider is left alone this long (shared.http.tokens).
SERVICE_TOKEN_RETRY_AFTER_SECONDS = env.float("SERVICE_TOKEN_RETRY_AFTER_SECONDS", default=5.0)

# --- Safety (shared.safety) ---
# Alerts one person may raise per sliding window (a timer's alert is never limited).
SAFETY_ALERT_RATE_LIMIT = env.int("SAFETY_ALERT_RATE_LIMIT", default=5)
SAFETY_ALERT_RATE_WINDOW_SECONDS = env.float("SAFETY_ALERT_RATE_WINDOW_SECONDS", default=60.0)
SAFETY_ALERT_MAX_CREWS = env.int("SAFETY_ALERT_MAX_CREWS", default=10)
# How long an alert's push notification can acknowledge it (shared.safety.ack_tokens).
SAFETY_ACK_TOKEN_MAX_AGE_SECONDS = env.int("SAFETY_ACK_TOKEN_MAX_AGE_SECONDS", default=4 * 3600)
# How long after raising it the sender may still cancel an alert as a false alarm.
SAFETY_ALERT_CANCEL_WINDOW_SECONDS = env.int("SAFETY_ALERT_CANCEL_WINDOW_SECONDS", default=120)
# Total time the group service gets to take the chat notices of one change of an alert.
SAFETY_DEPENDENCY_BUDGET_SECONDS = env.float("SAFETY_DEPENDENCY_BUDGET_SECONDS", default=4.0)
# Notices go to the group service from a thread of the process's own, after the commit, so the
# answer to the sender never waits for it (the tests deliver them in the committing thread).
SAFETY_NOTICES_IN_BACKGROUND = env.bool("SAFETY_NOTICES_IN_BACKGROUND", default=True)
# A notice the group service could not take is tried again by the sweep after this long.
SAFETY_NOTICE_REDELIVER_AFTER_SECONDS = env.int("SAFETY_NOTICE_REDELIVER_AFTER_SECONDS", default=15)
SAFETY_CHECKIN_MAX_HOURS = env.int("SAFETY_CHECKIN_MAX_HOURS", default=24)
# Trail points, and the positions of closed alerts and finished timers, are deleted after this.
SAFETY_LOCATION_RETENTION_DAYS = env.int("SAFETY_LOCATION_RETENTION_DAYS", default=30)
# The safety service's worker. Its own queue: no other service's worker takes its tasks.
SAFETY_TASK_QUEUE = env.str("SAFETY_TASK_QUEUE", default="safety.tasks")
# Beat's sweep: fires overdue timers (a lost ETA message, a worker that was down) and schedules
# the ETA task of each timer due before the next sweep.
SAFETY_CHECKIN_SWEEP_SECONDS = env.float("SAFETY_CHECKIN_SWEEP_SECONDS", default=30.0)
# Timers due further ahead than this get no ETA task when set (RabbitMQ cancels a consumer
# that holds an unacknowledged message past its `consumer_timeout`, 30 minutes by default);
# the sweep schedules them when they come close.
SAFETY_CHECKIN_ETA_HORIZON_SECONDS = env.float("SAFETY_CHECKIN_ETA_HORIZON_SECONDS", default=600.0)
SAFETY_NOTICE_SWEEP_SECONDS = env.float("SAFETY_NOTICE_SWEEP_SECONDS", default=30.0)
SAFETY_LOCATION_PURGE_SECONDS = env.float("SAFETY_LOCATION_PURGE_SECONDS", default=3600.0)

# Chat: messages one user may send per sliding window, over all their sockets.
CHAT_RATE_LIMIT_MESSAGES = env.int("CHAT_RATE_LIMIT_MESSAGES", default=20)
CHAT_RATE_LIMIT_WINDOW_SECONDS = env.float("CHAT_RATE_LIMIT_WINDOW_SECONDS", default=10.0)

# --- Notifications ---
# Where people open the app: the links in pushes and e-mails are absolute URLs under it.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8080")
# Web Push (shared.notifications.webpush). The VAPID key pair identifies us to the browsers'
# push services (RFC 8292): the private key is the raw 32-byte P-256 scalar, base64url (one
# line, as `scripts/vapid_keys.py` prints it); the public key is its uncompressed point,
# base64url, which the SPA passes to pushManager.subscribe() as applicationServerKey.
# The subject is a contact for the push services' operators (`mailto:` or `https:`).
# Any of the three empty: push is disabled (`push_enabled()` is False).
WEBPUSH_VAPID_PRIVATE_KEY = env.str("WEBPUSH_VAPID_PRIVATE_KEY", default="")
WEBPUSH_VAPID_PUBLIC_KEY = env.str("WEBPUSH_VAPID_PUBLIC_KEY", default="")
WEBPUSH_VAPID_SUBJECT = env.str("WEBPUSH_VAPID_SUBJECT", default="")
# Browsers hand us the endpoint URL; we only POST to the push services (origins, `*` as a
# wildcard) listed here, so a crafted subscription cannot make us call anything else.
WEBPUSH_ENDPOINT_ORIGINS = env.list(
    "WEBPUSH_ENDPOINT_ORIGINS",
    default=[
        "https://fcm.googleapis.com",  # Chrome, Edge on Android, Opera, Samsung Internet
        "https://*.push.services.mozilla.com",  # Firefox
        "https://*.notify.windows.com",  # Edge on Windows
        "https://web.push.apple.com",  # Safari
    ],
)

# --- E-mail (SMTP) ---
# Development runs a mail catcher on 127.0.0.1:1025 (dev/mail); pytest-django swaps in the
# locmem backend, and the SMTP tests put this one back against a real local server.
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env.str("EMAIL_HOST", default="127.0.0.1")
EMAIL_PORT = env.int("EMAIL_PORT", default=1025)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=10.0)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="CrewUp <no-reply@crewup.local>")

# --- HTTP hygiene ---
# Bodies above this are refused with 413 before anything reads them.
REQUEST_BODY_MAX_BYTES = env.int("REQUEST_BODY_MAX_BYTES", default=2 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_BODY_MAX_BYTES
# Links the services build (pagination, the console's sign-in redirect) name the host, port and
# scheme the client used, from the X-Forwarded-Host, -Port and -Proto headers. They are trusted
# because only the ingress reaches a service, and it sets them on every request whatever the
# client sent (scripts/ingress.sh; ingress-nginx in the cluster): locally the services listen
# on 127.0.0.1, in the cluster the network policies admit only the ingress controller, the
# release's own pods and monitoring. A request sent to a service directly (from the machine, or
# from inside the cluster) is trusted too: it can only pick its links' host among ALLOWED_HOSTS
# (any other is refused with 400), and a request without them gets links to where it was sent.
# A service exposed without such a proxy sets these false.
USE_X_FORWARDED_HOST = env.bool("DJANGO_USE_X_FORWARDED_HOST", default=True)
USE_X_FORWARDED_PORT = env.bool("DJANGO_USE_X_FORWARDED_PORT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
# Probes and scrapes reach the pods over plain HTTP inside the cluster.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
# Cookies only over HTTPS, except on a plain-HTTP development machine (`.env.example`).
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"

# --- REST framework ---
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["shared.auth.drf.OIDCJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "shared.auth.permissions.NotBanned",
    ],
    "DEFAULT_RENDERER_CLASSES": ["shared.api.renderers.FastJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "shared.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "shared.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "shared.api.exception_handler.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CrewUp API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Observability ---
# The dependencies `/readyz` checks (names from shared.api.health.CHECKS); services add theirs.
READINESS_CHECKS = ["database"]
PROMETHEUS_EXPORT_MIGRATIONS = False
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": True,
    "RETURN_HEADER": True,
    "EXPOSE_HEADER": True,
    "UUID_LENGTH": 32,
    "UUID_FORMAT": "hex",
}
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "correlation_id": {"()": "django_guid.log_filters.CorrelationId"},
        "service": {"()": "shared.core.logging.ServiceFilter"},
    },
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s %(service)s %(user_id)s",
            "rename_fields": {
                "asctime": "time",
                "levelname": "level",
                "name": "logger",
                "correlation_id": "request_id",
            },
        }
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
            "filters": ["correlation_id", "service"],
        }
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["stdout"], "level": LOG_LEVEL, "propagate": False},
        "django_guid": {"handlers": ["stdout"], "level": "WARNING", "propagate": False},
    },
}
