from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "shared.chat"
    label = "chat"
    verbose_name = "Chat"

    def ready(self) -> None:
        from shared.chat.membership import announce_member_change
        from shared.groups.events import on_member_change

        on_member_change(announce_member_change)
