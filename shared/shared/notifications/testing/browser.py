"""The browser's side of Web Push, for tests: a subscription's keys, decryption, VAPID checks.

`BrowserSubscription` makes what `pushManager.subscribe()` makes in a browser: a P-256 key
pair and a 16-byte auth secret (RFC 8291 §2), handed to the server as base64url `p256dh` and
`auth`, and decrypts what a push service delivers (aes128gcm, RFC 8188) with them.

`vapid_verify` checks a request's `Authorization: vapid t=<JWT>, k=<key>` header as a push
service does (RFC 8292): written here with `cryptography` from the RFC, not with py-vapid,
so the code under test is checked by a second implementation.
"""

from __future__ import annotations

import base64
import json
import os
import time
from typing import Any
from urllib.parse import urlsplit

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

MAX_TOKEN_LIFETIME_SECONDS = 24 * 60 * 60  # RFC 8292 §2


class VapidInvalid(Exception):
    """A VAPID Authorization header a push service would refuse; the message says why."""


class BrowserSubscription:
    """A push subscription as a browser makes one: an endpoint and fresh keys."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self._private_key = ec.generate_private_key(ec.SECP256R1())
        self._auth_secret = os.urandom(16)

    @property
    def p256dh(self) -> str:
        """The public key, uncompressed point, base64url (the subscription's `keys.p256dh`)."""
        return b64url_encode(
            self._private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    @property
    def auth(self) -> str:
        """The auth secret, base64url (the subscription's `keys.auth`)."""
        return b64url_encode(self._auth_secret)

    def as_kwargs(self) -> dict[str, str]:
        """`endpoint`, `p256dh` and `auth`, as `push_send` takes them."""
        return {"endpoint": self.endpoint, "p256dh": self.p256dh, "auth": self.auth}

    def decrypt(self, body: bytes) -> bytes:
        """Decrypt an aes128gcm push message body with this subscription's keys.

        Raises:
            http_ece.ECEException, cryptography.exceptions.InvalidTag: not for these keys.
        """
        plain: bytes = http_ece.decrypt(
            body,
            private_key=self._private_key,
            auth_secret=self._auth_secret,
            version="aes128gcm",
        )
        return plain


def vapid_verify(
    authorization: str,
    *,
    endpoint: str,
    public_key: str,
    subject: str,
    now: float | None = None,
) -> dict[str, Any]:
    """Check a VAPID Authorization header for a request to `endpoint`; return its claims.

    Checks: the `vapid` scheme with `t` and `k`; `k` is `public_key`; `t` is an ES256 JWT
    whose signature verifies with `k`; `aud` is the endpoint's origin; `exp` is after `now`
    and at most 24 hours after it; `sub` is `subject`.

    Raises:
        VapidInvalid: any check fails.
    """
    now = time.time() if now is None else now
    scheme, _, parameters = authorization.strip().partition(" ")
    if scheme.lower() != "vapid":
        raise VapidInvalid(f"scheme {scheme!r}, not vapid")
    values = dict(
        part.strip().split("=", 1) for part in parameters.split(",") if "=" in part.strip()
    )
    if "t" not in values or "k" not in values:
        raise VapidInvalid("t= or k= missing")
    key = b64url_decode(values["k"])
    if key != b64url_decode(public_key):
        raise VapidInvalid("k is not the configured public key")
    try:
        header_part, claims_part, signature_part = values["t"].split(".")
        header = json.loads(b64url_decode(header_part))
        claims: dict[str, Any] = json.loads(b64url_decode(claims_part))
        signature = b64url_decode(signature_part)
    except ValueError as error:
        raise VapidInvalid(f"t is not a JWT: {error}") from error
    if header.get("alg") != "ES256":
        raise VapidInvalid(f"alg {header.get('alg')!r}, not ES256")
    if len(signature) != 64:
        raise VapidInvalid("an ES256 signature is 64 bytes (r || s)")
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), key).verify(
            der, f"{header_part}.{claims_part}".encode(), ec.ECDSA(hashes.SHA256())
        )
    except (InvalidSignature, ValueError) as error:
        raise VapidInvalid("the signature does not verify with k") from error
    parts = urlsplit(endpoint)
    if claims.get("aud") != f"{parts.scheme}://{parts.netloc}":
        raise VapidInvalid(f"aud {claims.get('aud')!r} is not the endpoint's origin")
    expires_at = claims.get("exp")
    if not isinstance(expires_at, int) or not now < expires_at <= now + MAX_TOKEN_LIFETIME_SECONDS:
        raise VapidInvalid(f"exp {expires_at!r} is not within the next 24 hours")
    if claims.get("sub") != subject:
        raise VapidInvalid(f"sub {claims.get('sub')!r} is not {subject!r}")
    return claims


def b64url_encode(value: bytes) -> str:
    """Base64url without padding, as Web Push writes keys."""
    return base64.urlsafe_b64encode(value).rstrip(b"=").decode()


def b64url_decode(value: str) -> bytes:
    """Base64url, padded or not."""
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
