"""The user row behind a Keycloak identity."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin, UserManager
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxLengthValidator, URLValidator
from django.utils import timezone

from shared.core.models import BaseModel

BIO_MAX_LENGTH = 500
DISPLAY_NAME_MAX_LENGTH = 100
AVATAR_URL_MAX_LENGTH = 500
INTEREST_MAX_LENGTH = 40
INTERESTS_MAX_COUNT = 20
# The languages CrewUp speaks (the SPA's and the notifications').
LANGUAGES = [("en", "English"), ("sv", "Svenska")]
# What a message, an event or a crew shows for an author whose account was erased.
DELETED_USER_DISPLAY_NAME = "Deleted user"


def display_name_of(
    *, username: str, first_name: str, last_name: str, override: str, deleted_at: datetime | None
) -> str:
    """`User.display_name` from the columns alone, for reads that fetch them without a model."""
    if deleted_at is not None:
        return DELETED_USER_DISPLAY_NAME
    if override:
        return override
    full_name = f"{first_name} {last_name}".strip()
    return full_name or username


@dataclass(frozen=True, slots=True)
class UserSummary:
    """How a user shows to others, read in SQL without a model instance."""

    id: UUID
    username: str
    display_name: str

    # The columns `from_columns` takes, in order, of the user table aliased `alias`.
    @staticmethod
    def columns(alias: str) -> str:
        return (
            f"{alias}.id, {alias}.username, {alias}.first_name, {alias}.last_name,"
            f" {alias}.display_name_override, {alias}.deleted_at"
        )

    @classmethod
    def from_columns(cls, values: Sequence[Any]) -> UserSummary | None:
        """The summary of `columns`' six values (None when the id is NULL: no such user)."""
        user_id, username, first_name, last_name, override, deleted_at = values
        if user_id is None:
            return None
        return cls(
            id=user_id,
            username=username,
            display_name=display_name_of(
                username=username,
                first_name=first_name,
                last_name=last_name,
                override=override,
                deleted_at=deleted_at,
            ),
        )


class CrewUpUserManager(UserManager["User"]):
    def create_user(self, keycloak_id: str, **extra_fields: Any) -> User:  # type: ignore[override]
        user = self.model(keycloak_id=keycloak_id, **extra_fields)
        user.set_unusable_password()
        user.save(using=self._db)
        return user


class User(BaseModel, AbstractBaseUser, PermissionsMixin):
    """A person, identified by the `sub` of their Keycloak tokens.

    Nobody signs in with a local password: identity, passwords and roles are Keycloak's.
    The name and e-mail fields are copied from the token claims (and kept in step with them);
    the profile fields below them are the user's own, edited through the user service.
    `realm_roles` is a snapshot of the roles on the user's last token: the roles themselves
    live in Keycloak, but moderation must know, for example, that a target is an admin.
    An erased account keeps its row (messages, events and audit rows point to it) with every
    personal field cleared and `deleted_at` set.
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
    # When the ban or lift now in force happened (the `occurred_at` of its event). These three
    # are written only by `accounts.services.user_ban_state_write`, in moderation's ban
    # transaction; no event consumer writes them.
    ban_event_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # Database defaults as well: pods still running the code from before these columns
    # existed insert users without them during a rolling deploy.
    realm_roles = ArrayField(
        models.CharField(max_length=100), default=list, db_default=[], blank=True
    )

    # --- The profile the user edits ---
    # Shown instead of the name from Keycloak when set.
    display_name_override = models.CharField(
        max_length=DISPLAY_NAME_MAX_LENGTH, blank=True, db_default=""
    )
    # A TextField's max_length is not validated by the model; the validator is.
    bio = models.TextField(
        max_length=BIO_MAX_LENGTH,
        blank=True,
        db_default="",
        validators=[MaxLengthValidator(BIO_MAX_LENGTH)],
    )
    avatar_url = models.URLField(
        max_length=AVATAR_URL_MAX_LENGTH,
        blank=True,
        db_default="",
        validators=[URLValidator(schemes=["https"], message="Give an https:// URL.")],
    )
    interests = ArrayField(
        models.CharField(max_length=INTEREST_MAX_LENGTH),
        size=INTERESTS_MAX_COUNT,
        default=list,
        db_default=[],
        blank=True,
    )
    # Private to the user: never in the public profile. No spatial index until a query needs one.
    home_location = models.PointField(
        geography=True, srid=4326, null=True, blank=True, spatial_index=False
    )
    # What the user reads notifications in (pushes and e-mails are written without a page
    # to take them from), and the time zone their times are shown in.
    language = models.CharField(
        max_length=10, choices=LANGUAGES, default="en", db_default="en", blank=True
    )
    time_zone = models.CharField(
        max_length=64, default="Europe/Stockholm", db_default="Europe/Stockholm", blank=True
    )
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = CrewUpUserManager()

    USERNAME_FIELD = "keycloak_id"
    REQUIRED_FIELDS: ClassVar[list[str]] = []
    # What showing a user to others reads (`display_name`, `username`): a list of events or
    # messages loads these of each author, not the whole row (roles, home, interests...).
    SUMMARY_FIELDS = (
        "id",
        "keycloak_id",
        "username",
        "first_name",
        "last_name",
        "display_name_override",
        "deleted_at",
    )

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.username or self.keycloak_id

    @property
    def display_name(self) -> str:
        """The name shown to others: the user's own choice, else their name, else the username."""
        return display_name_of(
            username=self.username,
            first_name=self.first_name,
            last_name=self.last_name,
            override=self.display_name_override,
            deleted_at=self.deleted_at,
        )

    def get_short_name(self) -> str:
        """What the moderator console greets the user with ("Welcome, <this>"), not the `sub`."""
        return self.display_name

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def is_banned_at(self, moment: datetime | None = None) -> bool:
        """Whether a ban holds at `moment` (now by default); a temporary ban ends by itself."""
        if not self.is_banned:
            return False
        if self.banned_until is None:
            return True
        return self.banned_until > (moment or timezone.now())


class ErasedSubject(models.Model):
    """A Keycloak subject (`sub`) whose CrewUp account was erased: its tokens are refused for good.

    An erased subject stays erased: a token of it, still valid or new, never makes an account
    again (`user_provision_from_claims`). A table of its own rather than the `sub` left on the
    anonymised row: only a SHA-256 digest of the subject is kept here, and nothing links it to
    that row (whose `keycloak_id` is replaced), so the row stays anonymous, while a token's
    subject can still be checked against the table.
    """

    subject_digest = models.CharField(max_length=64, primary_key=True)
    erased_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"erased subject {self.subject_digest[:12]}"

    @staticmethod
    def digest_of(subject: str) -> str:
        """The digest this table keeps of a token's `sub`."""
        return hashlib.sha256(subject.encode()).hexdigest()
