"""Render a notification for one person: the push and in-app texts, and the e-mail.

`notification_render` turns a kind and its payload (`shared.notifications.kinds`) into the
words of the recipient's language (`shared.notifications.catalog`: English and Swedish,
English for any other) and the times of their time zone, with an absolute link into the app.
It reads nothing but settings: the notifier calls it once per recipient and channel set.

The HTML e-mail comes from a Django template, rendered by this module's own template engine
(autoescaping on) over `templates/` beside it. Its own engine, not the project's, because
the notifier renders e-mails in whichever service or worker runs it, whether or not that
composes `shared.notifications` as an installed app, and no other app can shadow the template.
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.template import Context, Engine

from shared.notifications.catalog import CATALOGS, DEFAULT_LANGUAGE, Catalog, KindTexts
from shared.notifications.kinds import NotificationKind, is_safety, link_of

HTML_TEMPLATE = "notifications/email/notification.html"
# Where the e-mail's footer sends people who want fewer e-mails (the SPA's profile section).
SETTINGS_PATH = "/profile#notifications"
# A phone shows a title's first line or so and a few lines of body; the push payload must
# stay far below the push services' 4 KB.
TITLE_MAX_CHARS = 120
BODY_MAX_CHARS = 240

_TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
_FORMATTER = string.Formatter()

Facts = dict[str, str | None]


@dataclass(frozen=True)
class RenderedNotification:
    """One notification in the recipient's language and time zone.

    `title` and `body` are short, for push and in-app; `subject`, `text` and `html` make the
    e-mail; `url` is the absolute deep link the notification opens.
    """

    title: str
    body: str
    subject: str
    text: str
    html: str
    url: str


def supported_language(language: str) -> str:
    """Return the catalog language for a language tag: `sv-SE` → `sv`; unknown → `en`."""
    primary = (language or "").replace("_", "-").split("-", 1)[0].strip().lower()
    return primary if primary in CATALOGS else DEFAULT_LANGUAGE


def recipient_zone(time_zone: str) -> ZoneInfo:
    """Return the IANA time zone named `time_zone`, or UTC when it is empty or unknown."""
    try:
        return ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return ZoneInfo("UTC")


def notification_time_format(
    value: datetime, *, language: str, time_zone: str, with_year: bool = False
) -> str:
    """Write an instant as the recipient reads it: `Sat 5 Dec, 19:00 CET`, `lör 5 dec. 19:00 CET`.

    A naive `value` is taken as UTC. The zone's abbreviation (or its UTC offset, where the
    zone has none) follows the time, so nobody has to guess whose evening it is.
    """
    catalog = CATALOGS[supported_language(language)]
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    local = aware.astimezone(recipient_zone(time_zone))
    pattern = catalog.time_format_with_year if with_year else catalog.time_format
    return pattern.format(
        weekday=catalog.weekdays[local.weekday()],
        day=local.day,
        month=catalog.months[local.month - 1],
        year=local.year,
        time=local.strftime("%H:%M"),
        zone=local.tzname() or "UTC",
    )


def notification_render(
    *, kind: str, payload: Mapping[str, Any], language: str, time_zone: str
) -> RenderedNotification:
    """Render one notification of `kind` for a person of `language` in `time_zone`.

    Missing names fall back to a neutral word ("Someone"); no text names a place.

    Raises:
        ValueError: `kind` is not a `NotificationKind`.
        KeyError: the payload lacks the id its deep link is made of.
    """
    notification_kind = NotificationKind(kind)
    catalog = CATALOGS[supported_language(language)]
    variant, facts = _facts(notification_kind, payload, catalog, time_zone)
    texts = catalog.kinds.get(f"{notification_kind}/{variant}") or catalog.kinds[notification_kind]
    base_url = str(settings.PUBLIC_BASE_URL).rstrip("/")
    url = base_url + link_of(notification_kind, dict(payload))
    settings_url = base_url + SETTINGS_PATH
    paragraphs = _paragraphs(texts, facts)
    safety = is_safety(notification_kind)
    title = _truncate(_fill(texts.title, facts), TITLE_MAX_CHARS)
    context = {
        "language": catalog.language,
        "title": title,
        "paragraphs": paragraphs,
        "action": texts.action,
        "url": url,
        "is_safety": safety,
        "safety_banner": catalog.words["safety_banner"],
        "footer": catalog.words["footer"],
        "settings_label": catalog.words["settings"],
        "settings_url": settings_url,
    }
    return RenderedNotification(
        title=title,
        body=_truncate(_fill(texts.body, facts), BODY_MAX_CHARS),
        subject=_fill(texts.subject, facts),
        text=_text(context),
        html=_engine().get_template(HTML_TEMPLATE).render(Context(context)),
        url=url,
    )


def _facts(
    kind: NotificationKind, payload: Mapping[str, Any], catalog: Catalog, time_zone: str
) -> tuple[str, Facts]:
    """The variant of `kind` this payload needs, and the facts its texts are filled with."""
    words = catalog.words

    def text(key: str) -> str:
        return _clean(payload.get(key))

    def name(key: str) -> str:
        return text(key) or words["someone"]

    def crew(key: str = "group_name") -> str:
        return text(key) or words["your_crew"]

    def event() -> str:
        return text("event_title") or words["the_event"]

    def when(key: str, *, with_year: bool = False) -> str:
        return _when(payload.get(key), catalog, time_zone, with_year=with_year)

    if kind == NotificationKind.ALERT_RAISED:
        sender = name("sender_name")
        alert_type = text("alert_type") or "other"
        crews = [_clean(group) for group in payload.get("group_names") or [] if _clean(group)]
        message = text("message")
        location_key = "location_shared" if payload.get("has_location") else "location_not_shared"
        summary = catalog.alert_summaries.get(alert_type, catalog.alert_summaries["other"])
        return "", {
            "sender": sender,
            "alert_type": catalog.alert_types.get(alert_type, alert_type),
            "summary": message or summary,
            "message": message or None,
            "crews": _join(crews, catalog) or words["your_crew"],
            "location_note": words[location_key].format(sender=sender),
        }
    if kind == NotificationKind.ALERT_ACKNOWLEDGED:
        acknowledgement = text("acknowledgement")
        return acknowledgement, {
            "user": name("user_name"),
            "acknowledgement": catalog.acknowledgements.get(acknowledgement, acknowledgement),
        }
    if kind == NotificationKind.ALERT_RESOLVED:
        return text("status"), {"sender": name("sender_name")}
    if kind == NotificationKind.CHECK_IN_MISSED:
        return "", {"user": name("user_name"), "due_at": when("due_at"), "crew": crew()}
    if kind in (NotificationKind.JOIN_REQUESTED, NotificationKind.INVITE_USED):
        return "", {"user": name("user_name"), "crew": crew()}
    if kind in (NotificationKind.JOIN_APPROVED, NotificationKind.JOIN_REJECTED):
        return "", {"crew": crew()}
    if kind in (NotificationKind.WAITLIST_PROMOTED, NotificationKind.EVENT_CANCELLED):
        return "", {"event": event(), "starts_at": when("starts_at")}
    if kind == NotificationKind.EVENT_CHANGED:
        changed = [
            catalog.event_fields.get(field, field.replace("_", " "))
            for field in (_clean(field) for field in payload.get("changed") or [])
            if field
        ]
        return "", {
            "event": event(),
            "starts_at": when("starts_at"),
            "changed": _join(changed, catalog) or words["details"],
        }
    if kind == NotificationKind.EVENT_REMINDER:
        venue = text("venue_name")
        return text("lead"), {
            "event": event(),
            "starts_at": when("starts_at"),
            "at_venue": words["at_venue"].format(venue=venue) if venue else "",
        }
    if kind == NotificationKind.BANNED:
        until = payload.get("until")
        return ("until" if until else ""), {
            "until": when("until", with_year=True) if until else None,
            "reason": text("reason") or None,
        }
    return "", {}  # NotificationKind.UNBANNED says the same to everyone


def _when(value: Any, catalog: Catalog, time_zone: str, *, with_year: bool) -> str:
    """An ISO 8601 payload time in the recipient's words; an unreadable one as it came."""
    if isinstance(value, datetime):
        instant = value
    else:
        try:
            instant = datetime.fromisoformat(str(value))
        except ValueError:
            return _clean(value) or "?"
    return notification_time_format(
        instant, language=catalog.language, time_zone=time_zone, with_year=with_year
    )


