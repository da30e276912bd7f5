"""The signing keys of the identity provider, fetched and cached per process.

The keys are found through the issuer's discovery document (`jwks_uri`) and kept for
`OIDC_JWKS_LIFETIME_SECONDS`. A token whose `kid` is unknown triggers a refetch, but at most
one per `OIDC_JWKS_REFETCH_COOLDOWN_SECONDS`, so a flood of made-up `kid`s is not a flood of
requests to Keycloak. While the provider cannot be reached, the keys already held stay in use.
PyJWT's own `PyJWKClient` is not used: its cache never expires, so a key Keycloak removed
would stay trusted.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import httpx
from django.conf import settings
from jwt import PyJWK, PyJWKSet
from jwt.exceptions import PyJWKError, PyJWKSetError

logger = logging.getLogger(__name__)


class JWKSUnavailable(Exception):
    """No keys are held and the identity provider could not be reached."""


class JWKSCache:
    """Signing keys by `kid`, with a lifetime and a cooldown on refetches."""

    def __init__(
        self,
        *,
        issuer: str,
        lifetime_seconds: float,
        refetch_cooldown_seconds: float,
        timeout_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.lifetime_seconds = lifetime_seconds
        self.refetch_cooldown_seconds = refetch_cooldown_seconds
        self.timeout_seconds = timeout_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at: float | None = None
        self._last_attempt_at: float | None = None
        self._jwks_uri: str | None = None
        self.fetch_count = 0

    def get_signing_key(self, kid: str) -> PyJWK | None:
        """Return the key for `kid`, fetching the key set when it is stale or lacks `kid`.

        Returns None for a `kid` the provider does not publish.

        Raises:
            JWKSUnavailable: no key was ever fetched and the provider is unreachable.
        """
        with self._lock:
            now = self._clock()
            stale = self._fetched_at is None or now - self._fetched_at >= self.lifetime_seconds
            if (stale or kid not in self._keys) and self._cooldown_over(now):
                self._refresh(now)
            if self._fetched_at is None:
                raise JWKSUnavailable(self.issuer)
            return self._keys.get(kid)

    def _cooldown_over(self, now: float) -> bool:
        return (
            self._last_attempt_at is None
            or now - self._last_attempt_at >= self.refetch_cooldown_seconds
        )

    def _refresh(self, now: float) -> None:
        self._last_attempt_at = now
        try:
            keys = self._fetch()
        except (httpx.HTTPError, ValueError, KeyError, PyJWKError, PyJWKSetError) as error:
            logger.warning(
                "jwks fetch failed; keeping the %d keys held",
                len(self._keys),
                extra={"error": str(error)},
            )
            return
        self._keys = keys
        self._fetched_at = now

    def _fetch(self) -> dict[str, PyJWK]:
        self.fetch_count += 1
        with httpx.Client(timeout=self.timeout_seconds) as client:
            if self._jwks_uri is None:
                discovery = client.get(f"{self.issuer}/.well-known/openid-configuration")
                discovery.raise_for_status()
                self._jwks_uri = discovery.json()["jwks_uri"]
            response = client.get(self._jwks_uri)
            response.raise_for_status()
            key_set = PyJWKSet.from_dict(response.json())
        return {
            key.key_id: key
            for key in key_set.keys
            if key.key_id and key.public_key_use in (None, "sig")
        }


_caches: dict[str, JWKSCache] = {}
_caches_lock = threading.Lock()


def get_jwks_cache() -> JWKSCache:
    """Return this process's cache for the configured issuer."""
    issuer = settings.OIDC_ISSUER
    with _caches_lock:
        cache = _caches.get(issuer)
        if cache is None:
            cache = JWKSCache(
                issuer=issuer,
                lifetime_seconds=settings.OIDC_JWKS_LIFETIME_SECONDS,
                refetch_cooldown_seconds=settings.OIDC_JWKS_REFETCH_COOLDOWN_SECONDS,
                timeout_seconds=settings.OIDC_HTTP_TIMEOUT_SECONDS,
            )
            _caches[issuer] = cache
        return cache


def reset_jwks_caches() -> None:
    """Forget every cached key set and verified token (tests, and a settings change)."""
    from shared.auth.tokens import verified_tokens

    with _caches_lock:
        _caches.clear()
    verified_tokens.clear()
