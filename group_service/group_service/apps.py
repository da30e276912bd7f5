from django.apps import AppConfig


class GroupServiceConfig(AppConfig):
    """The service itself as an app, so that its wiring runs once Django is set up."""

    name = "group_service"
    verbose_name = "Group service"

    def ready(self) -> None:
        from group_service import wiring

        wiring.connect()
