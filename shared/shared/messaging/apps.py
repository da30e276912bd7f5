from django.apps import AppConfig
from django.conf import settings


class MessagingConfig(AppConfig):
    name = "shared.messaging"
    label = "messaging"
    verbose_name = "Messaging"

    def ready(self) -> None:
        if settings.OUTBOX_RELAY_AFTER_COMMIT:
            from shared.messaging.background import outbox_relay_in_background
            from shared.messaging.hooks import outbox_written

            outbox_written.connect(outbox_relay_in_background)
