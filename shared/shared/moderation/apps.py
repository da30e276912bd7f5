from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "shared.moderation"
    label = "moderation"
    verbose_name = "Moderation"
