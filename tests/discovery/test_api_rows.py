"""The profile list's plain-row path renders exactly what the declared DRF fields render."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from discovery import selectors
from discovery.api.serializers import (
    LIST_PROFILE_FIELDS,
    LIST_SCORE_FIELDS,
    ProfileOutputSerializer,
    profile_row_representation,
)
from tests.factories.discovery import NicheFactory, ProfileFactory
from tests.factories.scoring import ProfileScoreFactory

pytestmark = pytest.mark.django_db


def _declared(profile) -> dict:
    """DRF's own per-field output of the list serializer (not the fast path), rendered to JSON."""
    data = serializers.ModelSerializer.to_representation(ProfileOutputSerializer(profile), profile)
    return json.loads(JSONRenderer().render(data))


def _catalogue() -> list:
    """Scored and unscored profiles, nulls in every nullable column, zero, several niches, dates."""
    fitness = NicheFactory(slug="fitness", name="Fitness")
    beauty = NicheFactory(slug="beauty", name="Beauty")
    travel = NicheFactory(slug="zz-travel", name="Adventure travel")  # slug and name order differ
    scored = ProfileFactory(followers=25_000, verified=True, url="https://example.com/a")
    scored.niches.add(fitness, beauty, travel)
    ProfileScoreFactory(profile=scored, er=3.257, price=Decimal("250.50"), cpe=Decimal("0.3341"))
    nulls = ProfileFactory(followers=None, country="", language="", stats_as_of=None)
    nulls.niches.add(beauty)
    ProfileScoreFactory(
        profile=nulls,
        tier="",
        er=None,
        er_median=None,
        er_method="",
        er_provenance="",
        er_as_of=None,
        tier_relative_er=None,
        er_rating="",
        growth_30d_pct=None,
        quality=None,
        quality_confidence=None,
        sponsored_share=None,
        price_low=None,
        price_high=None,
        price=None,
        currency="",
        price_provenance="",
        expected_engagements=None,
        expected_reach=None,
        cpe=None,
        as_of=None,
    )
    zeros = ProfileFactory(followers=0, stats_as_of=dt.date(2026, 10, 31))
    ProfileScoreFactory(
        profile=zeros,
        er=0.0,
        growth_30d_pct=-12.5,
        quality=0,
        price=Decimal("0.00"),
        price_low=Decimal("0.00"),
        has_quoted_rate=True,
        price_provenance="quoted",
        expected_engagements=0.0,
        cpe=None,
    )
    unscored = ProfileFactory(followers=1_200)
    unscored.niches.add(fitness)
    return [scored, nulls, zeros, unscored]


def test_list_rows_match_the_declared_fields() -> None:
    profiles = _catalogue()
    ids = [p.pk for p in reversed(profiles)]

    rows = selectors.profile_rows(ids, profile_fields=LIST_PROFILE_FIELDS, score_fields=LIST_SCORE_FIELDS)
    fast = [profile_row_representation(r, ProfileOutputSerializer.Meta.fields) for r in rows]

    expected = [_declared(selectors.profile_get(profile_id=i)) for i in ids]
    assert json.loads(JSONRenderer().render(fast)) == expected
    assert [r["niches"] for r in fast if r["id"] == profiles[0].pk] == [["zz-travel", "beauty", "fitness"]]


def test_list_endpoint_serves_the_declared_fields(brand_member) -> None:
    profiles = _catalogue()
    client = APIClient()
    client.force_authenticate(brand_member)

    body = client.get(reverse("api:profile-list"), {"ordering": "followers"}).json()

    by_id = {p.pk: p for p in profiles}
    assert body["count"] == len(profiles)
    assert [r["id"] for r in body["results"]] == [
        p.pk for p in sorted(profiles, key=lambda p: (p.followers is None, p.followers or 0, p.pk))
    ]
    for row in body["results"]:
        assert row == _declared(selectors.profile_get(profile_id=by_id[row["id"]].pk))


def test_missing_ids_are_left_out() -> None:
    profile = ProfileFactory()

    rows = selectors.profile_rows([987654, profile.pk], profile_fields=["id"], score_fields=["tier"])

    assert rows == [{"id": profile.pk, "score__tier": None, "niches": []}]
