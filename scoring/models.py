"""Computed numbers per profile, with provenance and as-of dates, written by the scoring workers."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Now

from core.models import BaseModel
from discovery.models import Platform


class Tier(models.TextChoices):
    NANO = "nano", "Nano"
    MICRO = "micro", "Micro"
    MID = "mid", "Mid"
    MACRO = "macro", "Macro"
    MEGA = "mega", "Mega"


class Provenance(models.TextChoices):
    MEASURED = "measured", "Measured"
    IMPORTED = "imported", "Imported"
    ESTIMATED = "estimated", "Estimated"
    QUOTED = "quoted", "Quoted"


class ProfileScore(models.Model):
    """The scoring worker's output for one profile (one row per profile, rewritten on each score)."""

    class ErMethod(models.TextChoices):
        FOLLOWERS = "followers", "By followers"
        VIEWS = "views", "By views"

    class Rating(models.TextChoices):
        LOW = "low", "Low"
        AVERAGE = "average", "Average"
        GOOD = "good", "Good"
        EXCELLENT = "excellent", "Excellent"

    profile = models.OneToOneField(
        "discovery.Profile", on_delete=models.CASCADE, primary_key=True, related_name="score"
    )
    tier = models.CharField(max_length=8, choices=Tier.choices, blank=True)
    followers = models.BigIntegerField(null=True, blank=True, help_text="followers the scores used")

    # Engagement (percent). `er` is the headline ER, by `er_method`.
    er = models.FloatField(null=True, blank=True)
    er_median = models.FloatField(null=True, blank=True)
    er_method = models.CharField(max_length=10, choices=ErMethod.choices, blank=True)
    er_provenance = models.CharField(max_length=10, choices=Provenance.choices, blank=True)
    er_posts_used = models.PositiveIntegerField(default=0)
    er_followers = models.FloatField(null=True, blank=True, help_text="ER by followers, percent")
    er_followers_median = models.FloatField(null=True, blank=True)
    er_views = models.FloatField(null=True, blank=True, help_text="ER by views, percent")
    er_views_median = models.FloatField(null=True, blank=True)
    median_views = models.FloatField(null=True, blank=True)
    er_as_of = models.DateField(null=True, blank=True)
    tier_relative_er = models.FloatField(null=True, blank=True, help_text="ER / median ER of platform+tier")
    er_rating = models.CharField(max_length=10, choices=Rating.choices, blank=True)

    # Growth from snapshots; null = unknown (fewer than two snapshots).
    growth_30d_abs = models.BigIntegerField(null=True, blank=True)
    growth_30d_pct = models.FloatField(null=True, blank=True)
    growth_90d_abs = models.BigIntegerField(null=True, blank=True)
    growth_90d_pct = models.FloatField(null=True, blank=True)
    growth_as_of = models.DateField(null=True, blank=True)
    growth_monthly_pct = models.FloatField(null=True, blank=True, help_text="compound growth per 30 days")

    # Audience quality 0-100 and its confidence 0-1; each signal in `signals`.
    quality = models.PositiveSmallIntegerField(null=True, blank=True)
    quality_confidence = models.FloatField(null=True, blank=True)
    signals = models.JSONField(default=list, blank=True)

    sponsored_share = models.FloatField(null=True, blank=True, help_text="share of recent posts, 0-1")
    sponsored_er = models.FloatField(null=True, blank=True)
    organic_er = models.FloatField(null=True, blank=True)

    # Price per deliverable (post) and value.
    price_low = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    price_high = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    price_provenance = models.CharField(max_length=10, choices=Provenance.choices, blank=True)
    has_quoted_rate = models.BooleanField(default=False)
    price_deliverable = models.CharField(max_length=10, blank=True)
    expected_engagements = models.FloatField(null=True, blank=True)
    expected_reach = models.FloatField(null=True, blank=True)
    cpe = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)

    as_of = models.DateField(null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(er__gte=0), name="scoring_profilescore_er_gte_0"),
            models.CheckConstraint(
                condition=models.Q(quality__lte=100), name="scoring_profilescore_quality_lte_100"
            ),
            models.CheckConstraint(
                condition=models.Q(price_low__lte=models.F("price_high")),
                name="scoring_profilescore_price_band",
            ),
        ]
        # On PostgreSQL the search's own indexes (discovery 0006-0011: er, growth and quality
        # descending, price and CPE covering) serve what single-column ones on er, quality, price,
        # cpe and growth_30d_pct did; those were dropped (scoring 0012) and stay on SQLite only.
        indexes = [
            models.Index(fields=["tier", "er"], name="scoring_score_tier_er"),
        ]

    def __str__(self) -> str:
        return f"score of {self.profile_id}"


class Deliverable(models.TextChoices):
    POST = "post", "Post"
    VIDEO = "video", "Video"
    STORY = "story", "Story"
    REEL = "reel", "Reel"


