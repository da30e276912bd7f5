import string
from datetime import UTC, datetime

import pytest

from shared.notifications.catalog import CATALOGS
from shared.notifications.kinds import NotificationKind, link_of
from shared.notifications.render import (
    BODY_MAX_CHARS,
    notification_render,
    notification_time_format,
    supported_language,
)
from shared.notifications.testing.payloads import ALERT_ID, EXAMPLE_PAYLOADS

BASE_URL = "https://crewup.example"
STOCKHOLM = "Europe/Stockholm"


@pytest.fixture(autouse=True)
def _public_base_url(settings):
    settings.PUBLIC_BASE_URL = BASE_URL


def render(kind, language="en", time_zone=STOCKHOLM, **changes):
    payload = {**EXAMPLE_PAYLOADS[NotificationKind(kind)], **changes}
    return notification_render(kind=kind, payload=payload, language=language, time_zone=time_zone)


def fields_of(template):
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


@pytest.mark.parametrize("language", ["en", "sv"])
@pytest.mark.parametrize("kind", list(NotificationKind))
def test_every_kind_renders_in_every_language(kind, language):
    rendered = render(kind, language)

    for value in (rendered.title, rendered.body, rendered.subject, rendered.text, rendered.html):
        assert value.strip()
        assert "{" not in value
        assert "}" not in value
    assert "\n" not in rendered.subject
    assert rendered.url == BASE_URL + link_of(kind, EXAMPLE_PAYLOADS[kind])
    assert f'<html lang="{language}">' in rendered.html
    assert f'href="{rendered.url}"' in rendered.html
    assert rendered.url in rendered.text
    assert f"{BASE_URL}/profile#notifications" in rendered.text


@pytest.mark.parametrize("kind", list(NotificationKind))
def test_swedish_is_not_english(kind):
    english = render(kind, "en")
    swedish = render(kind, "sv")

    assert swedish.title != english.title
    assert swedish.subject != english.subject
    assert swedish.text != english.text


@pytest.mark.parametrize("language", sorted(CATALOGS))
def test_each_catalog_has_every_kind(language):
    assert set(NotificationKind) <= set(CATALOGS[language].kinds)


def test_the_catalogs_have_the_same_texts_over_the_same_facts():
    english, swedish = CATALOGS["en"], CATALOGS["sv"]

    assert set(english.kinds) == set(swedish.kinds)
    for key, texts in english.kinds.items():
        other = swedish.kinds[key]
        for name in ("title", "body", "subject"):
            assert fields_of(getattr(texts, name)) == fields_of(getattr(other, name)), (key, name)
        assert [fields_of(p) for p in texts.paragraphs] == [
            fields_of(p) for p in other.paragraphs
        ], key
    for table in ("words", "alert_types", "alert_summaries", "acknowledgements", "event_fields"):
        assert set(getattr(english, table)) == set(getattr(swedish, table)), table
    assert len(english.weekdays) == len(swedish.weekdays) == 7
    assert len(english.months) == len(swedish.months) == 12


@pytest.mark.parametrize(
    ("kind", "changes"),
    [
        (NotificationKind.ALERT_RESOLVED, {"status": "cancelled"}),
        (NotificationKind.ALERT_RESOLVED, {"status": "something_new"}),
        (NotificationKind.EVENT_REMINDER, {"lead": "2h"}),
        (NotificationKind.EVENT_REMINDER, {"lead": "1w"}),
        (NotificationKind.EVENT_REMINDER, {"venue_name": ""}),
        (NotificationKind.BANNED, {"until": None}),
        (NotificationKind.BANNED, {"reason": ""}),
        (NotificationKind.ALERT_ACKNOWLEDGED, {"acknowledgement": "with_them"}),
        (NotificationKind.ALERT_ACKNOWLEDGED, {"acknowledgement": "seen"}),
        (NotificationKind.ALERT_RAISED, {"message": "", "has_location": False}),
        (NotificationKind.ALERT_RAISED, {"alert_type": "medical", "group_names": []}),
        (NotificationKind.EVENT_CHANGED, {"changed": []}),
    ],
    ids=lambda value: str(value),
)
@pytest.mark.parametrize("language", ["en", "sv"])
def test_every_variant_renders(kind, changes, language):
    rendered = render(kind, language, **changes)

    for value in (rendered.title, rendered.body, rendered.subject, rendered.text):
        assert value.strip()
        assert "{" not in value
        assert "None" not in value


