"""Service-to-service HTTP: one client with timeouts, bounded retries, the request id and tokens.

`ServiceClient` calls another CrewUp service; `groups` and `events` wrap the endpoints the
safety service uses. A dependency that is down, slow or failing raises `ServiceUnavailable`,
which the API renders as a 503 naming the dependency: never a hang, never a 500.
"""
