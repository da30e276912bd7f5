"""Log filters of the provider."""

import logging


class PasswordGrantNotice(logging.Filter):
    """Drop DOT's per-request warning about the password grant.

    The grant is on deliberately (Keycloak's "direct access grants", for `crewup-cli`, the
    README's curl and the benchmarks' logins); `manage.py check --deploy` still reports it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "resource owner password credentials grant" not in record.getMessage()
