"""Default tier schemes and rate-card bands from DOMAIN.md, seeded into the editable tables."""

from __future__ import annotations

# (platform, tier, deliverable, currency, low, high, source). Open-ended top bands ("10,000+") are
# capped at 10x their floor so a price can be placed inside them; mid-tier bands (for schemes with a
# mid tier) run from the micro ceiling to the geometric middle of the macro band. See README, scoring.
_GBP = "seed: UK micro-influencers earn GBP 100-1,000 per sponsored post; DOMAIN.md"
_IMH = "Influencer Marketing Hub rate tables via DOMAIN.md"

DEFAULT_RATE_BANDS: list[tuple[str, str, str, str, int, int, str]] = [
    ("instagram", "nano", "post", "GBP", 10, 100, _GBP),
    ("instagram", "micro", "post", "GBP", 100, 1_000, _GBP),
    ("instagram", "mid", "post", "GBP", 1_000, 3_162, _GBP + " (mid: analyst choice)"),
    ("instagram", "macro", "post", "GBP", 1_000, 10_000, _GBP),
    ("instagram", "mega", "post", "GBP", 10_000, 100_000, _GBP + " (cap: analyst choice)"),
    ("instagram", "nano", "post", "USD", 10, 100, _IMH),
    ("instagram", "micro", "post", "USD", 100, 500, _IMH),
    ("instagram", "mid", "post", "USD", 500, 2_236, _IMH + " (mid: analyst choice)"),
    ("instagram", "macro", "post", "USD", 500, 10_000, _IMH),
    ("instagram", "mega", "post", "USD", 10_000, 100_000, _IMH + " (cap: analyst choice)"),
    ("tiktok", "nano", "video", "USD", 5, 25, _IMH),
    ("tiktok", "micro", "video", "USD", 25, 125, _IMH),
    ("tiktok", "mid", "video", "USD", 125, 559, _IMH + " (mid: analyst choice)"),
    ("tiktok", "macro", "video", "USD", 125, 2_500, _IMH),
    ("tiktok", "mega", "video", "USD", 2_500, 25_000, _IMH + " (cap: analyst choice)"),
    ("youtube", "nano", "video", "USD", 20, 200, _IMH),
    ("youtube", "micro", "video", "USD", 200, 1_000, _IMH),
    ("youtube", "mid", "video", "USD", 1_000, 4_472, _IMH + " (mid: analyst choice)"),
    ("youtube", "macro", "video", "USD", 1_000, 20_000, _IMH),
    ("youtube", "mega", "video", "USD", 20_000, 200_000, _IMH + " (cap: analyst choice)"),
]

# The deliverable whose price is the headline `price` of a profile on each platform.
HEADLINE_DELIVERABLE = {"instagram": "post", "tiktok": "video", "youtube": "video"}

DEFAULT_SPONSORED_HASHTAGS = [
    "ad",
    "ads",
    "advert",
    "advertisement",
    "sponsored",
    "sponsor",
    "spon",
    "gifted",
    "gift",
    "partner",
    "partnership",
    "paidpartnership",
    "brandpartner",
    "collab",
    "promo",
    "affiliate",
    "ambassador",
]
