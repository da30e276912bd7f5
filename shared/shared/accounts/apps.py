from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class AccountsConfig(AppConfig):
    name = "shared.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from shared.accounts.models import User

        post_save.connect(_user_row_changed, sender=User, dispatch_uid="accounts-user-saved")
        post_delete.connect(_user_row_changed, sender=User, dispatch_uid="accounts-user-deleted")


def _user_row_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    from shared.accounts.user_cache import user_changed

    user_changed(instance.pk)
