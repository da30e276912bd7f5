"""The user row behind a Keycloak identity."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin, UserManager
from django.db import models
from django.utils import timezone

from shared.core.models import BaseModel


class CrewUpUserManager(UserManager["User"]):
    def create_user(self, keycloak_id: str, **extra_fields):  # type: ignore[override]
        user = self.model(keycloak_id=keycloak_id, **extra_fields)
        user.set_unusable_password()
        user.save(using=self._db)
        return user


class User(BaseModel, AbstractBaseUser, PermissionsMixin):
    """A person, identified by the `sub` of their Keycloak tokens.

    Nobody signs in with a local password: identity, passwords and roles are Keycloak's.
    The profile fields are copied from the token claims when the row is created.
    """

    keycloak_id = models.CharField(max_length=255, unique=True)
    username = models.CharField(max_length=255, db_index=True)
    email = models.EmailField(blank=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    is_banned = models.BooleanField(default=False)
    banned_until = models.DateTimeField(null=True, blank=True)
    # When the ban or unban now in force happened (`occurred_at` of its event): events that
    # arrive out of order and are older than this change nothing.
    ban_event_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    objects = CrewUpUserManager()

    USERNAME_FIELD = "keycloak_id"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.username or self.keycloak_id

    @property
    def display_name(self) -> str:
        full_name = f"{self.first_name} {self.last_name}".strip()
        return full_name or self.username

    def is_banned_at(self, moment: datetime | None = None) -> bool:
        """Whether a ban holds at `moment` (now by default); a temporary ban ends by itself."""
        if not self.is_banned:
            return False
        if self.banned_until is None:
            return True
        return self.banned_until > (moment or timezone.now())
