"""Factories for scoring models."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from scoring.models import ProfileScore, QuotedRate, RateCard, ScoringRun
from tests.factories.discovery import ProfileFactory


class RateCardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RateCard
        django_get_or_create = ("platform", "tier", "deliverable", "currency")

    platform = "instagram"
    tier = "micro"
    deliverable = "post"
    currency = "GBP"
    low = Decimal("100")
    high = Decimal("1000")


class QuotedRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuotedRate

    profile = factory.SubFactory(ProfileFactory)
    deliverable = "post"
    amount = Decimal("450.00")
    currency = "GBP"


class ScoringRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScoringRun

    kind = ScoringRun.Kind.DIRTY
    status = ScoringRun.Status.SUCCEEDED
    total = 10
    scored = 10


class ProfileScoreFactory(factory.django.DjangoModelFactory):
    """A scored profile as the scoring worker would leave it (discovery tests set the numbers directly)."""

    class Meta:
        model = ProfileScore
        django_get_or_create = ("profile",)

    profile = factory.SubFactory(ProfileFactory)
    tier = "micro"
    followers = factory.LazyAttribute(lambda s: s.profile.followers)
    er = 3.0
    er_median = 2.8
    er_method = ProfileScore.ErMethod.FOLLOWERS
    er_provenance = "measured"
    er_followers = factory.LazyAttribute(lambda s: s.er)
    er_as_of = dt.date(2026, 11, 1)
    tier_relative_er = 1.0
    er_rating = ProfileScore.Rating.AVERAGE
    growth_30d_pct = 2.0
    growth_as_of = dt.date(2026, 11, 1)
    quality = 80
    quality_confidence = 0.8
    price_low = Decimal("200.00")
    price_high = Decimal("300.00")
    price = Decimal("250.00")
    currency = "GBP"
    price_provenance = "estimated"
    expected_engagements = 750.0
    expected_reach = 9500.0
    cpe = factory.LazyAttribute(
        lambda s: (
            (s.price / Decimal(str(s.expected_engagements))).quantize(Decimal("0.0001"))
            if s.price is not None and s.expected_engagements
            else None
        )
    )
    as_of = dt.date(2026, 11, 1)
