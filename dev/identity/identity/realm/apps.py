from django.apps import AppConfig


class RealmConfig(AppConfig):
    """The realm: its users, their roles (Django groups) and its clients (DOT applications)."""

    name = "identity.realm"
    label = "realm"
    verbose_name = "Realm crewup"
