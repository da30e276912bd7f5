from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "shared.messaging"
    label = "messaging"
    verbose_name = "Messaging"
