"""E-mail delivery: one rendered notification to one address, through Django's e-mail API.

The message is multipart/alternative, plain text first and HTML as the alternative, with
`Content-Language`, `Auto-Submitted: auto-generated` (RFC 3834: no auto-replies, please)
and `List-Unsubscribe` pointing at the app's notification settings. The SMTP server comes
from settings (`EMAIL_HOST`, `EMAIL_PORT`, ...); a failure is raised as `EmailNotSent`,
which says whether trying again later can help.
"""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend

from shared.notifications.render import SETTINGS_PATH, RenderedNotification, supported_language


class EmailNotSent(Exception):
    """The SMTP server did not take the e-mail.

    `temporary` is True when trying again later can help: a 4xx reply (RFC 5321 §4.2.1),
    no connection, a timeout, a dropped connection. A 5xx reply (an unknown mailbox, a
    refused sender, failed authentication) is permanent. `smtp_code` is the reply's code,
    when the server gave one.
    """

    def __init__(self, message: str, *, temporary: bool, smtp_code: int | None = None) -> None:
        super().__init__(message)
        self.temporary = temporary
        self.smtp_code = smtp_code


def email_send(
    *,
    to: str,
    rendered: RenderedNotification,
    language: str,
    connection: BaseEmailBackend | None = None,
) -> None:
    """Send a rendered notification by e-mail to `to`, in `language` (its Content-Language).

    `connection` lets a caller send several e-mails over one SMTP connection
    (`django.core.mail.get_connection()`); by default each e-mail opens its own.

    Raises:
        EmailNotSent: the SMTP server refused the e-mail or could not be reached.
        django.core.mail.BadHeaderError: `to` holds a line break (a caller's bug).
    """
    base_url = str(settings.PUBLIC_BASE_URL).rstrip("/")
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={
            "Content-Language": supported_language(language),
            "Auto-Submitted": "auto-generated",
            "List-Unsubscribe": f"<{base_url}{SETTINGS_PATH}>",
        },
        connection=connection,
    )
    message.attach_alternative(rendered.html, "text/html")
    try:
        message.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        raise EmailNotSent(
            f"The SMTP server refused the recipient: {codes}",
            temporary=all(400 <= code < 500 for code in codes),
            smtp_code=codes[0] if codes else None,
        ) from error
    except smtplib.SMTPResponseException as error:
        raise EmailNotSent(
            f"The SMTP server refused the e-mail: {error.smtp_code} {error.smtp_error!r}",
            temporary=400 <= error.smtp_code < 500,
            smtp_code=error.smtp_code,
        ) from error
    except (smtplib.SMTPException, OSError) as error:
        # No connection, a timeout (TimeoutError is an OSError), a dropped connection.
        raise EmailNotSent(
            f"The SMTP server could not be reached: {type(error).__name__}: {error}",
            temporary=True,
        ) from error
