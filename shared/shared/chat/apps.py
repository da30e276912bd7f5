from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "shared.chat"
    label = "chat"
    verbose_name = "Chat"
