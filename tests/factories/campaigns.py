"""Factories for campaigns, shortlist entries and post results."""

from __future__ import annotations

from decimal import Decimal

import factory

from campaigns.models import Campaign, PostResult, ShortlistEntry
from tests.factories.core import OrganisationFactory
from tests.factories.discovery import ProfileFactory


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Campaign {n}")
    objective = "awareness"
    budget = Decimal("5000.00")
    currency = "GBP"


class ShortlistEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShortlistEntry

    campaign = factory.SubFactory(CampaignFactory)
    profile = factory.SubFactory(ProfileFactory)


class PostResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PostResult

    entry = factory.SubFactory(ShortlistEntryFactory)
    post_ref = factory.Sequence(lambda n: f"https://instagram.com/p/post{n}")
    views = 1000
    reach = 800
    impressions = 1200
    likes = 90
    comments = 8
    shares = 2
    cost = Decimal("100.00")
    revenue = Decimal("150.00")