def test_a_safety_alert_says_who_needs_help_and_why():
    english = render(NotificationKind.ALERT_RAISED, "en")
    swedish = render(NotificationKind.ALERT_RAISED, "sv")

    assert english.title == "Alice needs help"
    assert english.body == "Lost you at the exit · Front row"
    assert english.subject == "Alice needs help: Lost you at the exit"
    assert english.url == f"{BASE_URL}/safety?alert={ALERT_ID}"
    assert english.text.startswith(
        "SAFETY ALERT\n\nAlice raised a safety alert (lost) to Front row."
    )
    assert "“Lost you at the exit”" in english.text
    assert "call 112" in english.text
    assert swedish.title == "Alice behöver hjälp"
    assert swedish.subject == "Alice behöver hjälp: Lost you at the exit"
    assert "ring 112" in swedish.text


def test_an_alert_without_a_message_says_what_kind_of_help():
    # when
    rendered = render(
        NotificationKind.ALERT_RAISED,
        "en",
        message="",
        alert_type="medical",
        has_location=False,
        group_names=["Front row", "Back row", "Balcony"],
    )

    # then
    assert rendered.title == "Alice needs help"
    assert rendered.subject == "Alice needs help: Medical emergency"
    assert rendered.body == "Medical emergency · Front row, Back row and Balcony"
    assert "“" not in rendered.text
    assert "No location was shared with this alert." in rendered.text


def test_no_text_names_a_place_even_when_the_payload_has_one():
    rendered = render(
        NotificationKind.ALERT_RAISED,
        "en",
        location={"lat": 65.5848, "lng": 22.1547},
        latitude=65.5848,
        longitude=22.1547,
    )

    for value in (rendered.title, rendered.body, rendered.subject, rendered.text, rendered.html):
        assert "65.58" not in value
        assert "22.15" not in value


def test_a_missed_check_in_is_urgent_and_in_the_recipients_time():
    english = render(NotificationKind.CHECK_IN_MISSED, "en")
    swedish = render(NotificationKind.CHECK_IN_MISSED, "sv", time_zone="America/New_York")

    assert english.title == "Alice missed a check-in"
    assert english.subject == "Alice missed a check-in: try to reach them now"
    assert english.body == (
        "Alice was due to check in by Sat 5 Dec, 23:30 CET (Front row). Try to reach them now."
    )
    assert swedish.title == "Alice missade en incheckning"
    assert "lör 5 dec. 17:30 EST" in swedish.body


@pytest.mark.parametrize(
    ("language", "time_zone", "expected"),
    [
        ("en", STOCKHOLM, "Sat 5 Dec, 19:00 CET"),
        ("sv", STOCKHOLM, "lör 5 dec. 19:00 CET"),
        ("en", "America/New_York", "Sat 5 Dec, 13:00 EST"),
        ("sv", "Asia/Tokyo", "sön 6 dec. 03:00 JST"),
        ("en", "Not/AZone", "Sat 5 Dec, 18:00 UTC"),
        ("en", "", "Sat 5 Dec, 18:00 UTC"),
    ],
)
def test_times_are_written_in_the_recipients_zone_and_words(language, time_zone, expected):
    instant = datetime(2026, 12, 5, 18, 0, tzinfo=UTC)

    assert notification_time_format(instant, language=language, time_zone=time_zone) == expected


def test_summer_time_and_the_year_when_asked():
    instant = datetime(2026, 7, 4, 17, 5, tzinfo=UTC)

    assert (
        notification_time_format(instant, language="en", time_zone=STOCKHOLM, with_year=True)
        == "Sat 4 Jul 2026, 19:05 CEST"
    )
    assert (
        notification_time_format(instant, language="sv", time_zone=STOCKHOLM, with_year=True)
        == "lör 4 juli 2026 19:05 CEST"
    )


