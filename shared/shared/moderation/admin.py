"""The moderator console's own pages: bans, reports and the audit log.

Read-only, like every domain app's admin: bans are lifted, reports taken and resolved through
actions that call the moderation services, so the console and the API leave the same trace.
People show as their display name and @username, targets as a label and a preview
(`admin_display`); the report list opens on the queue (open and in review).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.models import Group as PermissionGroup
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from shared.accounts.models import User
from shared.moderation.admin_actions import (
    ModerationPermissionsMixin,
    dismiss_reports,
    lift_bans,
    resolve_reports_ban_author,
    resolve_reports_remove_content,
    take_reports,
)
from shared.moderation.admin_display import (
    EMPTY,
    ConsoleAdmin,
    TargetsChangeList,
    change_url,
    target_html,
    target_of,
    target_preview_html,
    user_html,
    user_label,
    user_search_fields,
    when,
)
from shared.moderation.models import (
    OPEN_REPORT_STATUSES,
    Ban,
    ModerationAction,
    Report,
    ReportStatus,
    TargetType,
)

# Console rights come from the realm roles at each sign-in (`console_access_sync`); a group
# edited here would be overwritten at the next one.
if admin.site.is_registered(PermissionGroup):
    admin.site.unregister(PermissionGroup)


def _text(text: str) -> SafeString:
    """A long text cut to its cell, whole in the title."""
    if not text:
        return format_html('<span class="cu-none">{}</span>', EMPTY)
    return format_html('<span class="cu-text cu-cut" title="{}">{}</span>', text, text)


class ReadOnlyAdmin(ConsoleAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class BanStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("in_force", "In force"), ("past", "Lifted or ended")]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        in_force = Ban.objects.in_force_at(timezone.now()).values("id")
        if self.value() == "in_force":
            return queryset.filter(id__in=in_force)
        if self.value() == "past":
            return queryset.exclude(id__in=in_force)
        return queryset


@admin.register(Ban)
class BanAdmin(ModerationPermissionsMixin, ReadOnlyAdmin):
    list_display = ["user_column", "reason_column", "period", "by", "state"]
    list_display_links = ["period"]
    list_filter = [BanStateFilter, "starts_at", "lifted_at"]
    search_fields = [
        *user_search_fields("user"),
        "user__email",
        "=user__id",
        *user_search_fields("created_by"),
        "reason",
        "lift_reason",
    ]
    list_select_related = ["user", "created_by", "lifted_by"]
    raw_id_fields = ["user", "created_by", "lifted_by"]
    date_hierarchy = "starts_at"
    ordering = ["-starts_at"]
    actions = [lift_bans]

    @admin.display(description="User", ordering="user__username")
    def user_column(self, ban: Ban) -> SafeString:
        return user_html(ban.user)

    @admin.display(description="Reason")
    def reason_column(self, ban: Ban) -> SafeString:
        return _text(ban.reason)

    @admin.display(description="Period", ordering="starts_at")
    def period(self, ban: Ban) -> SafeString:
        until = when(ban.until) if ban.until else "lifted"
        return format_html(
            '{}<br><span class="cu-handle">until {}</span>', when(ban.starts_at), until
        )

    @admin.display(description="Banned by")
    def by(self, ban: Ban) -> SafeString:
        return user_html(ban.created_by)

    @admin.display(description="State", ordering="lifted_at")
    def state(self, ban: Ban) -> SafeString:
        if ban.is_in_force_at(timezone.now()):
            return format_html("{}", "In force")
        if ban.lifted_by is not None:
            return format_html(
                'Lifted {}<br>by <a class="cu-handle" href="{}" title="{}">@{}</a>',
                when(ban.lifted_at),
                change_url(ban.lifted_by),
                user_label(ban.lifted_by),
                ban.lifted_by.username,
            )
        return format_html("Ended {}", when(ban.lifted_at or ban.until))


class ReportQueueFilter(admin.SimpleListFilter):
    """The report list's status filter, on the queue (open and in review) until told otherwise.

    No `status` in the query means the queue; `?status=all` lists every report. (A plain field
    filter cannot have a default: its "All" is the absence of the parameter.)
    """

    title = "status"
    parameter_name = "status"
    QUEUE = "queue"
    ALL = "all"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(self.QUEUE, "Open or in review"), *ReportStatus.choices, (self.ALL, "All")]

    def value(self) -> str:
        return super().value() or self.QUEUE

    def choices(self, changelist: ChangeList) -> Any:
        # Every choice, "All" included, names its value: none would mean the queue.
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Report]) -> QuerySet[Report]:
        value = self.value()
        if value == self.QUEUE:
            return queryset.filter(status__in=OPEN_REPORT_STATUSES)
        if value == self.ALL:
            return queryset
        if value in ReportStatus.values:
            return queryset.filter(status=value)
        # The console answers this as for any bad filter: the list again, unfiltered ("?e=1").
        raise IncorrectLookupParameters(f"No report status {value!r}.")


@admin.register(Report)
class ReportAdmin(ModerationPermissionsMixin, ReadOnlyAdmin):
    list_display = [
        "reported",
        "status_column",
        "target_column",
        "reason_column",
        "reporter_column",
        "author_column",
    ]
    list_display_links = ["reported"]
    list_filter = [ReportQueueFilter, "target_type", "resolution", "created_at"]
    search_fields = [
        "reason",
        "resolution_note",
        *user_search_fields("reporter"),
        *user_search_fields("target_author"),
        *user_search_fields("assigned_to"),
        "=target_id",
        "=id",
    ]
    list_select_related = ["reporter", "target_author", "assigned_to"]
    fieldsets = [
        (None, {"fields": ["status", "reported", "reporter_column", "reason"]}),
        ("What was reported", {"fields": ["target_type", "author_column", "target_preview"]}),
        (
            "Handling",
            {
                "fields": [
                    "assigned_column",
                    "resolution",
                    "resolution_note",
                    "resolved_at",
                    "resolver_column",
                ]
            },
        ),
    ]
    readonly_fields = [
        "reported",
        "reporter_column",
        "author_column",
        "target_preview",
        "assigned_column",
        "resolver_column",
    ]
    date_hierarchy = "created_at"
    # The queue: oldest first.
    ordering = ["created_at"]
    actions = [
        take_reports,
        dismiss_reports,
        resolve_reports_remove_content,
        resolve_reports_ban_author,
    ]

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return TargetsChangeList

    @admin.display(description="Reported", ordering="created_at")
    def reported(self, report: Report) -> str:
        return when(report.created_at)

    @admin.display(description="Status", ordering="status")
    def status_column(self, report: Report) -> SafeString:
        status = format_html("{}", report.get_status_display())
        if report.resolution:
            status = format_html(
                '{}<br><span class="cu-handle">{}</span>',
                status,
                report.get_resolution_display().lower(),
            )
        if report.assigned_to is None:
            return status
        return format_html(
            '{}<br><a class="cu-handle" href="{}" title="{}">@{}</a>',
            status,
            change_url(report.assigned_to),
            user_label(report.assigned_to),
            report.assigned_to.username,
        )

    @admin.display(description="Target")
    def target_column(self, report: Report) -> SafeString:
        return target_html(report.target_type, target_of(report))

    @admin.display(description="Reason")
    def reason_column(self, report: Report) -> SafeString:
        return _text(report.reason)

    @admin.display(description="Reporter", ordering="reporter__username")
    def reporter_column(self, report: Report) -> SafeString:
        return user_html(report.reporter, empty="an erased user")

    @admin.display(description="Author", ordering="target_author__username")
    def author_column(self, report: Report) -> SafeString:
        return user_html(report.target_author)

    @admin.display(description="Assigned to", ordering="assigned_to__username")
    def assigned_column(self, report: Report) -> SafeString:
        return user_html(report.assigned_to)

    @admin.display(description="Resolved by")
    def resolver_column(self, report: Report) -> SafeString:
        return user_html(report.resolved_by)

    @admin.display(description="Preview")
    def target_preview(self, report: Report) -> SafeString:
        return target_preview_html(report.target_type, target_of(report))


@admin.register(ModerationAction)
class ModerationActionAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_column", "action", "target_column", "reason_column"]
    list_display_links = ["at"]
    list_filter = ["action", "target_type", "created_at"]
    search_fields = ["reason", *user_search_fields("actor"), "=actor__id", "=target_id"]
    list_select_related = ["actor"]
    fields = ["at", "actor_column", "action", "target_column", "reason", "data"]
    readonly_fields = ["at", "actor_column", "target_column"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return TargetsChangeList

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[ModerationAction], search_term: str
    ) -> tuple[QuerySet[ModerationAction], bool]:
        """Also find the rows about a user whose name matches, as the users list finds them."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if not search_term:
            return results, may_have_duplicates
        users_admin = self.admin_site.get_model_admin(User)
        users, _ = users_admin.get_search_results(request, User.objects.all(), search_term)
        about_them = queryset.filter(target_type=TargetType.USER, target_id__in=users.values("id"))
        return results | about_them, may_have_duplicates

    @admin.display(description="When", ordering="created_at")
    def at(self, entry: ModerationAction) -> str:
        return when(entry.created_at)

    @admin.display(description="Moderator", ordering="actor__username")
    def actor_column(self, entry: ModerationAction) -> SafeString:
        # No actor: CrewUp did it by itself (a temporary ban ending).
        return user_html(entry.actor, empty="CrewUp")

    @admin.display(description="Target")
    def target_column(self, entry: ModerationAction) -> SafeString:
        return target_html(entry.target_type, target_of(entry))

    @admin.display(description="Reason")
    def reason_column(self, entry: ModerationAction) -> SafeString:
        return _text(entry.reason)
