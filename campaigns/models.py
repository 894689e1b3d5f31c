"""Campaign briefs, shortlists, outreach and results (private to an organisation)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.models import BaseModel, Organisation


class Objective(models.TextChoices):
    AWARENESS = "awareness", "Awareness (reach)"
    ENGAGEMENT = "engagement", "Engagement"
    CONVERSIONS = "conversions", "Conversions (clicks / sales)"


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    ARCHIVED = "archived", "Archived"


class Compensation(models.TextChoices):
    FEE = "fee", "Fee"
    GIFTED = "gifted", "Gifted product"
    AFFILIATE = "affiliate", "Affiliate commission"


class PipelineStatus(models.TextChoices):
    SHORTLISTED = "shortlisted", "Shortlisted"
    CONTACTED = "contacted", "Contacted"
    NEGOTIATING = "negotiating", "Negotiating"
    CONTRACTED = "contracted", "Contracted"
    CONTENT_SUBMITTED = "content_submitted", "Content submitted"
    APPROVED = "approved", "Approved"
    PUBLISHED = "published", "Published"
    PAID = "paid", "Paid"
    DECLINED = "declined", "Declined"
    CANCELLED = "cancelled", "Cancelled"


# Statuses that no longer count towards the shortlist's spend.
INACTIVE_STATUSES = (PipelineStatus.DECLINED, PipelineStatus.CANCELLED)


class CampaignQuerySet(models.QuerySet):
    """Campaign queries."""

    def not_archived(self) -> CampaignQuerySet:
        """Campaigns still in use."""
        return self.exclude(status=CampaignStatus.ARCHIVED)


class Campaign(BaseModel):
    """A brief written for one client brand (``organisation``), by its staff or its agency."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="campaigns")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=200)
    objective = models.CharField(max_length=12, choices=Objective.choices, default=Objective.AWARENESS)
    niches = models.ManyToManyField("discovery.Niche", related_name="campaigns", blank=True)
    platforms = models.JSONField(default=list, blank=True, help_text="platform codes; empty = any")
    countries = models.JSONField(default=list, blank=True, help_text="ISO alpha-2 codes; empty = any")
    languages = models.JSONField(default=list, blank=True, help_text="ISO 639-1 codes; empty = any")
    tiers = models.JSONField(default=list, blank=True, help_text="tier codes; empty = any")
    min_quality = models.PositiveSmallIntegerField(null=True, blank=True, help_text="audience quality 0-100")
    budget = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="GBP")
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    deliverables_count = models.PositiveSmallIntegerField(default=1, help_text="posts per creator")
    deliverables = models.TextField(blank=True, help_text="what each creator delivers")
    hashtags = models.JSONField(default=list, blank=True)
    mentions = models.JSONField(default=list, blank=True)
    guidelines = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(budget__gte=0),
                name="campaigns_campaign_budget_gte_0",
                violation_error_message="The budget cannot be negative.",
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(start_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="campaigns_campaign_dates_order",
                violation_error_message="The end date must be on or after the start date.",
            ),
            models.CheckConstraint(
                condition=models.Q(min_quality__lte=100), name="campaigns_campaign_min_quality_lte_100"
            ),
            models.CheckConstraint(
                condition=models.Q(deliverables_count__gte=1),
                name="campaigns_campaign_deliverables_gte_1",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=CampaignStatus.values), name="campaigns_campaign_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(objective__in=Objective.values), name="campaigns_campaign_objective_valid"
            ),
        ]
        indexes = [models.Index(fields=["organisation", "status"], name="campaigns_campaign_org_status")]

    def __str__(self) -> str:
        return self.name


