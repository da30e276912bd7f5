from django.contrib import admin

from shared.accounts.models import User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["username", "email", "is_banned", "banned_until", "is_staff", "created_at"]
    list_filter = ["is_banned", "is_staff", "is_active"]
    search_fields = ["username", "email", "first_name", "last_name", "keycloak_id"]
    readonly_fields = ["id", "keycloak_id", "created_at", "updated_at", "last_login"]
    exclude = ["password", "groups", "user_permissions"]
    ordering = ["username"]
