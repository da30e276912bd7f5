from django.apps import AppConfig


class ModerationServiceConfig(AppConfig):
    """The service itself as an app, so that its wiring runs once Django is set up."""

    name = "moderation_service"
    verbose_name = "Moderation service"

    def ready(self) -> None:
        from moderation_service import wiring

        wiring.connect()
