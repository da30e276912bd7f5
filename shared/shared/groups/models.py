"""Crews, their members and roles, join requests and invite links."""

from __future__ import annotations

from uuid import UUID

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q

from shared.core.models import BaseModel

MIN_MEMBERS = 2
MAX_MEMBERS = 50


class JoinPolicy(models.TextChoices):
    OPEN = "open", "Anyone can join"
    REQUEST = "request", "Join requests approved by an admin"
    INVITE = "invite", "By invite link only"


class GroupVisibility(models.TextChoices):
    PUBLIC = "public", "Public"
    # Seen by its members only; outsiders get 404 for everything inside it.
    PRIVATE = "private", "Private"


class MemberRole(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"


class JoinRequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"


class GroupQuerySet(models.QuerySet["Group"]):
    def visible_to(self, viewer_id: UUID | None) -> GroupQuerySet:
        """Public crews, and private ones the viewer belongs to."""
        public = Q(visibility=GroupVisibility.PUBLIC)
        if viewer_id is None:
            return self.filter(public)
        member = Exists(Membership.objects.filter(group_id=OuterRef("pk"), user_id=viewer_id))
        return self.filter(public | member)

    def active(self) -> GroupQuerySet:
        return self.filter(removed_at__isnull=True)


class Group(BaseModel):
    """A crew going to one event together.

    A private crew can only be joined by invitation: outsiders cannot see it to ask.
    """

    event = models.ForeignKey("events.Event", on_delete=models.PROTECT, related_name="crews")
    name = models.CharField(max_length=100)
    description = models.TextField(max_length=2000, blank=True)
    max_members = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(MIN_MEMBERS), MaxValueValidator(MAX_MEMBERS)]
    )
    join_policy = models.CharField(
        max_length=10, choices=JoinPolicy.choices, default=JoinPolicy.OPEN
    )
    visibility = models.CharField(
        max_length=10, choices=GroupVisibility.choices, default=GroupVisibility.PUBLIC
    )
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, related_name="created_crews"
    )
    # Kept by the services under the crew's row lock.
    member_count = models.PositiveSmallIntegerField(default=0, editable=False)
    # Moderation takes content down softly; the owner sees that and why.
    removed_at = models.DateTimeField(null=True, blank=True)
    removal_reason = models.CharField(max_length=500, blank=True)

    objects = GroupQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["event", "created_at"], name="groups_group_event")]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_members__gte=MIN_MEMBERS) & Q(max_members__lte=MAX_MEMBERS),
                name="groups_group_max_members_range",
            ),
            models.CheckConstraint(
                condition=Q(member_count__lte=models.F("max_members")),
                name="groups_group_members_within_capacity",
            ),
            models.CheckConstraint(
                condition=~Q(visibility=GroupVisibility.PRIVATE) | Q(join_policy=JoinPolicy.INVITE),
                name="groups_group_private_is_invite_only",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_full(self) -> bool:
        return self.member_count >= self.max_members


class Membership(BaseModel):
    """One user in one crew, with a role; exactly one owner per crew."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="crew_memberships"
    )
    role = models.CharField(max_length=10, choices=MemberRole.choices, default=MemberRole.MEMBER)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="groups_membership_unique"),
            models.UniqueConstraint(
                fields=["group"],
                condition=Q(role=MemberRole.OWNER),
                name="groups_membership_one_owner",
            ),
        ]
        indexes = [models.Index(fields=["user", "group"], name="groups_membership_user")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.group_id} ({self.role})"

    @property
    def is_admin(self) -> bool:
        """Owners administer too."""
        return self.role in (MemberRole.OWNER, MemberRole.ADMIN)


class JoinRequest(BaseModel):
    """A request to join a crew whose policy is `request`, decided by one of its admins."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="crew_join_requests"
    )
    message = models.CharField(max_length=500, blank=True)
    status = models.CharField(
        max_length=10, choices=JoinRequestStatus.choices, default=JoinRequestStatus.PENDING
    )
    decided_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "user"],
                condition=Q(status=JoinRequestStatus.PENDING),
                name="groups_joinrequest_one_pending",
            )
        ]


class Invite(BaseModel):
    """An invite link to a crew. Only a hash of its secret is stored; the link is shown once."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="invites")
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    max_uses = models.PositiveIntegerField(null=True, blank=True, validators=[MinValueValidator(1)])
    use_count = models.PositiveIntegerField(default=0, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
