"""Input/output serializers of the campaigns API (validation and rendering only)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from campaigns.models import (
    Campaign,
    CampaignStatus,
    Compensation,
    Objective,
    PipelineStatus,
    PostResult,
    ShortlistEntry,
)
from campaigns.services import CAMPAIGN_FIELDS
from core.db import DB_INT_MAX
from discovery.models import Niche, Platform
from scoring.models import Tier


class CampaignOutputSerializer(serializers.ModelSerializer):
    """A brief as stored."""

    niches = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = Campaign
        # The brief's editable fields are CAMPAIGN_FIELDS (one list, shared with the services).
        fields = [
            "id", "organisation", "organisation_name", *CAMPAIGN_FIELDS, "niches", "created_at", "updated_at",
        ]  # fmt: skip


class CampaignInputSerializer(serializers.Serializer):
    """Fields a client may set on a brief (``organisation`` only on create)."""

    organisation = serializers.IntegerField(min_value=1, max_value=DB_INT_MAX, required=False)
    name = serializers.CharField(max_length=200)
    objective = serializers.ChoiceField(choices=Objective.choices, default=Objective.AWARENESS)
    niches = serializers.PrimaryKeyRelatedField(many=True, queryset=Niche.objects.all(), required=False)
    platforms = serializers.ListField(child=serializers.ChoiceField(choices=Platform.choices), required=False)
    countries = serializers.ListField(child=serializers.RegexField(r"^[A-Z]{2}$"), required=False)
    languages = serializers.ListField(child=serializers.RegexField(r"^[a-z]{2}$"), required=False)
    tiers = serializers.ListField(child=serializers.ChoiceField(choices=Tier.choices), required=False)
    min_quality = serializers.IntegerField(min_value=0, max_value=100, required=False, allow_null=True)
    budget = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    currency = serializers.RegexField(r"^[A-Z]{3}$", required=False)
    start_date = serializers.DateField(required=False, allow_null=True)
    end_date = serializers.DateField(required=False, allow_null=True)
    deliverables_count = serializers.IntegerField(min_value=1, max_value=100, required=False)
    deliverables = serializers.CharField(required=False, allow_blank=True)
    hashtags = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    mentions = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    guidelines = serializers.CharField(required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=CampaignStatus.choices, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("start_date"), attrs.get("end_date")
        if start and end and end < start:
            raise serializers.ValidationError(
                {"end_date": "The end date must be on or after the start date."}
            )
        return attrs


class EntryOutputSerializer(serializers.ModelSerializer):
    """A shortlist entry with its account."""

    handle = serializers.CharField(source="profile.handle", read_only=True)
    platform = serializers.CharField(source="profile.platform", read_only=True)

    class Meta:
        model = ShortlistEntry
        fields = [
            "id",
            "profile",
            "handle",
            "platform",
            "fee",
            "compensation",
            "gift_value",
            "commission_pct",
            "pinned",
            "notes",
            "status",
            "status_changed_at",
            "agreed_fee",
            "agreed_deliverables",
            "added_by",
            "created_at",
        ]


class EntryInputSerializer(serializers.Serializer):
    """Add or change a shortlist entry."""

    profile = serializers.IntegerField(min_value=1, max_value=DB_INT_MAX, required=False)
    fee = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    compensation = serializers.ChoiceField(choices=Compensation.choices, required=False)
    gift_value = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    commission_pct = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False, allow_null=True
    )
    pinned = serializers.BooleanField(required=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=PipelineStatus.choices, required=False)
    agreed_fee = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    agreed_deliverables = serializers.CharField(required=False, allow_blank=True)


class SuggestInputSerializer(serializers.Serializer):
    """Options of the suggestion (all optional; defaults come from the brief)."""

    budget = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    min_creators = serializers.IntegerField(min_value=0, max_value=500, default=0)
    max_creators = serializers.IntegerField(min_value=1, max_value=500, required=False, allow_null=True)
    max_share = serializers.FloatField(min_value=0.0001, max_value=1, required=False, allow_null=True)
    quality_min = serializers.IntegerField(min_value=0, max_value=100, required=False, allow_null=True)
    pinned = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=DB_INT_MAX), required=False, allow_null=True
    )
    time_limit = serializers.FloatField(min_value=0.1, max_value=60, default=10.0)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        lo, hi = attrs.get("min_creators") or 0, attrs.get("max_creators")
        if hi is not None and hi < lo:
            raise serializers.ValidationError({"max_creators": "Must be at least min_creators."})
        return attrs


class PickSerializer(serializers.Serializer):
    """One suggested account."""

    profile_id = serializers.IntegerField()
    handle = serializers.CharField()
    platform = serializers.CharField()
    fee = serializers.DecimalField(max_digits=12, decimal_places=2)
    objective = serializers.FloatField()
    pinned = serializers.BooleanField()


class SuggestionOutputSerializer(serializers.Serializer):
    """The suggestion: selection, totals, proof, comparisons, or the infeasibility explanation."""

    feasible = serializers.BooleanField()
    objective_name = serializers.CharField()
    selection = PickSerializer(source="picks", many=True)
    total_fee = serializers.DecimalField(max_digits=14, decimal_places=2)
    objective_value = serializers.FloatField()
    optimal = serializers.BooleanField()
    gap = serializers.FloatField(allow_null=True)
    bound = serializers.FloatField(allow_null=True)
    candidates = serializers.IntegerField()
    seconds = serializers.FloatField()
    constraint = serializers.CharField(allow_null=True)
    explanation = serializers.CharField()
    notes = serializers.ListField(child=serializers.CharField())
    greedy = serializers.SerializerMethodField()
    macro = serializers.DictField(allow_null=True)

    def get_greedy(self, obj: Any) -> dict[str, Any] | None:
        if obj.greedy is None:
            return None
        return {
            "selection": PickSerializer(obj.greedy["picks"], many=True).data,
            "total_fee": str(obj.greedy["total_fee"]),
            "objective": obj.greedy["objective"],
            "feasible": obj.greedy["feasible"],
        }


class ResultOutputSerializer(serializers.ModelSerializer):
    """Results of one post."""

    handle = serializers.CharField(source="entry.profile.handle", read_only=True)

    class Meta:
        model = PostResult
        fields = [
            "id",
            "entry",
            "handle",
            "post_ref",
            "published_on",
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
        ]


class ResultInputSerializer(serializers.Serializer):
    """Results of one post to create or replace."""

    entry = serializers.IntegerField(min_value=1, max_value=DB_INT_MAX)
    post_ref = serializers.CharField(max_length=500)
    published_on = serializers.DateField(required=False, allow_null=True)
    views = serializers.IntegerField(min_value=0, max_value=DB_INT_MAX, required=False, allow_null=True)
    reach = serializers.IntegerField(min_value=0, max_value=DB_INT_MAX, required=False, allow_null=True)
    impressions = serializers.IntegerField(min_value=0, max_value=DB_INT_MAX, required=False, allow_null=True)
    likes = serializers.IntegerField(min_value=0, max_value=DB_INT_MAX, required=False, allow_null=True)
    comments = serializers.IntegerField(min_value=0, max_value=DB_INT_MAX, required=False, allow_null=True)
    shares = serializers.IntegerField(min_value=0, max_value=DB_INT_MAX, required=False, allow_null=True)
    saves = serializers.IntegerField(min_value=0, max_value=DB_INT_MAX, required=False, allow_null=True)
    clicks = serializers.IntegerField(min_value=0, max_value=DB_INT_MAX, required=False, allow_null=True)
    conversions = serializers.IntegerField(min_value=0, max_value=DB_INT_MAX, required=False, allow_null=True)
    revenue = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    cost = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True
    )


def kpis_data(k: Any) -> dict[str, Any]:
    """A Kpis dataclass as JSON-ready data (Decimals as strings)."""
    dec = lambda v: None if v is None else str(v)  # noqa: E731 - tiny local formatter
    return {
        "posts": k.posts,
        "totals": k.totals,
        "engagements": k.engagements,
        "revenue": dec(k.revenue),
        "cost": dec(k.cost),
        "cpe": dec(k.cpe),
        "cpm": dec(k.cpm),
        "cpm_basis": k.cpm_basis,
        "cpv": dec(k.cpv),
        "roi": dec(k.roi),
    }
