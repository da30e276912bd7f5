import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models

ROLE_USER = "user"
ROLE_MODERATOR = "moderator"
ROLE_ADMIN = "admin"
# The roles people hold.
REALM_ROLES = (ROLE_USER, ROLE_MODERATOR, ROLE_ADMIN)
# Held only by the service accounts of CrewUp's own services, never by a person: it opens the
# internal endpoints one service offers another (`shared.auth.tokens.ROLE_SERVICE`).
ROLE_SERVICE = "service"
# Keycloak names the user behind a client's service account `service-account-<client id>`.
SERVICE_ACCOUNT_PREFIX = "service-account-"


class User(AbstractUser):
    """A person of the realm.

    The primary key is a UUID because it becomes `sub` in every token, which is what Keycloak
    hands out. Realm roles are the Django groups the user is in.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email_verified = models.BooleanField(default=False)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
