"""The shared creator catalogue: creators, platform accounts (profiles), niches, snapshots, posts."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from core.models import BaseModel


class Platform(models.TextChoices):
    INSTAGRAM = "instagram", "Instagram"
    TIKTOK = "tiktok", "TikTok"
    YOUTUBE = "youtube", "YouTube"


class Niche(BaseModel):
    """A category in the niche taxonomy (e.g. Beauty, Sports with a ball)."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    # False for categories first seen in an import; an admin can curate them later.
    curated = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Creator(BaseModel):
    """A person or brand behind one or more platform accounts."""

    name = models.CharField(max_length=255, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    language = models.CharField(max_length=8, blank=True, help_text="ISO 639-1")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name or f"creator #{self.pk}"


class Profile(BaseModel):
    """One platform account of a creator, unique on (platform, normalised handle)."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="profiles")
    platform = models.CharField(max_length=16, choices=Platform.choices)
    handle = models.CharField(max_length=150, help_text="lower-case, without @ or URL")
    name = models.CharField(max_length=255, blank=True)
    bio = models.TextField(blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="creator country, ISO 3166-1 alpha-2")
    language = models.CharField(max_length=8, blank=True)
    url = models.URLField(max_length=500, blank=True)
    email = models.EmailField(blank=True)
    verified = models.BooleanField(default=False)
    niches = models.ManyToManyField(Niche, related_name="profiles", blank=True)

    # Latest known counts (from the latest snapshot or the latest imported profile row).
    followers = models.BigIntegerField(null=True, blank=True)
    following = models.BigIntegerField(null=True, blank=True)
    posts_count = models.BigIntegerField(null=True, blank=True)
    # Aggregates a vendor file gave us (provenance "imported"); null when not provided.
    avg_likes = models.FloatField(null=True, blank=True)
    avg_comments = models.FloatField(null=True, blank=True)
    avg_views = models.FloatField(null=True, blank=True)
    avg_shares = models.FloatField(null=True, blank=True)
    # Mean interactions (likes + comments) per post as a vendor reported it ("Engagement avg").
    avg_engagements = models.FloatField(null=True, blank=True)
    # Engagement rate in percent as a vendor reported it (e.g. "60d_eng_rate"); provenance "imported".
    imported_er = models.FloatField(null=True, blank=True)
    stats_as_of = models.DateField(null=True, blank=True, help_text="date the imported numbers refer to")
    # Audience, where a vendor provides it: {"GB": 45.0, "US": 20.0} (percent of audience).
    audience_countries = models.JSONField(default=dict, blank=True)
    audience_main_country = models.CharField(max_length=2, blank=True)
    audience_female_pct = models.FloatField(null=True, blank=True)
    audience_age_main = models.CharField(max_length=16, blank=True)

    # Waiting for the scoring worker: a row in ``scoring.DirtyProfile`` (``dirty_mark``), not a flag here.

    class Meta:
        ordering = ["platform", "handle"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "handle"],
                name="discovery_profile_platform_handle_uniq",
                violation_error_message="An account with this platform and handle already exists.",
            ),
            models.CheckConstraint(
                condition=models.Q(handle=Lower("handle")), name="discovery_profile_handle_lower"
            ),
            models.CheckConstraint(condition=~models.Q(handle=""), name="discovery_profile_handle_not_empty"),
            models.CheckConstraint(
                condition=models.Q(platform__in=[p.value for p in Platform]),
                name="discovery_profile_platform_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(followers__gte=0), name="discovery_profile_followers_gte_0"
            ),
            models.CheckConstraint(
                condition=models.Q(following__gte=0), name="discovery_profile_following_gte_0"
            ),
            models.CheckConstraint(
                condition=models.Q(posts_count__gte=0), name="discovery_profile_posts_gte_0"
            ),
            models.CheckConstraint(
                condition=models.Q(audience_female_pct__gte=0, audience_female_pct__lte=100),
                name="discovery_profile_female_pct_range",
            ),
        ]
        indexes = [
            models.Index(fields=["platform", "followers"], name="discovery_profile_plat_foll"),
            models.Index(fields=["followers"], name="discovery_profile_followers"),
            models.Index(fields=["country"], name="discovery_profile_country"),
            models.Index(fields=["language"], name="discovery_profile_language"),
            models.Index(fields=["audience_main_country"], name="discovery_profile_aud_country"),
        ]

    def __str__(self) -> str:
        return f"{self.platform}:{self.handle}"


class FollowerSnapshot(BaseModel):
    """An account's counts on one day; a new import for the same day replaces that day's values."""

    # No index of its own: the unique (profile, captured_on) leads with it (migration 0017).
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="snapshots", db_index=False)
    captured_on = models.DateField()
    followers = models.BigIntegerField()
    following = models.BigIntegerField(null=True, blank=True)
    posts_count = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["profile", "captured_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "captured_on"], name="discovery_snapshot_profile_day_uniq"
            ),
            models.CheckConstraint(
                condition=models.Q(followers__gte=0), name="discovery_snapshot_followers_gte_0"
            ),
            models.CheckConstraint(
                condition=models.Q(following__gte=0), name="discovery_snapshot_following_gte_0"
            ),
            models.CheckConstraint(
                condition=models.Q(posts_count__gte=0), name="discovery_snapshot_posts_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.profile} on {self.captured_on}: {self.followers}"


class Post(BaseModel):
    """One post of an account; likes may be hidden (null), which is not zero."""

    class Kind(models.TextChoices):
        PHOTO = "photo", "Photo"
        CAROUSEL = "carousel", "Carousel"
        VIDEO = "video", "Video"
        REEL = "reel", "Reel"
        STORY = "story", "Story"
        SHORT = "short", "Short"

    # No index of its own: the unique (profile, external_id) leads with it (migration 0017).
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="posts", db_index=False)
    external_id = models.CharField(max_length=128)
    posted_at = models.DateTimeField()
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PHOTO)
    likes = models.BigIntegerField(null=True, blank=True)
    comments = models.BigIntegerField(null=True, blank=True)
    shares = models.BigIntegerField(null=True, blank=True)
    saves = models.BigIntegerField(null=True, blank=True)
    views = models.BigIntegerField(null=True, blank=True)
    is_sponsored = models.BooleanField(default=False)
    caption = models.TextField(blank=True)
    hashtags = models.JSONField(default=list, blank=True)
    mentions = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["profile", "-posted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "external_id"], name="discovery_post_profile_extid_uniq"
            ),
            models.CheckConstraint(condition=models.Q(likes__gte=0), name="discovery_post_likes_gte_0"),
            models.CheckConstraint(condition=models.Q(comments__gte=0), name="discovery_post_comments_gte_0"),
            models.CheckConstraint(condition=models.Q(shares__gte=0), name="discovery_post_shares_gte_0"),
            models.CheckConstraint(condition=models.Q(saves__gte=0), name="discovery_post_saves_gte_0"),
            models.CheckConstraint(condition=models.Q(views__gte=0), name="discovery_post_views_gte_0"),
        ]
        indexes = [models.Index(fields=["profile", "-posted_at"], name="discovery_post_profile_recent")]

    def __str__(self) -> str:
        return f"{self.profile} post {self.external_id}"


class SavedSearch(BaseModel):
    """A user's named search: the filter query string of the search page, private to that user."""

    user = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="saved_searches")
    name = models.CharField(max_length=120)
    query = models.CharField(max_length=2000, blank=True, help_text="URL query string of the search")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"],
                name="discovery_savedsearch_user_name_uniq",
                violation_error_message="You already have a saved search with this name.",
            ),
            models.CheckConstraint(condition=~models.Q(name=""), name="discovery_savedsearch_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class ImportJob(BaseModel):
    """One uploaded file imported by an admin: its mapping, progress, counts and rejected rows."""

    class Kind(models.TextChoices):
        PROFILES = "profiles", "Profiles"
        SNAPSHOTS = "snapshots", "Follower snapshots"
        POSTS = "posts", "Posts"
        FOLLOWERS = "followers", "Follower sample"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to start"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Finished"
        FAILED = "failed", "Failed"

    file = models.FileField(upload_to="imports/%Y/%m/", max_length=500)
    original_name = models.CharField(max_length=255)
    size_bytes = models.BigIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PROFILES)
    platform = models.CharField(max_length=16, choices=Platform.choices, blank=True)
    snapshot_date = models.DateField(null=True, blank=True)
    strict = models.BooleanField(default=False)
    # Canonical column -> list of the file's header names, as confirmed by the admin.
    mapping = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="import_jobs"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    message = models.TextField(blank=True)
    rows_total = models.BigIntegerField(default=0, help_text="estimated until the job finishes")
    rows_done = models.BigIntegerField(default=0)
    # Rows whose writes are committed; a re-run after a crash resumes after them.
    checkpoint_row = models.BigIntegerField(default=0)
    chunk_size = models.PositiveIntegerField(default=0)
    created = models.BigIntegerField(default=0)
    updated = models.BigIntegerField(default=0)
    unchanged = models.BigIntegerField(default=0)
    rejected = models.BigIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    rejected_rows = models.JSONField(default=list, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    queued_at = models.DateTimeField(null=True, blank=True)
    start_requested_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="an admin asked to start while the queue was down; it starts once the queue is back",
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rows_done__gte=0, checkpoint_row__gte=0),
                name="discovery_importjob_progress_gte_0",
            ),
        ]
        indexes = [models.Index(fields=["status"], name="discovery_importjob_status")]

    def __str__(self) -> str:
        return f"import #{self.pk} {self.original_name} ({self.status})"

    @property
    def stalled(self) -> bool:
        """Failed, running without a checkpoint for two minutes (its worker probably died), or queued for
        ten minutes without a worker taking it (its message may be lost: Redis keeps no queue across a
        restart, or the worker is busy with a long job; starting it again is safe either way)."""
        if self.status == self.Status.FAILED:
            return True
        now = timezone.now()
        if self.status == self.Status.QUEUED:
            return now - (self.queued_at or self.updated_at) > dt.timedelta(minutes=10)
        return self.status == self.Status.RUNNING and now - self.updated_at > dt.timedelta(minutes=2)

    @property
    def percent(self) -> int:
        """Progress in whole percent (100 once finished)."""
        if self.status in {self.Status.SUCCEEDED, self.Status.FAILED}:
            return 100
        if not self.rows_total:
            return 0
        return min(99, int(self.rows_done * 100 / self.rows_total))


class FollowerSample(BaseModel):
    """One follower in an imported sample of an account's followers (input of the fake-follower audit)."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="follower_samples")
    username = models.CharField(max_length=150)
    posts = models.BigIntegerField(null=True, blank=True)
    following = models.BigIntegerField(null=True, blank=True)
    followers = models.BigIntegerField(null=True, blank=True)
    has_profile_picture = models.BooleanField(null=True, blank=True)
    is_private = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["profile", "username"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "username"], name="discovery_followersample_uniq"),
            models.CheckConstraint(
                condition=models.Q(posts__gte=0, following__gte=0, followers__gte=0),
                name="discovery_followersample_counts_gte_0",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.profile} follower {self.username}"
