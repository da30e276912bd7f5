"""This service's own access token, by the OAuth 2 client-credentials grant.

Keycloak gives a confidential client with "service accounts" enabled a token for its service
account user, carrying the realm roles of that user (`service`) and `azp` = the client id.
The token is fetched once and reused until shortly before it expires
(`SERVICE_TOKEN_RENEW_BEFORE_SECONDS`), so a busy service asks the identity provider about
once per token lifetime, not once per call.

A provider that failed to answer is not asked again for `SERVICE_TOKEN_RETRY_AFTER_SECONDS`:
every call meanwhile uses the token held while it is still valid, or fails at once. Without
this pause, each call of a busy service sent its own request to a provider already too slow
to answer, and those requests, answered after the caller had given up, kept it slow (seen
under the whole-system load, `bench/load_mix.py`).
"""

from __future__ import annotations

import base64
import threading
import time
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings

from shared.http.errors import ServiceUnavailable

IDENTITY_PROVIDER = "identity provider"


def token_endpoint() -> str:
    """Return the token endpoint: `SERVICE_TOKEN_URL`, or Keycloak's path under the issuer."""
    configured = settings.SERVICE_TOKEN_URL
    if configured:
        return str(configured)
    return f"{settings.OIDC_ISSUER.rstrip('/')}/protocol/openid-connect/token"


@dataclass(frozen=True)
class _Held:
    value: str
    renew_at: float
    expires_at: float


class ServiceTokenCache:
    """The service token of this process, per token endpoint and client."""

    def __init__(self) -> None:
        self._held: dict[tuple[str, str], _Held] = {}
        self._failed_at: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()
        self.fetch_count = 0

    def get(self) -> str:
        """Return a valid service token, fetching a new one when none is held or it is due.

        Raises:
            ServiceUnavailable: no client is configured, or the identity provider refused or
                could not be reached.
        """
        client_id = settings.SERVICE_CLIENT_ID
        if not client_id:
            raise ServiceUnavailable(IDENTITY_PROVIDER, "SERVICE_CLIENT_ID is not set")
        key = (token_endpoint(), client_id)
        held = self._held.get(key)
        if held is not None and time.time() < held.renew_at:
            return held.value
        # One fetch at a time; the others wait for it and use its token.
        with self._lock:
            held = self._held.get(key)
            now = time.time()
            if held is not None and now < held.renew_at:
                return held.value
            usable = held.value if held is not None and now < held.expires_at else None
            failed_at = self._failed_at.get(key)
            if (
                failed_at is not None
                and now - failed_at < settings.SERVICE_TOKEN_RETRY_AFTER_SECONDS
            ):
                if usable is not None:
                    return usable
                raise ServiceUnavailable(
                    IDENTITY_PROVIDER, "it failed moments ago; not asked again yet"
                )
            try:
                held = self._fetch(key[0], client_id)
            except ServiceUnavailable:
                self._failed_at[key] = time.time()
                if usable is not None:
                    return usable  # renewing early failed; the held token is still good
                raise
            self._failed_at.pop(key, None)
            self._held[key] = held
            return held.value

    def forget(self, token: str) -> None:
        """Drop `token` if it is the one held (a service rejected it: revoked, or keys rotated)."""
        with self._lock:
            for key, held in list(self._held.items()):
                if held.value == token:
                    del self._held[key]

    def clear(self) -> None:
        """Forget every token and the fetch count (tests, and a settings change)."""
        with self._lock:
            self._held.clear()
            self._failed_at.clear()
            self.fetch_count = 0

    def _fetch(self, url: str, client_id: str) -> _Held:
        from shared.http.client import ServiceClient

        self.fetch_count += 1
        secret = settings.SERVICE_CLIENT_SECRET
        # RFC 6749 §2.3.1: both parts are form-encoded before they are joined.
        basic = base64.b64encode(f"{quote(client_id)}:{quote(secret)}".encode()).decode()
        # Asking twice for a token is harmless, so the call may be retried.
        response = ServiceClient(name=IDENTITY_PROVIDER, base_url=url).post(
            "",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}"},
            idempotent=True,
        )
        if response.status_code != 200:
            raise ServiceUnavailable(
                IDENTITY_PROVIDER, f"client-credentials grant answered {response.status_code}"
            )
        try:
            body = response.json()
            token = str(body["access_token"])
            lifetime = float(body.get("expires_in") or 60)
        except (ValueError, KeyError, TypeError) as error:
            raise ServiceUnavailable(IDENTITY_PROVIDER, f"unreadable token: {error!r}") from error
        # Renew ahead of expiry, but never spend more than half a short token's life doing so.
        ahead = min(float(settings.SERVICE_TOKEN_RENEW_BEFORE_SECONDS), lifetime / 2)
        now = time.time()
        return _Held(value=token, renew_at=now + lifetime - ahead, expires_at=now + lifetime)


service_tokens = ServiceTokenCache()
