"""Profiles, niches and saved searches over the API; field names of profiles are a contract (issue 6)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import models
from rest_framework import serializers

from discovery.models import Niche, Profile, SavedSearch
from scoring.models import ProfileScore

# Read straight from the profile; every other declared field (except niches) comes from its score.
PROFILE_ATTRS = {
    "id", "platform", "handle", "name", "followers", "country", "language", "verified", "url", "stats_as_of",
    "creator_id", "bio", "audience_countries", "audience_main_country", "audience_female_pct",
    "audience_age_main",
}  # fmt: skip


def _plain(value: Any) -> Any:
    """JSON-ready scalar: Decimal as a number, dates as ISO strings (what the declared fields render)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def fast_profile_representation(profile: Profile, fields: list[str]) -> dict[str, Any]:
    """The declared fields' output, read directly (DRF's per-field path cost ~0.4 ms a row).

    ``test_api.test_fast_representation_matches_the_declared_fields`` keeps the two paths equal.
    """
    try:
        score = profile.score
    except Profile.score.RelatedObjectDoesNotExist:  # type: ignore[attr-defined]
        score = None
    out: dict[str, Any] = {}
    for name in fields:
        if name == "niches":
            out[name] = [n.slug for n in profile.niches.all()]
        elif name in PROFILE_ATTRS:
            out[name] = _plain(getattr(profile, name))
        else:
            out[name] = _plain(getattr(score, name)) if score is not None else None
    return out


def profile_row_representation(row: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """The declared fields' output from a ``selectors.profile_rows`` row (plain values, no instances).

    ``test_api_rows.test_list_rows_match_the_declared_fields`` keeps it equal to the declared fields.
    """
    out: dict[str, Any] = {}
    for name, key, convert in _row_plan(tuple(fields)):
        value = row[key]
        out[name] = value if convert is None or value is None else convert(value)
    return out


@functools.lru_cache(maxsize=16)
def _row_plan(fields: tuple[str, ...]) -> list[tuple[str, str, Callable[[Any], Any] | None]]:
    """(output name, row key, conversion) per field: what ``_plain`` does, chosen once per column
    from its model field (decimals as numbers, dates as ISO strings) instead of per value."""
    plan: list[tuple[str, str, Callable[[Any], Any] | None]] = []
    for name in fields:
        if name == "niches":
            plan.append((name, name, None))
            continue
        model, key = (Profile, name) if name in PROFILE_ATTRS else (ProfileScore, f"score__{name}")
        field = model._meta.get_field(name)
        convert = None
        if isinstance(field, models.DecimalField):
            convert = float
        elif isinstance(field, models.DateField):  # and DateTimeField
            convert = _isoformat
        plan.append((name, key, convert))
    return plan


def _isoformat(value: dt.date) -> str:
    return value.isoformat()


class NicheOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Niche
        fields = ["id", "name", "slug", "parent"]


class ProfileOutputSerializer(serializers.ModelSerializer):
    """One profile with its latest scores; `er` and growth are percent; null means unknown."""

    tier = serializers.CharField(source="score.tier", allow_null=True, read_only=True)
    er = serializers.FloatField(source="score.er", allow_null=True, read_only=True, help_text="percent")
    er_median = serializers.FloatField(source="score.er_median", allow_null=True, read_only=True)
    er_method = serializers.CharField(source="score.er_method", allow_null=True, read_only=True)
    er_provenance = serializers.CharField(source="score.er_provenance", allow_null=True, read_only=True)
    er_as_of = serializers.DateField(source="score.er_as_of", allow_null=True, read_only=True)
    tier_relative_er = serializers.FloatField(
        source="score.tier_relative_er", allow_null=True, read_only=True
    )
    er_rating = serializers.CharField(source="score.er_rating", allow_null=True, read_only=True)
    growth_30d_pct = serializers.FloatField(source="score.growth_30d_pct", allow_null=True, read_only=True)
    quality = serializers.IntegerField(source="score.quality", allow_null=True, read_only=True)
    quality_confidence = serializers.FloatField(
        source="score.quality_confidence", allow_null=True, read_only=True
    )
    sponsored_share = serializers.FloatField(source="score.sponsored_share", allow_null=True, read_only=True)
    price_low = serializers.DecimalField(
        source="score.price_low",
        max_digits=12,
        decimal_places=2,
        coerce_to_string=False,
        allow_null=True,
        read_only=True,
    )
    price_high = serializers.DecimalField(
        source="score.price_high",
        max_digits=12,
        decimal_places=2,
        coerce_to_string=False,
        allow_null=True,
        read_only=True,
    )
    price = serializers.DecimalField(
        source="score.price",
        max_digits=12,
        decimal_places=2,
        coerce_to_string=False,
        allow_null=True,
        read_only=True,
    )
    price_provenance = serializers.CharField(source="score.price_provenance", allow_null=True, read_only=True)
    has_quoted_rate = serializers.BooleanField(
        source="score.has_quoted_rate", allow_null=True, read_only=True
    )
    currency = serializers.CharField(source="score.currency", allow_null=True, read_only=True)
    expected_engagements = serializers.FloatField(
        source="score.expected_engagements", allow_null=True, read_only=True
    )
    expected_reach = serializers.FloatField(source="score.expected_reach", allow_null=True, read_only=True)
    cpe = serializers.DecimalField(
        source="score.cpe",
        max_digits=12,
        decimal_places=4,
        coerce_to_string=False,
        allow_null=True,
        read_only=True,
    )
    as_of = serializers.DateField(source="score.as_of", allow_null=True, read_only=True)
    niches = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = Profile
        fields = [
            "id", "platform", "handle", "name", "followers", "tier", "er", "er_median", "er_method",
            "er_provenance", "er_as_of", "tier_relative_er", "er_rating", "growth_30d_pct", "quality",
            "quality_confidence", "sponsored_share", "price_low", "price_high", "price", "price_provenance",
            "has_quoted_rate", "currency", "expected_engagements", "expected_reach", "cpe", "niches",
            "country", "language", "verified", "url", "stats_as_of", "as_of",
        ]  # fmt: skip
        read_only_fields = fields

    def to_representation(self, instance: Profile) -> dict[str, Any]:
        return fast_profile_representation(instance, self.Meta.fields)


class ProfileDetailOutputSerializer(ProfileOutputSerializer):
    """A profile with its bio, audience and every audience-quality signal."""

    signals = serializers.JSONField(source="score.signals", allow_null=True, read_only=True)
    creator_id = serializers.IntegerField(read_only=True)

    class Meta(ProfileOutputSerializer.Meta):
        fields = [
            *ProfileOutputSerializer.Meta.fields,
            "creator_id", "bio", "audience_countries", "audience_main_country", "audience_female_pct",
            "audience_age_main", "signals",
        ]  # fmt: skip
        read_only_fields = fields


class SavedSearchInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    query = serializers.CharField(max_length=2000, allow_blank=True, help_text="search-page query string")


class SavedSearchOutputSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = SavedSearch
        fields = ["id", "name", "query", "url", "created_at", "updated_at"]

    def get_url(self, obj: SavedSearch) -> str:
        """The search page opened on this search."""
        return f"/?{obj.query}" if obj.query else "/"


# The columns ``profile_row_representation`` reads for a list row.
LIST_PROFILE_FIELDS = [f for f in ProfileOutputSerializer.Meta.fields if f in PROFILE_ATTRS]
LIST_SCORE_FIELDS = [
    f for f in ProfileOutputSerializer.Meta.fields if f not in PROFILE_ATTRS and f != "niches"
]
