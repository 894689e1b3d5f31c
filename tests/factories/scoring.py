"""Factories for scoring models."""

from __future__ import annotations

from decimal import Decimal

import factory

from scoring.models import QuotedRate, RateCard, ScoringRun
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
