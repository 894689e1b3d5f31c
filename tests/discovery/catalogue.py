"""A small, varied catalogue for discovery tests, with a plain-Python copy of every row to check against."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

from tests.factories.discovery import NicheFactory, ProfileFactory
from tests.factories.scoring import ProfileScoreFactory

BIOS = [
    "Vegan recipes and slow travel",
    "Trail running coach in the Peak District",
    "Skincare routines for sensitive skin",
    "Budget travel and street food",
    "Home workouts, yoga and running",
    "",
]
NICHE_SLUGS = ["beauty", "fitness", "travel", "food"]
TIERS = ["nano", "micro", "macro"]


@dataclass
class Row:
    """What a test expects about one profile, independent of the ORM."""

    id: int
    platform: str
    handle: str
    name: str
    bio: str
    followers: int | None
    country: str
    language: str
    verified: bool
    niches: set[str]
    audience_countries: dict[str, float]
    audience_main_country: str
    scored: bool
    tier: str = ""
    er: float | None = None
    er_followers: float | None = None
    er_views: float | None = None
    tier_relative_er: float | None = None
    er_rating: str = ""
    growth_30d_pct: float | None = None
    quality: int | None = None
    sponsored_share: float | None = None
    price: Decimal | None = None
    has_quoted_rate: bool = False
    cpe: Decimal | None = None
    extra: dict = field(default_factory=dict)


def build_catalogue(n: int = 48, seed: int = 7) -> list[Row]:
    """Create ``n`` profiles (some unscored, some with nulls) and return their expected values."""
    rnd = random.Random(seed)
    niches = {slug: NicheFactory(name=slug.title(), slug=slug) for slug in NICHE_SLUGS}
    rows: list[Row] = []
    for i in range(n):
        platform = rnd.choice(["instagram", "instagram", "tiktok", "youtube"])
        sizes = [800, 4_000, 12_000, 45_000, 99_999, 100_000, 350_000]
        followers = None if i % 17 == 5 else rnd.choice(sizes)
        bio = rnd.choice(BIOS)
        first, second = (
            rnd.choice(["jen", "sam", "alex", "kim"]),
            rnd.choice(["fit", "eats", "glow", "roams"]),
        )
        handle = f"{first}{second}_{i}"
        my_niches = set(rnd.sample(NICHE_SLUGS, rnd.choice([0, 1, 1, 2])))
        country = rnd.choice(["GB", "US", "DE"])
        audience = {"GB": round(rnd.uniform(5, 70), 1), "US": round(rnd.uniform(5, 40), 1)}
        main = max(audience, key=audience.get) if i % 4 else ""
        profile = ProfileFactory(
            platform=platform,
            handle=handle,
            name=f"Creator {i}",
            bio=bio,
            followers=followers,
            country=country,
            language=rnd.choice(["en", "de"]),
            verified=i % 5 == 0,
            audience_countries=audience,
            audience_main_country=main,
        )
        profile.niches.set([niches[s] for s in my_niches])
        row = Row(
            id=profile.pk,
            platform=platform,
            handle=handle,
            name=profile.name,
            bio=bio,
            followers=followers,
            country=country,
            language=profile.language,
            verified=profile.verified,
            niches=my_niches,
            audience_countries=audience,
            audience_main_country=main,
            scored=i % 9 != 3,
        )
        if row.scored:
            er = None if i % 11 == 2 else round(rnd.uniform(0.3, 9.0), 2)
            prices = ["40.00", "150.00", "250.00", "800.00", "4000.00"]
            price = None if i % 13 == 4 else Decimal(rnd.choice(prices))
            engagements = None if er is None or not followers else followers * er / 100
            cpe = None
            if price and engagements:
                cpe = (price / Decimal(str(engagements))).quantize(Decimal("0.0001"))
            row.tier = rnd.choice(TIERS)
            row.er = er
            row.er_followers = er
            row.er_views = None if platform == "instagram" else round(rnd.uniform(1, 15), 2)
            row.tier_relative_er = None if er is None else round(rnd.uniform(0.2, 3.0), 2)
            row.er_rating = rnd.choice(["low", "average", "good", "excellent"])
            row.growth_30d_pct = None if i % 7 == 1 else round(rnd.uniform(-3, 12), 2)
            row.quality = None if i % 10 == 6 else rnd.randint(20, 100)
            row.sponsored_share = None if i % 8 == 2 else round(rnd.uniform(0, 0.6), 2)
            row.price = price
            row.has_quoted_rate = price is not None and i % 3 == 0
            row.cpe = cpe
            ProfileScoreFactory(
                profile=profile,
                tier=row.tier,
                er=er,
                er_followers=er,
                er_views=row.er_views,
                tier_relative_er=row.tier_relative_er,
                er_rating=row.er_rating,
                growth_30d_pct=row.growth_30d_pct,
                quality=row.quality,
                sponsored_share=row.sponsored_share,
                price=price,
                price_low=None if price is None else price * Decimal("0.8"),
                price_high=None if price is None else price * Decimal("1.2"),
                has_quoted_rate=row.has_quoted_rate,
                price_provenance="quoted" if row.has_quoted_rate else "estimated",
                expected_engagements=engagements,
                cpe=cpe,
            )
        rows.append(row)
    return rows
