"""A real OIDC key server for tests: discovery and JWKS over HTTP, and RS256 tokens it vouches for.

Tokens are signed with a freshly generated RSA key and checked by the production code path
(discovery → JWKS → signature), so no test mocks token decoding.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

AUDIENCE = "crewup-api"


class SigningKey:
    """An RSA key pair with a key id, as Keycloak publishes them."""

    def __init__(self, kid: str | None = None) -> None:
        self.kid = kid or uuid.uuid4().hex
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def public_jwk(self) -> dict[str, Any]:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.private_key.public_key()))
        return {**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}


class OIDCTestProvider:
    """Serves `/.well-known/openid-configuration` and the JWKS on a loopback port."""

    def __init__(self, realm: str = "crewup") -> None:
        self.keys: list[SigningKey] = [SigningKey()]
        self.jwks_requests = 0
        self.available = True
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if not provider.available:
                    self.send_error(503)
                    return
                if self.path.endswith("/.well-known/openid-configuration"):
                    body = {"issuer": provider.issuer, "jwks_uri": provider.jwks_uri}
                elif self.path.endswith("/protocol/openid-connect/certs"):
                    provider.jwks_requests += 1
                    body = {"keys": [key.public_jwk() for key in provider.keys]}
                else:
                    self.send_error(404)
                    return
                payload = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        host, port = self._server.server_address[:2]
        self.issuer = f"http://{host}:{port}/realms/{realm}"
        self.jwks_uri = f"{self.issuer}/protocol/openid-connect/certs"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> OIDCTestProvider:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def signing_key(self) -> SigningKey:
        return self.keys[0]

    def rotate(self) -> SigningKey:
        """Publish a new key first in the set and drop the old ones, as a key rotation does."""
        self.keys = [SigningKey()]
        return self.keys[0]

    def make_token(
        self,
        *,
        sub: str | None = None,
        roles: Iterable[str] = ("user",),
        username: str | None = None,
        email: str | None = None,
        expires_in: int = 300,
        key: SigningKey | None = None,
        algorithm: str = "RS256",
        omit: Iterable[str] = (),
        **overrides: Any,
    ) -> str:
        """Mint an access token shaped like Keycloak's; `omit` drops claims, `overrides` replace them."""
        now = int(time.time())
        sub = sub or str(uuid.uuid4())
        username = username or f"user-{sub[:8]}"
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": [AUDIENCE, "account"],
            "azp": "crewup-spa",
            "sub": sub,
            "typ": "Bearer",
            "iat": now,
            "exp": now + expires_in,
            "jti": uuid.uuid4().hex,
            "preferred_username": username,
            "email": email if email is not None else f"{username}@example.test",
            "given_name": username.capitalize(),
            "family_name": "Tester",
            "realm_access": {"roles": list(roles)},
        }
        claims.update(overrides)
        for name in omit:
            claims.pop(name, None)
        signer = key or self.signing_key
        if algorithm == "RS256":
            return jwt.encode(
                claims, signer.private_key, algorithm="RS256", headers={"kid": signer.kid}
            )
        if algorithm == "HS256":
            return jwt.encode(
                claims,
                "a-shared-secret-of-at-least-32-bytes!",
                algorithm="HS256",
                headers={"kid": signer.kid},
            )
        if algorithm == "none":
            return jwt.encode(claims, None, algorithm="none", headers={"kid": signer.kid})
        raise ValueError(algorithm)
