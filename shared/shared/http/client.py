"""The HTTP client one CrewUp service uses to call another.

Every call has a connect and a read timeout, carries the request id (`X-Request-ID`, from
django-guid) so one request can be followed through the services' logs, and authenticates
with the caller's own token (`UserToken`) or this service's identity (`ServiceAccount`, a
client-credentials token). Failures are retried a bounded number of times, only where a retry
is safe and useful:

- a connection that could not be made (the request never left): for any method;
- 502/503/504 and a dropped connection: for idempotent calls only (GET, or a POST the callee
  deduplicates and the caller marks `idempotent=True`);
- never a read timeout: a service that is slow now will be slow again, and the caller waits.

What is still failing after that raises `ServiceUnavailable`, a 503 naming the dependency.
`call_budget()` bounds the total time of several calls (one request checking several crews).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from typing import Any

import httpx
from django.conf import settings
from django_guid import get_guid
from prometheus_client import Counter, Histogram

from shared.http.errors import ServiceUnavailable

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
RETRYABLE_STATUSES = frozenset({502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

SERVICE_CALLS = Counter(
    "service_calls",
    "Calls to other CrewUp services, by dependency and outcome (ok, unavailable).",
    ["dependency", "outcome"],
)
SERVICE_CALL_SECONDS = Histogram(
    "service_call_seconds",
    "Time of a call to another CrewUp service, retries included.",
    ["dependency"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)

_deadline: ContextVar[float | None] = ContextVar("service_call_deadline", default=None)


@contextlib.contextmanager
def call_budget(seconds: float) -> Iterator[None]:
    """Bound the total time of every call made inside the block to `seconds`.

    Each attempt's timeouts shrink to what is left, and a call that starts with nothing left
    raises `ServiceUnavailable` at once. Nested budgets keep the tighter deadline.
    """
    deadline = time.monotonic() + seconds
    current = _deadline.get()
    token = _deadline.set(deadline if current is None else min(current, deadline))
    try:
        yield
    finally:
        _deadline.reset(token)


def _remaining() -> float | None:
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


class Credentials:
    """How a call authenticates; the base class sends no Authorization header."""

    def authorization(self) -> str | None:
        """Return the `Authorization` header value, or None for an anonymous call.

        Raises:
            ServiceUnavailable: a token is needed and cannot be had.
        """
        return None

    def renew(self, rejected: str) -> bool:
        """Forget a token the callee rejected (401); return whether trying again may help."""
        return False


class UserToken(Credentials):
    """The caller's own bearer token, passed through: the callee applies the user's rights."""

    def __init__(self, token: str) -> None:
        self.token = token

    def authorization(self) -> str | None:
        return f"Bearer {self.token}"


class ServiceAccount(Credentials):
    """This service's own identity: a client-credentials token from the identity provider."""

    def authorization(self) -> str | None:
        from shared.http.tokens import service_tokens

        return f"Bearer {service_tokens.get()}"

    def renew(self, rejected: str) -> bool:
        from shared.http.tokens import service_tokens

        service_tokens.forget(rejected.removeprefix("Bearer "))
        return True


ANONYMOUS = Credentials()
SERVICE_ACCOUNT = ServiceAccount()

_clients: dict[int, httpx.Client] = {}
_clients_lock = threading.Lock()


def _http_client() -> httpx.Client:
    """This process's pooled client (a pool made before a fork must not be shared)."""
    pid = os.getpid()
    client = _clients.get(pid)
    if client is None:
        with _clients_lock:
            client = _clients.get(pid)
            if client is None:
                client = httpx.Client(
                    follow_redirects=False,
                    limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
                )
                _clients.clear()
                _clients[pid] = client
    return client


def request_id() -> str:
    """Return the current request's id, or a new one for work outside a request (a task)."""
    return get_guid() or uuid.uuid4().hex


class ServiceClient:
    """Calls one dependency at `base_url`; `name` names it in errors, logs and metrics.

    Timeouts, attempts and backoff default to the `SERVICE_HTTP_*` settings.
    """

    def __init__(
        self,
        *,
        name: str,
        base_url: str,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        attempts: int | None = None,
        backoff: float | None = None,
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.connect_timeout = (
            connect_timeout
            if connect_timeout is not None
            else settings.SERVICE_HTTP_CONNECT_TIMEOUT_SECONDS
        )
        self.read_timeout = (
            read_timeout if read_timeout is not None else settings.SERVICE_HTTP_READ_TIMEOUT_SECONDS
        )
        self.attempts = max(1, attempts if attempts is not None else settings.SERVICE_HTTP_ATTEMPTS)
        self.backoff = (
            backoff if backoff is not None else settings.SERVICE_HTTP_RETRY_BACKOFF_SECONDS
        )

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def request(
        self,
        method: str,
        path: str,
        *,
        credentials: Credentials = ANONYMOUS,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> httpx.Response:
        """Send one call, with retries where safe; return any answer below 500.

        A 401 with `ServiceAccount` credentials renews the token and tries once more. The
        caller interprets 2xx and 4xx answers (a 404 usually means "no such thing").

        Raises:
            ServiceUnavailable: no connection, a timeout, a 5xx, or the budget ran out.
        """
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        url = f"{self.base_url}{path}"
        rid = request_id()
        started = time.monotonic()
        renewed = False
        attempt = 0
        reason = ""
        try:
            while True:
                attempt += 1
                timeout = self._timeout(url)
                call_headers = {REQUEST_ID_HEADER: rid, **(headers or {})}
                authorization = credentials.authorization()
                if authorization is not None:
                    call_headers["Authorization"] = authorization
                retryable = False
                try:
                    response = _http_client().request(
                        method,
                        url,
                        json=json,
                        data=data,
                        params=params,
                        headers=call_headers,
                        timeout=timeout,
                    )
                except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                    reason, retryable = f"cannot connect: {error!r}", True
                except httpx.TimeoutException as error:
                    reason = f"timed out: {error!r}"
                except httpx.TransportError as error:
                    reason, retryable = f"connection failed: {error!r}", idempotent
                else:
                    status = response.status_code
                    if status == 401 and authorization and not renewed:
                        renewed = True
                        if credentials.renew(authorization):
                            attempt -= 1  # a renewed token is not a retry of a failure
                            continue
                    if status < 500:
                        SERVICE_CALLS.labels(self.name, "ok").inc()
                        return response
                    reason = f"answered {status}"
                    retryable = idempotent and status in RETRYABLE_STATUSES
                if not retryable or attempt >= self.attempts:
                    break
                self._pause(attempt)
        finally:
            SERVICE_CALL_SECONDS.labels(self.name).observe(time.monotonic() - started)
        SERVICE_CALLS.labels(self.name, "unavailable").inc()
        logger.warning(
            "%s service unavailable: %s %s %s after %d attempt(s)",
            self.name,
            method,
            url,
            reason,
            attempt,
            extra={"dependency": self.name, "request_id": rid},
        )
        raise ServiceUnavailable(self.name, reason)

    def _timeout(self, url: str) -> httpx.Timeout:
        connect, read = self.connect_timeout, self.read_timeout
        remaining = _remaining()
        if remaining is not None:
            if remaining <= 0.01:
                raise ServiceUnavailable(self.name, f"no time left to call {url}")
            connect, read = min(connect, remaining), min(read, remaining)
        return httpx.Timeout(connect=connect, read=read, write=read, pool=connect)

    def _pause(self, attempt: int) -> None:
        pause = self.backoff * attempt
        remaining = _remaining()
        if remaining is not None:
            pause = min(pause, max(0.0, remaining))
        time.sleep(pause)
