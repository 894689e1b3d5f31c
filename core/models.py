"""Base model and the organisations that own private data (brands and agencies)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower


class BaseModel(models.Model):
    """Abstract base with creation and update timestamps."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Organisation(BaseModel):
    """A brand or an agency; owns campaigns, shortlists, notes and fees."""

    class Kind(models.TextChoices):
        BRAND = "brand", "Brand"
        AGENCY = "agency", "Agency"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    clients = models.ManyToManyField(
        "self",
        through="AgencyClient",
        through_fields=("agency", "brand"),
        symmetrical=False,
        related_name="agencies",
        blank=True,
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["brand", "agency"]), name="core_organisation_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(BaseModel):
    """A user's role in one organisation."""

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        MANAGER = "manager", "Manager"
        MEMBER = "member", "Member"
        VIEWER = "viewer", "Viewer"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="core_membership_user_org_uniq"),
            models.CheckConstraint(
                condition=models.Q(role__in=["owner", "manager", "member", "viewer"]),
                name="core_membership_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) in {self.organisation}"


class AgencyClient(BaseModel):
    """An agency serves a client brand: its staff work on that brand's campaigns."""

    agency = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="client_links")
    brand = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="agency_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "brand"], name="core_agencyclient_uniq"),
            models.CheckConstraint(
                condition=~models.Q(agency=models.F("brand")), name="core_agencyclient_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency} serves {self.brand}"


class AuditEntry(BaseModel):
    """Who changed what in an organisation's private data (campaigns, shortlists, members)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="audit_entries")
    # SET_NULL: the record of a change outlives the account that made it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_entries",
    )
    action = models.CharField(max_length=40)
    model_label = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "-created_at"], name="core_audit_org_created_idx"),
            models.Index(fields=["model_label", "object_id"], name="core_audit_object_idx"),
        ]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.user or 'system'} {self.action} {self.model_label}#{self.object_id}"


class Invitation(BaseModel):
    """An emailed invitation to join an organisation; only the token's SHA-256 hash is stored."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Membership.Role.choices, default=Membership.Role.MEMBER)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations_sent",
    )
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations_accepted",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=["owner", "manager", "member", "viewer"]),
                name="core_invitation_role_valid",
            ),
            # One open invitation per address and organisation; re-inviting replaces it.
            models.UniqueConstraint(
                "organisation",
                Lower("email"),
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="core_invitation_one_open_per_email",
                violation_error_message="This address already has a pending invitation.",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.organisation} as {self.role}"
