"""A real OIDC key server for tests: discovery and JWKS over HTTP, and RS256 tokens it vouches for.

Tokens are signed with a freshly generated RSA key and checked by the production code path
(discovery → JWKS → signature), so no test mocks token decoding. Confidential clients
registered with `register_client` get service-account tokens from the token endpoint by the
client-credentials grant, as from Keycloak.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qs, unquote_plus

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
        self.token_requests = 0
        # Lifetime of the service-account tokens the token endpoint hands out.
        self.token_lifetime = 300
        self.available = True
        # client id -> (secret, service account's sub, realm roles)
        self.clients: dict[str, tuple[str, str, tuple[str, ...]]] = {}
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if not provider.available:
                    self.send_error(503)
                    return
                if self.path.endswith("/.well-known/openid-configuration"):
                    body: dict[str, Any] = {
                        "issuer": provider.issuer,
                        "jwks_uri": provider.jwks_uri,
                        "token_endpoint": provider.token_endpoint,
                    }
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

            def do_POST(self) -> None:
                if not provider.available:
                    self.send_error(503)
                    return
                if not self.path.endswith("/protocol/openid-connect/token"):
                    self.send_error(404)
                    return
                provider.token_requests += 1
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                status, body = provider.client_credentials_grant(
                    self.headers.get("Authorization", ""),
                    {name: values[0] for name, values in form.items()},
                )
                self.send_json(status, body)

            def send_json(self, status: int, body: dict[str, Any]) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # an IPv4 server's address: (host, port)
        host, port = cast(tuple[str, int], self._server.server_address[:2])
        self.issuer = f"http://{host}:{port}/realms/{realm}"
        self.jwks_uri = f"{self.issuer}/protocol/openid-connect/certs"
        self.token_endpoint = f"{self.issuer}/protocol/openid-connect/token"
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

    def register_client(
        self, client_id: str, secret: str, *, roles: Iterable[str] = ("service",)
    ) -> str:
        """Register a confidential client with a service account; return the account's `sub`."""
        sub = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.issuer}/service-account/{client_id}"))
        self.clients[client_id] = (secret, sub, tuple(roles))
        return sub

    def client_credentials_grant(
        self, authorization: str, form: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        """Answer a token request as Keycloak does: (status, JSON body)."""
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type"}
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if authorization.startswith("Basic "):
            decoded = base64.b64decode(authorization[6:]).decode()
            client_id, _, secret = (unquote_plus(part) for part in decoded.partition(":"))
        registered = self.clients.get(client_id)
        if registered is None or registered[0] != secret:
            return 401, {"error": "invalid_client"}
        _, sub, roles = registered
        token = self.make_token(
            sub=sub,
            roles=roles,
            username=f"service-account-{client_id}",
            azp=client_id,
            client_id=client_id,
            expires_in=self.token_lifetime,
            omit=("email", "given_name", "family_name"),
        )
        return 200, {
            "access_token": token,
            "expires_in": self.token_lifetime,
            "token_type": "Bearer",
        }

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
            return jwt.encode(claims, "", algorithm="none", headers={"kid": signer.kid})
        raise ValueError(algorithm)
