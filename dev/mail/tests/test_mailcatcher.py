import json
import smtplib
import urllib.error
import urllib.request
from email.message import EmailMessage

import pytest
from mailcatcher import MailCatcher


@pytest.fixture
def catcher(tmp_path):
    running = MailCatcher(tmp_path / "mail", smtp_port=0, http_port=0).start()
    yield running
    running.stop()


def send(catcher, subject, *, to="bob@example.com", html=None):
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = "CrewUp <no-reply@crewup.local>"
    message["To"] = to
    message.set_content(f"Text of {subject}\n")
    if html:
        message.add_alternative(html, subtype="html")
    with smtplib.SMTP("127.0.0.1", catcher.smtp_port, timeout=5) as smtp:
        smtp.send_message(message)


def get(catcher, path, method="GET"):
    request = urllib.request.Request(f"http://127.0.0.1:{catcher.http_port}{path}", method=method)
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (our own server)
        return response.status, response.headers, response.read().decode()


def test_a_message_sent_by_smtp_can_be_read_over_http(catcher, tmp_path):
    # when
    send(catcher, "Alice behöver hjälp", html="<p>Öppna <b>larmet</b></p>")

    # then
    _, _, listing = get(catcher, "/api/messages")
    [item] = json.loads(listing)
    assert item["subject"] == "Alice behöver hjälp"
    assert item["to"] == "bob@example.com"
    assert item["from"] == "CrewUp <no-reply@crewup.local>"
    _, _, body = get(catcher, f"/api/messages/{item['id']}")
    message = json.loads(body)
    assert message["text"] == "Text of Alice behöver hjälp\n"
    assert message["html"] == "<p>Öppna <b>larmet</b></p>\n"
    assert [path.name for path in (tmp_path / "mail").iterdir()] == [f"{item['id']}.eml"]


def test_the_list_page_shows_the_newest_first(catcher):
    send(catcher, "First", to="maria@example.com")
    send(catcher, "Second", to="adam@example.com")

    status, headers, page = get(catcher, "/")

    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert page.index("Second") < page.index("First")
    assert "adam@example.com" in page
    assert "maria@example.com" in page


def test_the_message_page_shows_both_parts_and_sandboxes_the_html(catcher):
    send(catcher, "<Hej>", html='<p onclick="x()">Hi</p><script>alert(1)</script>')
    [item] = json.loads(get(catcher, "/api/messages")[2])

    _, headers, page = get(catcher, f"/messages/{item['id']}")

    assert "<h1>&lt;Hej&gt;</h1>" in page
    assert "<pre>Text of &lt;Hej&gt;\n</pre>" in page
    assert '<iframe sandbox="" srcdoc="&lt;p onclick=&quot;x()&quot;&gt;Hi&lt;/p&gt;' in page
    assert "<script>" not in page
    assert "default-src 'none'" in headers["Content-Security-Policy"]


def test_the_raw_message_is_served_as_it_was_kept(catcher, tmp_path):
    send(catcher, "Raw")
    [item] = json.loads(get(catcher, "/api/messages")[2])

    _, _, raw = get(catcher, f"/messages/{item['id']}.eml")

    assert raw.encode() == (tmp_path / "mail" / f"{item['id']}.eml").read_bytes()
    assert "Subject: Raw" in raw


@pytest.mark.parametrize(
    "path", ["/messages/nope", "/messages/..%2F..%2Fetc%2Fpasswd", "/api/messages/1", "/other"]
)
def test_unknown_paths_and_ids_are_not_found(catcher, path):
    with pytest.raises(urllib.error.HTTPError) as caught:
        get(catcher, path)

    caught.value.close()
    assert caught.value.code == 404


def test_delete_forgets_every_message(catcher, tmp_path):
    send(catcher, "One")

    status, _, _ = get(catcher, "/api/messages", method="DELETE")

    assert status == 204
    assert json.loads(get(catcher, "/api/messages")[2]) == []
    assert list((tmp_path / "mail").glob("*.eml")) == []


def test_messages_kept_on_disk_are_shown_after_a_restart(tmp_path):
    first = MailCatcher(tmp_path / "mail", smtp_port=0, http_port=0).start()
    try:
        send(first, "Kept")
    finally:
        first.stop()

    second = MailCatcher(tmp_path / "mail", smtp_port=0, http_port=0).start()
    try:
        [item] = json.loads(get(second, "/api/messages")[2])
    finally:
        second.stop()

    assert item["subject"] == "Kept"