class ShortlistEntry(BaseModel):
    """One account on a campaign's shortlist, with its fee, terms and outreach status."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="entries")
    # PROTECT: a campaign's history must not vanish when a catalogue row is removed.
    profile = models.ForeignKey(
        "discovery.Profile", on_delete=models.PROTECT, related_name="shortlist_entries"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    fee = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, help_text="quoted fee per deliverable"
    )
    compensation = models.CharField(max_length=10, choices=Compensation.choices, default=Compensation.FEE)
    gift_value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    commission_pct = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    pinned = models.BooleanField(default=False, help_text="keep when suggesting a shortlist")
    notes = models.TextField(blank=True)
    status = models.CharField(
        max_length=20, choices=PipelineStatus.choices, default=PipelineStatus.SHORTLISTED
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    agreed_fee = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    agreed_deliverables = models.TextField(blank=True)

    class Meta:
        ordering = ["campaign", "id"]
        verbose_name_plural = "shortlist entries"
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "profile"],
                name="campaigns_entry_campaign_profile_uniq",
                violation_error_message="This account is already on the shortlist.",
            ),
            models.CheckConstraint(
                condition=models.Q(fee__gte=0),
                name="campaigns_entry_fee_gte_0",
                violation_error_message="The fee cannot be negative.",
            ),
            models.CheckConstraint(
                condition=models.Q(agreed_fee__gte=0),
                name="campaigns_entry_agreed_fee_gte_0",
                violation_error_message="The agreed fee cannot be negative.",
            ),
            models.CheckConstraint(
                condition=models.Q(gift_value__gte=0),
                name="campaigns_entry_gift_value_gte_0",
                violation_error_message="The gift value cannot be negative.",
            ),
            models.CheckConstraint(
                condition=models.Q(commission_pct__gte=0, commission_pct__lte=100),
                name="campaigns_entry_commission_range",
                violation_error_message="The commission must be between 0 and 100 %.",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=PipelineStatus.values), name="campaigns_entry_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["profile"], name="campaigns_entry_profile")]

    def __str__(self) -> str:
        return f"{self.profile} on {self.campaign}"

    def get_organisation_id(self) -> int:
        """Owning brand, for core.permissions."""
        return self.campaign.organisation_id


class StatusChange(BaseModel):
    """One move of a shortlist entry through the outreach pipeline: who, when, from, to."""

    entry = models.ForeignKey(ShortlistEntry, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=PipelineStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=PipelineStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["entry", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.entry}: {self.from_status or '-'} -> {self.to_status}"


class PostResult(BaseModel):
    """Measured results of one published post of a shortlisted creator."""

    entry = models.ForeignKey(ShortlistEntry, on_delete=models.CASCADE, related_name="results")
    post_ref = models.CharField(max_length=500, help_text="post URL or id")
    published_on = models.DateField(null=True, blank=True)
    views = models.BigIntegerField(null=True, blank=True)
    reach = models.BigIntegerField(null=True, blank=True)
    impressions = models.BigIntegerField(null=True, blank=True)
    likes = models.BigIntegerField(null=True, blank=True)
    comments = models.BigIntegerField(null=True, blank=True)
    shares = models.BigIntegerField(null=True, blank=True)
    saves = models.BigIntegerField(null=True, blank=True)
    clicks = models.BigIntegerField(null=True, blank=True)
    conversions = models.BigIntegerField(null=True, blank=True)
    revenue = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    cost = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)

    METRICS = (
        "views",
        "reach",
        "impressions",
        "likes",
        "comments",
        "shares",
        "saves",
        "clicks",
        "conversions",
    )

    class Meta:
        ordering = ["entry", "published_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "post_ref"],
                name="campaigns_result_entry_post_uniq",
                violation_error_message="Results for this post already exist.",
            ),
            *[
                models.CheckConstraint(
                    condition=models.Q(**{f"{f}__gte": 0}),
                    name=f"campaigns_result_{f}_gte_0",
                    violation_error_message=f"{f} cannot be negative.",
                )
                for f in (
                    "views",
                    "reach",
                    "impressions",
                    "likes",
                    "comments",
                    "shares",
                    "saves",
                    "clicks",
                    "conversions",
                    "revenue",
                    "cost",
                )
            ],
        ]

    def __str__(self) -> str:
        return f"{self.entry.profile_id} {self.post_ref}"

    def get_organisation_id(self) -> int:
        """Owning brand, for core.permissions."""
        return self.entry.campaign.organisation_id