def test_a_naive_time_is_taken_as_utc():
    assert (
        notification_time_format(datetime(2026, 12, 5, 18, 0), language="en", time_zone=STOCKHOLM)  # noqa: DTZ001
        == "Sat 5 Dec, 19:00 CET"
    )


def test_event_texts_carry_the_local_start():
    reminder = render(NotificationKind.EVENT_REMINDER, "en")
    changed = render(NotificationKind.EVENT_CHANGED, "sv")
    cancelled = render(NotificationKind.EVENT_CANCELLED, "en", time_zone="Europe/London")

    assert reminder.title == "Tomorrow: Jazz by the river"
    assert reminder.body == "Sat 5 Dec, 19:00 CET at Kulturens hus."
    assert changed.body == "Ändrat: starttid och lokal. Börjar lör 5 dec. 19:30 CET."
    assert cancelled.subject == "Cancelled: Jazz by the river (Sat 5 Dec, 18:00 GMT)"


def test_a_ban_names_its_end_with_the_year_and_its_reason():
    until = render(NotificationKind.BANNED, "en")
    lifted_by_hand = render(NotificationKind.BANNED, "sv", until=None, reason="")

    assert until.subject == "Your CrewUp account is suspended until Fri 1 Jan 2027, 00:00 CET"
    assert "Reason: Spam links in three crews." in until.text
    assert until.url == f"{BASE_URL}/profile"
    assert lifted_by_hand.body == (
        "Du kan inte använda CrewUp förrän en moderator häver avstängningen."
    )
    assert "Anledning" not in lifted_by_hand.text


@pytest.mark.parametrize(
    ("language", "expected"),
    [("sv", "sv"), ("sv-SE", "sv"), ("SV_se", "sv"), ("en-GB", "en"), ("de", "en"), ("", "en")],
)
def test_languages_fall_back_to_english(language, expected):
    assert supported_language(language) == expected


def test_an_unknown_language_renders_in_english():
    assert render(NotificationKind.JOIN_APPROVED, "de").title == "You're in Front row"


def test_html_escapes_what_people_typed():
    # given
    name = '<script>alert("x")</script>'

    # when
    rendered = render(
        NotificationKind.ALERT_RAISED,
        "en",
        sender_name=name,
        message="<b>help</b> & run",
        group_names=["<img src=x onerror=alert(1)>"],
    )

    # then
    assert "<script>" not in rendered.html
    assert "<img" not in rendered.html
    assert "<b>help</b>" not in rendered.html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; needs help" in rendered.html
    assert "&lt;b&gt;help&lt;/b&gt; &amp; run" in rendered.html
    assert rendered.title == f"{name} needs help"


def test_names_are_one_line_and_missing_ones_are_someone():
    multi_line = render(NotificationKind.JOIN_REQUESTED, "en", user_name="Bob\r\nBcc: x@y.z")
    nameless = render(NotificationKind.ALERT_RAISED, "sv", sender_name=None)

    assert multi_line.subject == "Bob Bcc: x@y.z wants to join Front row"
    assert nameless.title == "Någon behöver hjälp"


def test_a_long_message_is_cut_short_for_the_push_body():
    rendered = render(NotificationKind.ALERT_RAISED, "en", message="x" * 2000)

    assert len(rendered.body) == BODY_MAX_CHARS
    assert rendered.body.endswith("…")
    assert "x" * 2000 in rendered.text


def test_the_link_has_one_slash_after_a_base_url_ending_in_one(settings):
    settings.PUBLIC_BASE_URL = "https://crewup.example/"

    rendered = render(NotificationKind.JOIN_APPROVED, "en")

    assert rendered.url == "https://crewup.example/crews/0b7e2f0c-52a4-4a59-9b2f-4c1e3a6f7d21/chat"


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match=r"crew\.exploded"):
        notification_render(kind="crew.exploded", payload={}, language="en", time_zone="UTC")
