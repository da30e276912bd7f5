from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "shared.chat"
    label = "chat"
    verbose_name = "Chat"

    def ready(self) -> None:
        from shared.chat.membership import announce_member_change
        from shared.groups.events import member_changed

        member_changed.connect(announce_member_change)
