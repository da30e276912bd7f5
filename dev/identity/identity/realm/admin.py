from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from identity.realm.models import User
from identity.realm.selectors import user_roles
from identity.realm.services import user_default_roles_grant


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Users of the realm; their groups are their realm roles (user, moderator, admin)."""

    list_display = ("username", "email", "first_name", "last_name", "roles", "is_active")
    readonly_fields = ("id",)
    fieldsets = (
        (None, {"fields": ("id", "username", "password")}),
        ("Profile", {"fields": ("first_name", "last_name", "email", "email_verified")}),
        (
            "Realm roles and access",
            {"fields": ("groups", "is_active", "is_staff", "is_superuser", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )

    @admin.display(description="roles")
    def roles(self, user: User) -> str:
        return ", ".join(user_roles(user=user))

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            user_default_roles_grant(user=obj)
