"""The refusal a caller gets when a service it depends on cannot answer."""

from __future__ import annotations

from shared.api.errors import ApplicationError


class ServiceUnavailable(ApplicationError):
    """A dependency is down, timed out, failed or answered what it should not.

    Rendered as 503 `dependency_unavailable`, with the dependency's name in `fields`, so a
    client knows to try again shortly and an operator knows where to look.
    """

    code = "dependency_unavailable"
    status = 503
    message = "A service this request needs is unavailable; try again shortly."

    def __init__(self, dependency: str, reason: str = "") -> None:
        super().__init__(
            f"The {dependency} service is unavailable; try again shortly.",
            fields={"dependency": dependency},
        )
        self.dependency = dependency
        self.reason = reason
