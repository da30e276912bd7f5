from django.apps import AppConfig


class UserServiceConfig(AppConfig):
    """The service itself as an app, so that its wiring runs once Django is set up."""

    name = "user_service"
    verbose_name = "User service"

    def ready(self) -> None:
        from user_service import wiring

        wiring.connect()
