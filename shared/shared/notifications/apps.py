from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "shared.notifications"
    label = "notifications"
    verbose_name = "Notifications"