def _clean(value: Any) -> str:
    """A payload value as one line of plain text: no control characters, single spaces.

    E-mail headers cannot hold a line break (Django refuses them), and a push title is one line.
    """
    if value is None:
        return ""
    printable = "".join(
        " " if unicodedata.category(char) in ("Cc", "Zl", "Zp") else char for char in str(value)
    )
    return " ".join(printable.split())


def _join(items: Iterable[str], catalog: Catalog) -> str:
    """`A`, `A and B`, `A, B and C` in the catalog's language."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {catalog.words['and']} {items[-1]}"


def _fill(template: str, facts: Facts) -> str:
    return template.format(**{key: value or "" for key, value in facts.items()})


def _paragraphs(texts: KindTexts, facts: Facts) -> list[str]:
    """The e-mail's paragraphs, leaving out each one that names an absent fact."""
    paragraphs = []
    for template in texts.paragraphs:
        fields = {field for _, field, _, _ in _FORMATTER.parse(template) if field}
        if all(facts.get(field) is not None for field in fields):
            paragraphs.append(_fill(template, facts))
    return paragraphs


def _truncate(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def _text(context: Mapping[str, Any]) -> str:
    """The plain-text e-mail: the same paragraphs, the link written out, and the footer."""
    parts = [context["safety_banner"].upper()] if context["is_safety"] else []
    parts += [*context["paragraphs"], f"{context['action']}: {context['url']}"]
    footer = f"-- \n{context['footer']}\n{context['settings_label']}: {context['settings_url']}"
    return "\n\n".join([*parts, footer]) + "\n"


@cache
def _engine() -> Engine:
    """This module's template engine: its own templates, autoescaped, cached once loaded."""
    return Engine(dirs=[str(_TEMPLATES_DIR)], autoescape=True)
