"""The moderator console's actions: ban, unban, lift, remove content, take and resolve reports.

Each action calls the same moderation service as the API, one selected object at a time, so a
ban from the console writes the same audit row and outbox row as a ban from the API. Actions
that need a reason show an intermediate page with a form first; a refusal of one object (a
moderator selecting themself, content removed already) is reported and the others go on.

The domain apps' `admin.py` list these actions and mix in `ModerationPermissionsMixin`, which
ties each action to its permission (`moderation.ban_user`, `moderation.remove_content`,
`moderation.handle_report`): moderators get them through the "Moderators" group, admins as
superusers (see `console_access_sync`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from shared.accounts.selectors import signed_in_user
from shared.api.errors import ApplicationError
from shared.moderation.models import (
    MODERATOR_REASON_MAX_LENGTH,
    MODERATOR_REASON_MIN_LENGTH,
    RemovableTargetType,
    Report,
    ReportResolution,
)
from shared.moderation.services import (
    ban_lift,
    content_remove,
    report_resolve,
    report_take,
    user_ban,
    user_unban,
)

ActionFunction = Callable[[admin.ModelAdmin, HttpRequest, QuerySet[Any]], TemplateResponse | None]
# What it returns (the ban, the report...) is not used.
Apply = Callable[[HttpRequest, Any, dict[str, Any]], object]


class ModerationPermissionsMixin:
    """Lets a `ModelAdmin` offer the moderation actions to those holding their permissions."""

    def has_ban_user_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("moderation.ban_user")

    def has_remove_content_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("moderation.remove_content")

    def has_handle_report_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("moderation.handle_report")


# --- forms ---


def _reason_field(label: str = "Reason", help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        min_length=MODERATOR_REASON_MIN_LENGTH,
        max_length=MODERATOR_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=(
            f"{MODERATOR_REASON_MIN_LENGTH}-{MODERATOR_REASON_MAX_LENGTH} characters; "
            f"recorded in the audit log. {help_text}"
        ).strip(),
    )


class ReasonForm(forms.Form):
    reason = _reason_field()


class BanForm(forms.Form):
    reason = _reason_field()
    until = forms.SplitDateTimeField(
        required=False,
        widget=AdminSplitDateTime,
        help_text="Leave empty for a ban until lifted. In UTC.",
    )


class RemovalForm(forms.Form):
    reason = _reason_field(help_text="The owner of an event or a crew sees it.")


class ResolveForm(forms.Form):
    note = _reason_field("Note")


class ResolveBanForm(forms.Form):
    note = _reason_field("Note (the ban's reason)")
    ban_until = forms.SplitDateTimeField(
        required=False,
        widget=AdminSplitDateTime,
        help_text="Leave empty for a ban until lifted. In UTC.",
    )


# --- the action machinery ---


def action_with_form(
    *,
    name: str,
    description: str,
    permission: str,
    form_class: type[forms.Form] | None,
    apply: Apply,
    done_message: str,
) -> ActionFunction:
    """Build an admin action that asks for `form_class` (if any), then calls `apply` per object."""

    def action(
        modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any]
    ) -> TemplateResponse | None:
        if form_class is None:
            _apply_each(modeladmin, request, queryset, apply, {}, done_message)
            return None
        if "apply" in request.POST:
            form = form_class(request.POST)
            if form.is_valid():
                _apply_each(modeladmin, request, queryset, apply, form.cleaned_data, done_message)
                return None
        else:
            form = form_class()
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": description,
            "form": form,
            "objects": list(queryset),
            "opts": modeladmin.model._meta,
            "action_name": name,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": modeladmin.media + form.media,
        }
        return TemplateResponse(request, "moderation/admin/action_form.html", context)

    action.__name__ = name
    action.short_description = description  # type: ignore[attr-defined]
    action.allowed_permissions = (permission,)  # type: ignore[attr-defined]
    return action


def _apply_each(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[Any],
    apply: Apply,
    data: dict[str, Any],
    done_message: str,
) -> None:
    done = 0
    for obj in queryset:
        try:
            apply(request, obj, data)
        except ApplicationError as error:
            modeladmin.message_user(request, f"{obj}: {error.message}", messages.ERROR)
        except ValidationError as error:
            modeladmin.message_user(request, f"{obj}: {' '.join(error.messages)}", messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, done_message.format(count=done), messages.SUCCESS)


def _remover(target_type: RemovableTargetType) -> Apply:
    def apply(request: HttpRequest, obj: Model, data: dict[str, Any]) -> None:
        content_remove(
            moderator_id=signed_in_user(request).id,
            target_type=target_type,
            target_id=obj.pk,
            reason=data["reason"],
        )

    return apply


def _resolver(resolution: ReportResolution) -> Apply:
    def apply(request: HttpRequest, report: Report, data: dict[str, Any]) -> None:
        report_resolve(
            report_id=report.pk,
            moderator_id=signed_in_user(request).id,
            action=resolution,
            note=data["note"],
            ban_until=data.get("ban_until"),
        )

    return apply


# --- the actions ---

ban_users = action_with_form(
    name="ban_users",
    description="Ban the selected users",
    permission="ban_user",
    form_class=BanForm,
    apply=lambda request, user, data: user_ban(
        moderator_id=signed_in_user(request).id,
        user_id=user.pk,
        reason=data["reason"],
        until=data["until"],
    ),
    done_message="Banned {count} user(s).",
)

unban_users = action_with_form(
    name="unban_users",
    description="Lift the bans of the selected users",
    permission="ban_user",
    form_class=ReasonForm,
    apply=lambda request, user, data: user_unban(
        moderator_id=signed_in_user(request).id, user_id=user.pk, reason=data["reason"]
    ),
    done_message="Lifted the bans of {count} user(s).",
)

lift_bans = action_with_form(
    name="lift_bans",
    description="Lift the selected bans",
    permission="ban_user",
    form_class=ReasonForm,
    apply=lambda request, ban, data: ban_lift(
        moderator_id=signed_in_user(request).id, ban_id=ban.pk, reason=data["reason"]
    ),
    done_message="Lifted {count} ban(s).",
)

remove_events = action_with_form(
    name="remove_events",
    description="Remove the selected events",
    permission="remove_content",
    form_class=RemovalForm,
    apply=_remover(RemovableTargetType.EVENT),
    done_message="Removed {count} event(s).",
)

remove_crews = action_with_form(
    name="remove_crews",
    description="Remove the selected crews",
    permission="remove_content",
    form_class=RemovalForm,
    apply=_remover(RemovableTargetType.CREW),
    done_message="Removed {count} crew(s).",
)

remove_messages = action_with_form(
    name="remove_messages",
    description="Remove the selected messages",
    permission="remove_content",
    form_class=RemovalForm,
    apply=_remover(RemovableTargetType.MESSAGE),
    done_message="Removed {count} message(s).",
)

take_reports = action_with_form(
    name="take_reports",
    description="Take the selected reports into review",
    permission="handle_report",
    form_class=None,
    apply=lambda request, report, data: report_take(
        report_id=report.pk, moderator_id=signed_in_user(request).id
    ),
    done_message="Took {count} report(s).",
)

dismiss_reports = action_with_form(
    name="dismiss_reports",
    description="Resolve: dismiss the selected reports",
    permission="handle_report",
    form_class=ResolveForm,
    apply=_resolver(ReportResolution.DISMISS),
    done_message="Dismissed {count} report(s).",
)

resolve_reports_remove_content = action_with_form(
    name="resolve_reports_remove_content",
    description="Resolve: remove the reported content",
    permission="handle_report",
    form_class=ResolveForm,
    apply=_resolver(ReportResolution.REMOVE_CONTENT),
    done_message="Resolved {count} report(s) by removing the content.",
)

resolve_reports_ban_author = action_with_form(
    name="resolve_reports_ban_author",
    description="Resolve: ban the author of the reported content",
    permission="handle_report",
    form_class=ResolveBanForm,
    apply=_resolver(ReportResolution.BAN_AUTHOR),
    done_message="Resolved {count} report(s) by banning the author.",
)
