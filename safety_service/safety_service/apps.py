from django.apps import AppConfig


class SafetyServiceConfig(AppConfig):
    """The service itself as an app, so that its wiring runs once Django is set up."""

    name = "safety_service"
    verbose_name = "Safety service"

    def ready(self) -> None:
        from safety_service import wiring

        wiring.connect()
