import socket

import pytest
from django.core.mail import get_connection

from shared.notifications.email import EmailNotSent, email_send
from shared.notifications.kinds import NotificationKind
from shared.notifications.render import notification_render
from shared.notifications.testing.payloads import EXAMPLE_PAYLOADS

BASE_URL = "https://crewup.example"


@pytest.fixture(autouse=True)
def _public_base_url(settings):
    settings.PUBLIC_BASE_URL = BASE_URL


def render(kind, language="en", time_zone="Europe/Stockholm", **changes):
    payload = {**EXAMPLE_PAYLOADS[kind], **changes}
    return notification_render(kind=kind, payload=payload, language=language, time_zone=time_zone)


def parts_of(message):
    """The text and HTML parts, with the line endings of the SMTP wire (CRLF) undone."""
    return tuple(
        message.get_body((subtype,)).get_content().replace("\r\n", "\n")
        for subtype in ("plain", "html")
    )


def header(message, name):
    """A header's decoded value, without the space Python's parser keeps before an encoded
    word that Django folded onto the next line (a long non-ASCII subject); mail programs drop
    it too."""
    return message[name].strip()


def test_an_email_has_the_text_and_the_html_and_says_who_it_is_from(smtp_server):
    # given
    rendered = render(NotificationKind.ALERT_RAISED)

    # when
    email_send(to="bob@example.com", rendered=rendered, language="en")

    # then
    [mail] = smtp_server.received
    assert mail.mail_from == "no-reply@crewup.local"
    assert mail.recipients == ["bob@example.com"]
    message = mail.message
    assert header(message, "Subject") == "Alice needs help: Lost you at the exit"
    assert message["From"] == "CrewUp <no-reply@crewup.local>"
    assert message["To"] == "bob@example.com"
    assert message["Content-Language"] == "en"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["List-Unsubscribe"] == f"<{BASE_URL}/profile#notifications>"
    assert message.get_content_type() == "multipart/alternative"
    text, html = parts_of(message)
    assert text == rendered.text
    assert html == rendered.html
    assert f"Open the alert: {BASE_URL}/safety?alert=" in text


def test_a_swedish_email_is_in_swedish_and_in_the_recipients_time(smtp_server):
    rendered = render(NotificationKind.CHECK_IN_MISSED, "sv", time_zone="Europe/Stockholm")

    email_send(to="alice@example.se", rendered=rendered, language="sv-SE")

    [mail] = smtp_server.received
    assert header(mail.message, "Subject") == "Alice missade en incheckning: försök nå hen nu"
    assert mail.message["Content-Language"] == "sv"
    text, html = parts_of(mail.message)
    assert "Alice startade en incheckningstimer till lör 5 dec. 23:30 CET" in text
    assert '<html lang="sv">' in html
    assert "lör 5 dec. 23:30 CET" in html


def test_an_english_email_shows_the_start_in_the_recipients_zone(smtp_server):
    rendered = render(NotificationKind.EVENT_REMINDER, "en", time_zone="America/New_York")

    email_send(to="bob@example.com", rendered=rendered, language="de")

    [mail] = smtp_server.received
    assert header(mail.message, "Subject") == "Tomorrow: Jazz by the river, Sat 5 Dec, 13:00 EST"
    assert mail.message["Content-Language"] == "en"
    text, _ = parts_of(mail.message)
    assert "Jazz by the river starts Sat 5 Dec, 13:00 EST at Kulturens hus." in text


def test_the_html_part_escapes_what_people_typed(smtp_server):
    rendered = render(
        NotificationKind.JOIN_REQUESTED, user_name="<script>alert(1)</script>", group_name="A&B"
    )

    email_send(to="owner@example.com", rendered=rendered, language="en")

    [mail] = smtp_server.received
    _, html = parts_of(mail.message)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; wants to join A&amp;B" in html
    assert header(mail.message, "Subject") == "<script>alert(1)</script> wants to join A&B"


def test_a_server_that_says_try_later_raises_a_temporary_failure(smtp_server):
    smtp_server.refuse_data("451 4.3.0 Try again later")

    with pytest.raises(EmailNotSent) as caught:
        email_send(to="bob@example.com", rendered=render(NotificationKind.UNBANNED), language="en")

    assert caught.value.temporary is True
    assert caught.value.smtp_code == 451
    assert smtp_server.received == []


def test_an_unknown_mailbox_raises_a_permanent_failure(smtp_server):
    smtp_server.refuse_recipients("550 5.1.1 No such user")

    with pytest.raises(EmailNotSent) as caught:
        email_send(to="nobody@example.com", rendered=render(NotificationKind.BANNED), language="en")

    assert caught.value.temporary is False
    assert caught.value.smtp_code == 550
    assert smtp_server.received == []


def test_a_server_that_is_not_there_raises_a_temporary_failure(smtp_server, settings):
    # given: a port nobody listens on
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        settings.EMAIL_PORT = probe.getsockname()[1]

    # when / then
    with pytest.raises(EmailNotSent) as caught:
        email_send(to="bob@example.com", rendered=render(NotificationKind.UNBANNED), language="en")
    assert caught.value.temporary is True
    assert caught.value.smtp_code is None


def test_several_emails_can_share_one_connection(smtp_server):
    with get_connection() as connection:
        for to in ("bob@example.com", "maria@example.com"):
            email_send(
                to=to,
                rendered=render(NotificationKind.EVENT_CANCELLED),
                language="en",
                connection=connection,
            )

    assert [mail.recipients for mail in smtp_server.received] == [
        ["bob@example.com"],
        ["maria@example.com"],
    ]
