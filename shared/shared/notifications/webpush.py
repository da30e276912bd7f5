"""Web Push delivery: one JSON message to one browser subscription, or to many at once.

The protocol is RFC 8030 (an HTTP POST to the subscription's endpoint at the browser's push
service), the payload is encrypted for the browser with aes128gcm (RFC 8291, RFC 8188) and
the request is signed with our VAPID key (RFC 8292). pywebpush, http-ece and py-vapid do the
cryptography; this module decides what is sent, with which headers, over which connection,
and what the push service's answer means for the subscription (`PushOutcome`).

Configuration (settings, from the environment):

- `WEBPUSH_VAPID_PRIVATE_KEY`: the raw 32-byte P-256 private scalar, base64url, one line
  (`scripts/vapid_keys.py` prints a pair). Not PEM: one format, and the one that fits in an
  environment variable.
- `WEBPUSH_VAPID_PUBLIC_KEY`: its public key, the 65-byte uncompressed point, base64url:
  the SPA hands it to `pushManager.subscribe()` as `applicationServerKey`, and it must be the
  private key's (checked when we sign).
- `WEBPUSH_VAPID_SUBJECT`: a `mailto:` (or `https:`) contact for the push services.
- `WEBPUSH_ENDPOINT_ORIGINS`: the push services we POST to (origins, `*` as a wildcard).

Any VAPID setting empty: push is disabled (`push_enabled()` is False).

What is cheap here: the VAPID token (an ES256 JWT) is signed once per push service origin
and reused until an hour before it expires (12 h), in-process and thread-safe, so an alert
to fifty members costs one signature per push service, not fifty. HTTP connections are
reused through one `requests.Session` per thread. Each message is still encrypted on its
own: every subscription has its own keys.
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import json
import logging
import re
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from py_vapid import Vapid02, VapidException
from pywebpush import WebPusher

logger = logging.getLogger(__name__)

# Push services take about 4 KB of encrypted payload; the JSON stays well below, leaving room
# for the encryption's header, padding and tag.
MAX_PAYLOAD_BYTES = 3 * 1024
URGENCIES = ("very-low", "low", "normal", "high")  # RFC 8030 §5.3
DEFAULT_TTL_SECONDS = 24 * 60 * 60
DEFAULT_TIMEOUT_SECONDS = 5.0
DEFAULT_MAX_WORKERS = 8
# RFC 8292 allows a token to live at most 24 h; 12 h is what the reference libraries sign,
# and renewing an hour early keeps a token in flight from expiring on a slow clock.
VAPID_TOKEN_LIFETIME_SECONDS = 12 * 60 * 60
VAPID_TOKEN_RENEW_BEFORE_SECONDS = 60 * 60

_TOPIC = re.compile(r"[A-Za-z0-9_-]{1,32}")  # RFC 8030 §5.4: at most 32 base64url characters
_DEFAULT_PORTS = {"http": 80, "https": 443}


class PushStatus(StrEnum):
    """What the push service's answer means for the message and the subscription."""

    SENT = "sent"  # accepted (201): the push service will deliver it
    GONE = "gone"  # the subscription is dead (404, 410) or unusable: remove it
    RETRY = "retry"  # try again later (429, 5xx, no connection, timeout); see retry_after
    REJECTED = "rejected"  # refused for good (other 4xx, e.g. 413): do not send it again


@dataclass(frozen=True)
class PushOutcome:
    """The result of one push: its status, the push service's HTTP status, if any, and
    `retry_after`, the seconds the push service asked us to wait (from Retry-After)."""

    status: PushStatus
    status_code: int | None = None
    retry_after: float | None = None


@dataclass(frozen=True)
class PushMessage:
    """One message to one subscription, for `push_send_many`."""

    endpoint: str
    p256dh: str
    auth: str
    payload: Mapping[str, Any]
    urgency: str = "normal"
    ttl: int = DEFAULT_TTL_SECONDS
    topic: str | None = None


@dataclass(frozen=True)
class _Token:
    authorization: str
    expires_at: int


