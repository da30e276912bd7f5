from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "shared.safety"
    label = "safety"
    verbose_name = "Safety"
