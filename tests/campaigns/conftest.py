"""Campaign fixtures: a brief for the persona brand with a small scored catalogue."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.factories.campaigns import CampaignFactory, PostResultFactory, ShortlistEntryFactory
from tests.factories.discovery import NicheFactory, ProfileFactory
from tests.factories.scoring import ProfileScoreFactory


def scored(
    handle: str,
    *,
    followers: int,
    price: str,
    reach: float,
    engagements: float,
    tier: str = "micro",
    niche=None,
    creator=None,
    quality: int = 80,
    platform: str = "instagram",
    country: str = "GB",
):
    """A profile with a score row, as the scoring worker would leave it."""
    profile = ProfileFactory(
        handle=handle,
        followers=followers,
        platform=platform,
        country=country,
        **({"creator": creator} if creator else {}),
    )
    if niche is not None:
        profile.niches.add(niche)
    ProfileScoreFactory(
        profile=profile,
        tier=tier,
        price=Decimal(price),
        price_low=Decimal(price) * Decimal("0.8"),
        price_high=Decimal(price) * Decimal("1.2"),
        expected_reach=reach,
        expected_engagements=engagements,
        quality=quality,
    )
    return profile


@pytest.fixture
def beauty(db):
    return NicheFactory(name="Beauty", slug="beauty")


@pytest.fixture
def catalogue(beauty):
    """Three micro creators whose pair beats the best-ratio one, and a macro creator, all in Beauty."""
    return {
        "ratio": scored(
            "ratio_queen", followers=30_000, price="600", reach=10_000, engagements=900, niche=beauty
        ),
        "a": scored("pair_a", followers=25_000, price="500", reach=8_000, engagements=700, niche=beauty),
        "b": scored("pair_b", followers=25_000, price="500", reach=8_000, engagements=700, niche=beauty),
        "macro": scored(
            "big_star",
            followers=400_000,
            price="1000",
            reach=12_000,
            engagements=4_000,
            tier="macro",
            niche=beauty,
        ),
        "off": scored("wrong_niche", followers=20_000, price="10", reach=9_000, engagements=800),
    }


@pytest.fixture
def campaign(brand, beauty):
    c = CampaignFactory(organisation=brand, name="Spring launch", budget=Decimal("1000"), tiers=["micro"])
    c.niches.add(beauty)
    return c


@pytest.fixture
def entry(campaign):
    return ShortlistEntryFactory(
        campaign=campaign,
        profile=scored("listed", followers=10_000, price="200", reach=3_800, engagements=300),
    )


@pytest.fixture
def result(entry):
    return PostResultFactory(entry=entry)