_tokens: dict[tuple[str, str, str], _Token] = {}
_tokens_lock = threading.Lock()
_local = threading.local()


def push_enabled() -> bool:
    """Whether Web Push is configured: the VAPID key pair and subject are all set."""
    return bool(
        settings.WEBPUSH_VAPID_PRIVATE_KEY
        and settings.WEBPUSH_VAPID_PUBLIC_KEY
        and settings.WEBPUSH_VAPID_SUBJECT
    )


def push_endpoint_allowed(endpoint: str) -> bool:
    """Whether `endpoint` is at one of the push services of `WEBPUSH_ENDPOINT_ORIGINS`.

    For the API to check a subscription before storing it; `push_send` checks it again.
    """
    try:
        origin = _origin(endpoint)
    except ValueError:
        return False
    return any(
        fnmatchcase(origin, pattern.strip().lower())
        for pattern in settings.WEBPUSH_ENDPOINT_ORIGINS
        if pattern.strip()
    )


def push_keys_valid(*, p256dh: str, auth: str) -> bool:
    """Whether a subscription's keys are a P-256 public key and a 16-byte auth secret (RFC 8291)."""
    try:
        public = _b64url_decode(p256dh)
        secret = _b64url_decode(auth)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), public)
    except (ValueError, TypeError, binascii.Error):
        return False
    return len(public) == 65 and len(secret) == 16


def push_payload_encode(payload: Mapping[str, Any]) -> bytes:
    """Encode a push payload as compact UTF-8 JSON.

    Raises:
        ValueError: the JSON is larger than MAX_PAYLOAD_BYTES (3 KB), or not JSON at all.
    """
    try:
        data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    except TypeError as error:
        raise ValueError(f"The push payload is not JSON: {error}") from error
    if len(data) > MAX_PAYLOAD_BYTES:
        raise ValueError(
            f"The push payload is {len(data)} bytes of JSON; at most {MAX_PAYLOAD_BYTES} fit."
        )
    return data


