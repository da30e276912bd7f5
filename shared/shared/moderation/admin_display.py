"""How the moderator console shows people and the targets of reports and audit rows.

Everything a list page shows is a name with a link, never a bare id: a user is their display
name and `@username`, linked to their page in the console; an event, a crew, a message, a
report or a ban is a human label linked to its own page. Audit rows and reports point at their
target by type and id only, so their lists load the targets of a whole page at once, one query
per kind of target (`TargetsChangeList`), and each row's cells read them from there.

The console's own stylesheet (`moderation/console.css`) comes with `ConsoleAdmin`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import Model
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString

from shared.accounts.models import User
from shared.chat.models import Message
from shared.events.models import Event
from shared.groups.models import Group
from shared.moderation.models import Ban, Report, TargetType
from shared.moderation.selectors import moderation_targets_get

EMPTY = "—"
# How long a label may be before the cell cuts it (the whole of it stays in the title).
LABEL_LENGTH = 60
# The console's compact date and time (the lists' default is twice as long).
WHEN_FORMAT = "j M Y, H:i"
# The attribute `targets_attach` sets on each row: its target, or None when it is gone.
TARGET_ATTRIBUTE = "console_target"


class ConsoleAdmin(admin.ModelAdmin):
    """A console page with the console's own stylesheet (narrower lists, cut cells)."""

    class Media:
        css = {"all": ["moderation/console.css"]}


def user_search_fields(relation: str = "") -> list[str]:
    """The search fields that find a user by username or by any part of their display name."""
    prefix = f"{relation}__" if relation else ""
    return [
        f"{prefix}username",
        f"{prefix}display_name_override",
        f"{prefix}first_name",
        f"{prefix}last_name",
    ]


def when(moment: datetime | None) -> str:
    """A date and time, short, in the console's time zone."""
    if moment is None:
        return EMPTY
    return date_format(timezone.localtime(moment), WHEN_FORMAT)


def change_url(obj: Model) -> str | None:
    """The console page of `obj`, or None when the console has none."""
    meta = obj._meta
    try:
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return None


def cut(text: str, length: int = LABEL_LENGTH) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def user_label(user: User) -> str:
    return f"{user.display_name} @{user.username}" if user.username else user.display_name


def user_html(user: User | None, *, empty: str = EMPTY) -> SafeString:
    """The user's display name and @username, linked to their page in the console."""
    if user is None:
        return format_html('<span class="cu-none">{}</span>', empty)
    # Two lines in a list (name, then @username), one elsewhere: see console.css.
    return format_html(
        '<a class="cu-user" href="{}" title="{}"><span class="cu-name">{}</span>'
        ' <span class="cu-handle">@{}</span></a>',
        change_url(user),
        user_label(user),
        user.display_name,
        user.username,
    )


def _excerpt(message: Message) -> str:
    if message.body:
        return f"“{cut(message.body, 40)}”"
    return f"{message.get_kind_display()} message"


def _state(target: Model) -> str:
    """What happened to the target, for its label: removed, erased, or nothing."""
    if isinstance(target, Event | Group) and target.removed_at is not None:
        return " (removed)"
    if isinstance(target, Message) and target.deleted_at is not None:
        return " (removed)"
    if isinstance(target, User) and target.deleted_at is not None:
        return " (erased)"
    return ""


def target_label(target_type: str, target: Model | None) -> str:
    """A human label of a report's or an audit row's target; no ids."""
    kind = TargetType(target_type).label if target_type in TargetType.values else target_type
    if target is None:
        return f"{kind} no longer exists"
    if isinstance(target, User):
        label = user_label(target)
    elif isinstance(target, Event):
        label = f"{target.title}, {when(target.starts_at)}"
    elif isinstance(target, Group):
        label = f"{target.name} ({target.event.title})"
    elif isinstance(target, Message):
        author = f"@{target.sender.username}" if target.sender else "nobody"
        label = f"{_excerpt(target)} by {author} in {target.group.name}"
    elif isinstance(target, Report):
        reporter = f"@{target.reporter.username}" if target.reporter else "an erased user"
        label = f"{target.get_target_type_display().lower()} report by {reporter}"
    elif isinstance(target, Ban):
        label = f"ban of {user_label(target.user)} from {when(target.starts_at)}"
    else:
        label = str(target)
    return label + _state(target)


def target_html(target_type: str, target: Model | None) -> SafeString:
    """The target's kind and label, linked to its console page; cut, whole in the title."""
    kind = TargetType(target_type).label if target_type in TargetType.values else target_type
    label = target_label(target_type, target)
    url = change_url(target) if target is not None else None
    if url is None:
        return format_html(
            '<span class="cu-target cu-cut cu-gone" title="{}">{}</span>', label, label
        )
    if isinstance(target, User):
        return format_html('<span class="cu-kind">{}</span> {}', kind, user_html(target))
    return format_html(
        '<span class="cu-kind">{}</span> <a class="cu-target cu-cut" href="{}" title="{}">{}</a>',
        kind,
        url,
        label,
        label,
    )


def target_preview_html(target_type: str, target: Model | None) -> SafeString:
    """What a moderator needs to see of a reported target, on the report's page."""
    kind = TargetType(target_type).label if target_type in TargetType.values else target_type
    context: dict[str, Any] = {
        "kind": kind,
        "target_type": target_type,
        "target": target,
        "url": change_url(target) if target is not None else None,
        "label": target_label(target_type, target),
    }
    if isinstance(target, Message):
        context.update(
            sender=user_html(target.sender, empty="an erased user"),
            deleted_by=user_html(target.deleted_by, empty="CrewUp"),
            crew_url=change_url(target.group),
            event_url=change_url(target.group.event),
        )
    elif isinstance(target, Event):
        context.update(organizer=user_html(target.organizer), app_url=f"/events/{target.pk}")
    elif isinstance(target, Group):
        context.update(
            created_by=user_html(target.created_by),
            event_url=change_url(target.event),
            app_url=f"/events/{target.event_id}",
        )
    return render_to_string("moderation/admin/target_preview.html", context)


def targets_attach(rows: list[Any]) -> None:
    """Set `console_target` on each row (its target, or None when gone), one query per kind."""
    targets = moderation_targets_get(keys=[(row.target_type, row.target_id) for row in rows])
    for row in rows:
        setattr(row, TARGET_ATTRIBUTE, targets.get((row.target_type, row.target_id)))


def target_of(row: Any) -> Model | None:
    """The row's target, loaded now unless its list loaded it with the others."""
    if not hasattr(row, TARGET_ATTRIBUTE):
        targets_attach([row])
    target: Model | None = getattr(row, TARGET_ATTRIBUTE)
    return target


class TargetsChangeList(ChangeList):
    """A change list that loads the targets of its page's rows together."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        # Evaluates the page's query once; the template then reads the same cached rows.
        targets_attach(list(self.result_list))