class TierScheme(BaseModel):
    """Follower thresholds that place a platform's profiles in tiers; a boundary belongs to the upper tier."""

    class Preset(models.TextChoices):
        DEFAULT = "default", "Default 1K/100K/1M (seed documents)"
        ICONOSQUARE = "iconosquare", "1K/10K/100K/1M (Iconosquare, Later)"
        MEDIAKIX = "mediakix", "1K/10K/50K/500K/1M with a mid tier (Mediakix)"
        HYPEAUDITOR = "hypeauditor", "1K/5K/20K/100K/1M (HypeAuditor)"
        CUSTOM = "custom", "Custom"

    platform = models.CharField(max_length=16, choices=Platform.choices, unique=True)
    preset = models.CharField(max_length=16, choices=Preset.choices, default=Preset.DEFAULT)
    micro_min = models.PositiveBigIntegerField(default=1_000, help_text="below this: nano")
    mid_min = models.PositiveBigIntegerField(null=True, blank=True, help_text="empty: no mid tier")
    macro_min = models.PositiveBigIntegerField(default=100_000)
    mega_min = models.PositiveBigIntegerField(default=1_000_000)

    class Meta:
        ordering = ["platform"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(micro_min__lt=models.F("macro_min"), macro_min__lt=models.F("mega_min")),
                name="scoring_tierscheme_ordered",
                violation_error_message="Thresholds must rise: micro < macro < mega.",
            ),
            models.CheckConstraint(
                condition=models.Q(mid_min__isnull=True)
                | models.Q(mid_min__gt=models.F("micro_min"), mid_min__lt=models.F("macro_min")),
                name="scoring_tierscheme_mid_between",
                violation_error_message="The mid threshold must lie between micro and macro.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} tiers ({self.get_preset_display()})"

    def thresholds(self) -> dict[str, int | None]:
        """The thresholds as a plain dict for scoring.metrics."""
        return {
            "micro_min": self.micro_min,
            "mid_min": self.mid_min,
            "macro_min": self.macro_min,
            "mega_min": self.mega_min,
        }


TIER_PRESETS: dict[str, dict[str, int | None]] = {
    TierScheme.Preset.DEFAULT: {
        "micro_min": 1_000,
        "mid_min": None,
        "macro_min": 100_000,
        "mega_min": 1_000_000,
    },
    TierScheme.Preset.ICONOSQUARE: {
        "micro_min": 10_000,
        "mid_min": None,
        "macro_min": 100_000,
        "mega_min": 1_000_000,
    },
    TierScheme.Preset.MEDIAKIX: {
        "micro_min": 10_000,
        "mid_min": 50_000,
        "macro_min": 500_000,
        "mega_min": 1_000_000,
    },
    TierScheme.Preset.HYPEAUDITOR: {
        "micro_min": 5_000,
        "mid_min": 20_000,
        "macro_min": 100_000,
        "mega_min": 1_000_000,
    },
}


class RateCard(BaseModel):
    """A price band per platform, tier, deliverable and currency, for estimated prices."""

    platform = models.CharField(max_length=16, choices=Platform.choices)
    tier = models.CharField(max_length=8, choices=Tier.choices)
    deliverable = models.CharField(max_length=10, choices=Deliverable.choices, default=Deliverable.POST)
    currency = models.CharField(max_length=3, help_text="ISO 4217, e.g. GBP")
    low = models.DecimalField(max_digits=12, decimal_places=2)
    high = models.DecimalField(max_digits=12, decimal_places=2)
    source = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["platform", "currency", "low"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "tier", "deliverable", "currency"],
                name="scoring_ratecard_uniq",
                violation_error_message="A band for this platform, tier, deliverable and currency exists.",
            ),
            models.CheckConstraint(
                condition=models.Q(low__gt=0, high__gte=models.F("low")),
                name="scoring_ratecard_band_valid",
                violation_error_message="A band needs 0 < low <= high.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.platform} {self.tier} {self.deliverable}: {self.currency} {self.low}-{self.high}"


class QuotedRate(BaseModel):
    """A price an admin entered for one profile and deliverable; always wins over estimates."""

    profile = models.ForeignKey("discovery.Profile", on_delete=models.CASCADE, related_name="quoted_rates")
    deliverable = models.CharField(max_length=10, choices=Deliverable.choices, default=Deliverable.POST)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["profile", "deliverable"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "deliverable"],
                name="scoring_quotedrate_uniq",
                violation_error_message="This profile already has a quoted rate for that deliverable.",
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="scoring_quotedrate_amount_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.profile} {self.deliverable}: {self.currency} {self.amount}"


class ScoringSettings(BaseModel):
    """The single row of scoring defaults (windows, thresholds, weights) an admin may tune."""

    er_posts_window = models.PositiveSmallIntegerField(
        default=12, help_text="latest posts for ER by followers"
    )
    er_views_window = models.PositiveSmallIntegerField(default=30, help_text="latest videos for ER by views")
    preferred_currency = models.CharField(max_length=3, default="GBP")
    price_range_pct = models.FloatField(default=20.0, help_text="+/- percent around the estimate")
    er_factor_min = models.FloatField(default=0.5)
    er_factor_max = models.FloatField(default=2.0)
    instagram_reach_rate = models.FloatField(default=0.38, help_text="share of followers a post reaches")
    # Audience-quality signals: thresholds and weights (penalty points out of 100).
    spike_robust_z = models.FloatField(default=6.0, help_text="gain above median by this many robust sigmas")
    spike_min_gain = models.PositiveIntegerField(default=1_000, help_text="smaller daily gains never flag")
    spike_round_multiplier = models.FloatField(default=1.5, help_text="weight factor for round jumps")
    spike_weight = models.FloatField(default=20.0)
    seesaw_min_reversals = models.PositiveSmallIntegerField(default=3)
    seesaw_min_change_pct = models.FloatField(default=5.0, help_text="a following change smaller is noise")
    seesaw_weight = models.FloatField(default=15.0)
    er_below_tier_ratio = models.FloatField(
        default=1 / 3, help_text="flag ER under this share of tier median"
    )
    er_below_tier_weight = models.FloatField(default=20.0)
    comment_like_min = models.FloatField(default=0.002, help_text="comments per like, low end of usual band")
    comment_like_max = models.FloatField(default=0.2, help_text="comments per like, high end of usual band")
    comment_like_weight = models.FloatField(default=10.0)
    mass_follow_threshold = models.PositiveIntegerField(default=1_500)
    mass_follow_weight = models.FloatField(default=10.0)
    fake_share_threshold = models.FloatField(default=0.25, help_text="flag when the fake share exceeds this")
    fake_share_weight = models.FloatField(default=35.0)
    sponsored_hashtags = models.JSONField(
        default=list, blank=True, help_text="disclosure hashtags, lower-case without #"
    )

    class Meta:
        verbose_name_plural = "scoring settings"

    def __str__(self) -> str:
        return "Scoring settings"


class ScoringRun(BaseModel):
    """One pass of the scoring worker: what it claimed, scored and failed on."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    class Kind(models.TextChoices):
        DIRTY = "dirty", "Dirty profiles"
        FULL = "full", "Full rescore"

    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.DIRTY)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0, help_text="dirty profiles when the run started")
    scored = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    batches = models.PositiveIntegerField(default=0)
    chains = models.PositiveSmallIntegerField(default=1, help_text="worker task chains still going")
    duration_s = models.FloatField(null=True, blank=True)
    errors = models.JSONField(default=list, blank=True)
    tier_medians = models.JSONField(default=dict, blank=True, help_text="platform/tier ER quartiles used")
    timings = models.JSONField(
        default=dict, blank=True, help_text="seconds per phase (opening, claims, reads, writes, publish)"
    )
    triggered_by = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "running", "succeeded", "failed"]),
                name="scoring_scoringrun_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"scoring run #{self.pk} ({self.status})"

    @property
    def progress_pct(self) -> int:
        """Share of the run's profiles scored so far, 0-100."""
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.total:
            return 0
        return min(100, round(100 * (self.scored + self.failed) / self.total))


class ScoringQueueItem(models.Model):
    """One profile a full-rescore run still has to score; deleted in the transaction that scores it.

    A full rescore queues every profile id here (one narrow INSERT ... SELECT) instead of marking the
    whole catalogue dirty (``DirtyProfile``): the queue also fixes the claim order.
    """

    pk = models.CompositePrimaryKey("run_id", "profile_id")
    # db_index off: the primary key (run_id, profile_id) already leads with run_id.
    run = models.ForeignKey(ScoringRun, on_delete=models.CASCADE, related_name="queue", db_index=False)
    # Plain id, no foreign key: a profile deleted mid-run is simply not found when its chunk loads.
    profile_id = models.BigIntegerField()
    # Claim order: profiles ranked by where their posts are stored (their first post's id), so a
    # chunk's posts and snapshots sit in a few neighbouring pages instead of across the whole table.
    position = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["run", "position"], name="scoring_queue_run_position")]

    def __str__(self) -> str:
        return f"run {self.run_id}: profile {self.profile_id}"


class DirtyProfile(models.Model):
    """A profile whose scoring inputs changed since it was last scored; deleted when it is scored.

    The dirty set used to be a flag on the profile row with a partial index: every flip was a non-HOT
    update of the wide row and of all its search indexes (~20 s of a 100,000-profile rescore). Here a
    mark is an insert into a two-column table (``scoring.services.dirty``), clearing it a delete.
    """

    profile = models.OneToOneField(
        "discovery.Profile", on_delete=models.CASCADE, primary_key=True, related_name="dirty_mark"
    )
    # When the profile was first marked since its last score (a later mark keeps it): how long it waited.
    marked_at = models.DateTimeField(db_default=Now())

    def __str__(self) -> str:
        return f"profile {self.profile_id} dirty since {self.marked_at}"