def push_send(
    *,
    endpoint: str,
    p256dh: str,
    auth: str,
    payload: Mapping[str, Any],
    urgency: str = "normal",
    ttl: int = DEFAULT_TTL_SECONDS,
    topic: str | None = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> PushOutcome:
    """Send `payload` (JSON) to one browser subscription and say what became of it.

    `urgency` is RFC 8030's (very-low, low, normal, high: high wakes a sleeping phone);
    `ttl` how many seconds the push service keeps the message for an offline browser;
    `topic` (up to 32 base64url characters) makes the message replace an undelivered one
    with the same topic. A subscription whose endpoint is not at an allowed push service,
    or whose keys are malformed, is `gone`: it can never be delivered to.

    Raises:
        ValueError: the payload is over 3 KB or not JSON, or urgency, ttl or topic is invalid.
        ImproperlyConfigured: push is disabled, or the VAPID settings are invalid.
    """
    message = PushMessage(
        endpoint=endpoint,
        p256dh=p256dh,
        auth=auth,
        payload=payload,
        urgency=urgency,
        ttl=ttl,
        topic=topic,
    )
    data = _prepare(message)
    return _deliver(message, data, timeout=timeout, session=_session())


def push_send_many(
    items: Sequence[PushMessage],
    *,
    max_workers: int = DEFAULT_MAX_WORKERS,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> list[PushOutcome]:
    """Send several messages in parallel; return their outcomes in the order of `items`.

    Every message is checked before the first is sent, so a bad one sends none. The threads
    share the VAPID tokens and each keeps its connections for the messages it sends.

    Raises:
        ValueError: a message is invalid (see `push_send`).
        ImproperlyConfigured: push is disabled, or the VAPID settings are invalid.
    """
    prepared = [(item, _prepare(item)) for item in items]
    if not prepared:
        return []
    if not push_enabled():
        raise ImproperlyConfigured(_DISABLED)
    sessions: list[requests.Session] = []
    sessions_lock = threading.Lock()

    def thread_start() -> None:
        session = _new_session()
        _local.session = session
        with sessions_lock:
            sessions.append(session)

    def send(pair: tuple[PushMessage, bytes]) -> PushOutcome:
        return _deliver(pair[0], pair[1], timeout=timeout, session=_session())

    try:
        with ThreadPoolExecutor(
            max_workers=max(1, min(max_workers, len(prepared))),
            thread_name_prefix="webpush",
            initializer=thread_start,
        ) as pool:
            return list(pool.map(send, prepared))
    finally:
        for session in sessions:
            session.close()


def vapid_key_pair_generate() -> tuple[str, str]:
    """Make a new VAPID key pair: (private key, public key), both base64url as settings want."""
    private_key = ec.generate_private_key(ec.SECP256R1())
    private = private_key.private_numbers().private_value.to_bytes(32, "big")
    public = private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return _b64url_encode(private), _b64url_encode(public)


def vapid_tokens_clear() -> None:
    """Forget the signed VAPID tokens (after a key rotation in a running process, and in tests)."""
    with _tokens_lock:
        _tokens.clear()


_DISABLED = (
    "Web Push is disabled: set WEBPUSH_VAPID_PRIVATE_KEY, WEBPUSH_VAPID_PUBLIC_KEY and "
    "WEBPUSH_VAPID_SUBJECT (check push_enabled() first)."
)


def _prepare(message: PushMessage) -> bytes:
    """Check a message's options and encode its payload; raise ValueError before any send."""
    if message.urgency not in URGENCIES:
        raise ValueError(f"Urgency must be one of {', '.join(URGENCIES)}.")
    if not isinstance(message.ttl, int) or message.ttl < 0:
        raise ValueError("TTL must be a whole number of seconds, 0 or more.")
    if message.topic is not None and not _TOPIC.fullmatch(message.topic):
        raise ValueError("A topic is 1 to 32 characters of A-Z, a-z, 0-9, '-' and '_'.")
    return push_payload_encode(message.payload)


def _deliver(
    message: PushMessage, data: bytes, *, timeout: float, session: requests.Session
) -> PushOutcome:
    if not push_enabled():
        raise ImproperlyConfigured(_DISABLED)
    if not push_endpoint_allowed(message.endpoint):
        logger.warning("Web Push endpoint refused: not at an allowed push service")
        return PushOutcome(PushStatus.GONE)
    if not push_keys_valid(p256dh=message.p256dh, auth=message.auth):
        logger.warning("Web Push subscription refused: its keys are malformed")
        return PushOutcome(PushStatus.GONE)
    origin = _origin(message.endpoint)
    headers = {"Authorization": _vapid_authorization(origin), "Urgency": message.urgency}
    if message.topic:
        headers["Topic"] = message.topic
    pusher = WebPusher(
        {"endpoint": message.endpoint, "keys": {"p256dh": message.p256dh, "auth": message.auth}},
        requests_session=session,
    )
    try:
        response = pusher.send(
            data, headers, ttl=message.ttl, content_encoding="aes128gcm", timeout=timeout
        )
    except requests.TooManyRedirects:
        # A push service answers, it does not redirect; following one could lead anywhere.
        logger.warning("Web Push to %s refused: the push service redirected", origin)
        return PushOutcome(PushStatus.REJECTED)
    except requests.RequestException as error:
        logger.info("Web Push to %s failed, to retry: %s", origin, type(error).__name__)
        return PushOutcome(PushStatus.RETRY)
    outcome = _outcome(response)
    if response.status_code in (401, 403):
        # The push service refused our token: sign a new one next time.
        _token_forget(origin)
    if outcome.status == PushStatus.REJECTED:
        logger.warning("Web Push to %s rejected: HTTP %s", origin, response.status_code)
    return outcome


def _outcome(response: requests.Response) -> PushOutcome:
    code = response.status_code
    if 200 <= code < 300:
        return PushOutcome(PushStatus.SENT, code)
    if code in (404, 410):
        return PushOutcome(PushStatus.GONE, code)
    if code == 429 or code >= 500:
        return PushOutcome(
            PushStatus.RETRY, code, _retry_after(response.headers.get("Retry-After"))
        )
    return PushOutcome(PushStatus.REJECTED, code)


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds from now: delay-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _vapid_authorization(origin: str) -> str:
    """The `Authorization: vapid t=..., k=...` value for `origin`: a cached token, or a new one."""
    key = (origin, settings.WEBPUSH_VAPID_PRIVATE_KEY, settings.WEBPUSH_VAPID_SUBJECT)
    now = _now()
    with _tokens_lock:
        token = _tokens.get(key)
        if token is None or token.expires_at - VAPID_TOKEN_RENEW_BEFORE_SECONDS <= now:
            token = _sign(origin, now)
            for stale in [k for k, t in _tokens.items() if t.expires_at <= now]:
                del _tokens[stale]
            _tokens[key] = token
        return token.authorization


def _token_forget(origin: str) -> None:
    with _tokens_lock:
        for key in [key for key in _tokens if key[0] == origin]:
            del _tokens[key]


def _sign(origin: str, now: float) -> _Token:
    """Sign a VAPID token for `origin` (RFC 8292 §2: aud, exp, sub) with our key."""
    vapid = _vapid_key()
    expires_at = int(now) + VAPID_TOKEN_LIFETIME_SECONDS
    claims = {"aud": origin, "exp": expires_at, "sub": settings.WEBPUSH_VAPID_SUBJECT}
    try:
        headers = vapid.sign(claims)
    except VapidException as error:
        raise ImproperlyConfigured(f"WEBPUSH_VAPID_SUBJECT is not usable: {error}") from error
    return _Token(authorization=headers["Authorization"], expires_at=expires_at)


def _vapid_key() -> Vapid02:
    """Our VAPID signer, from the settings; its public key must be the configured one."""
    private = str(settings.WEBPUSH_VAPID_PRIVATE_KEY).strip()
    try:
        raw = _b64url_decode(private)
        if len(raw) != 32:
            raise ValueError("not 32 bytes")
        vapid = Vapid02.from_raw(private.encode())
        configured_public = _b64url_decode(str(settings.WEBPUSH_VAPID_PUBLIC_KEY).strip())
    except (ValueError, TypeError, binascii.Error) as error:
        raise ImproperlyConfigured(
            "WEBPUSH_VAPID_PRIVATE_KEY must be a raw P-256 private key (32 bytes, base64url) "
            "and WEBPUSH_VAPID_PUBLIC_KEY its public key; scripts/vapid_keys.py makes a pair."
        ) from error
    public = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    if public != configured_public:
        raise ImproperlyConfigured(
            "WEBPUSH_VAPID_PUBLIC_KEY is not the public key of WEBPUSH_VAPID_PRIVATE_KEY: "
            "browsers subscribed with it would refuse our messages."
        )
    return vapid


def _origin(endpoint: str) -> str:
    """The origin (RFC 6454) of an http(s) URL: scheme, host and a port other than the default.

    Raises:
        ValueError: not an http(s) URL with a host.
    """
    parts = urlsplit(endpoint)
    scheme = parts.scheme.lower()
    host = parts.hostname  # lower-cased
    port = parts.port  # raises ValueError when malformed
    if scheme not in _DEFAULT_PORTS or not host:
        raise ValueError("A push endpoint is an http(s) URL with a host.")
    if ":" in host:
        host = f"[{host}]"
    if port in (None, _DEFAULT_PORTS[scheme]):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def _session() -> requests.Session:
    """This thread's HTTP session (its connection pool), made on first use."""
    session: requests.Session | None = getattr(_local, "session", None)
    if session is None:
        session = _new_session()
        _local.session = session
    return session


def _new_session() -> requests.Session:
    session = requests.Session()
    session.max_redirects = 0  # a redirect raises TooManyRedirects: never followed
    return session


def _now() -> float:
    return time.time()


def _b64url_decode(value: str) -> bytes:
    """Decode base64url, padded or not; anything outside the alphabet is an error."""
    value = value.strip()
    return base64.b64decode(value + "=" * (-len(value) % 4), altchars=b"-_", validate=True)


def _b64url_encode(value: bytes) -> str:
    return base64.urlsafe_b64encode(value).rstrip(b"=").decode()
