"""Computed numbers per profile, with provenance and as-of dates, written by the scoring workers."""

from __future__ import annotations

from django.db import models


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
        indexes = [
            models.Index(fields=["tier", "er"], name="scoring_score_tier_er"),
            models.Index(fields=["er"], name="scoring_score_er"),
            models.Index(fields=["quality"], name="scoring_score_quality"),
            models.Index(fields=["price"], name="scoring_score_price"),
            models.Index(fields=["cpe"], name="scoring_score_cpe"),
            models.Index(fields=["growth_30d_pct"], name="scoring_score_growth30"),
        ]

    def __str__(self) -> str:
        return f"score of {self.profile_id}"
