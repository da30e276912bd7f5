"""The abstract model every domain model inherits."""

import uuid

from django.db import models


class BaseModel(models.Model):
    """A UUID primary key (safe to expose and to pass between services) and timestamps."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
