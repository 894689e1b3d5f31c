"""A transparent fake-follower classifier over a sample of an account's followers (pure pandas).

Input frame columns: follower_username, follower_posts, follower_following, follower_followers,
has_profile_picture, is_private. Each rule adds its weight to a follower's score when it fires;
a follower whose score reaches FAKE_SCORE_THRESHOLD is classified fake. The features are the ones
SRF Data (2017) found strongest on 975 hand-labelled followers: following/posts, posts,
following/followers, no profile picture, digits in the username. The weights are set by hand
(no training data the project may ship exists yet) and live here, in the repo, to be read and argued.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

REQUIRED_COLUMNS = (
    "follower_username",
    "follower_posts",
    "follower_following",
    "follower_followers",
    "has_profile_picture",
    "is_private",
)


@dataclass(frozen=True)
class Rule:
    """One readable rule: code, weight and the sentence shown to a marketer."""

    code: str
    weight: float
    sentence: str


RULES: tuple[Rule, ...] = (
    Rule("following_per_post", 2.0, "follows more than 50 accounts per post it has published"),
    Rule("few_posts", 1.5, "has published fewer than 3 posts"),
    Rule("following_per_follower", 1.5, "follows more than 10 times as many accounts as follow it"),
    Rule("no_picture", 1.5, "has no profile picture"),
    Rule("digits_in_name", 1.0, "has 4 or more digits in its username"),
    Rule("mass_following", 1.0, "follows more than 2,000 accounts"),
    Rule("public_empty", 0.5, "is public yet has no posts"),
)
FAKE_SCORE_THRESHOLD = 4.0  # e.g. no picture + few posts + digits; or following/post + following/follower


def rule_hits(sample: pd.DataFrame) -> pd.DataFrame:
    """Boolean frame, one column per rule code, one row per follower."""
    missing = [c for c in REQUIRED_COLUMNS if c not in sample.columns]
    if missing:
        raise ValueError(f"follower sample is missing columns: {', '.join(missing)}")
    posts = pd.to_numeric(sample["follower_posts"], errors="coerce").astype("float64").fillna(0.0)
    following = pd.to_numeric(sample["follower_following"], errors="coerce").astype("float64").fillna(0.0)
    followers = pd.to_numeric(sample["follower_followers"], errors="coerce").astype("float64").fillna(0.0)
    # Unknown (empty) picture/private values never fire a rule.
    no_picture = sample["has_profile_picture"].map(lambda v: _flag(v) is False).astype(bool)
    public = sample["is_private"].map(lambda v: _flag(v) is False).astype(bool)
    digits = sample["follower_username"].fillna("").astype(str).str.count(r"\d")
    return pd.DataFrame(
        {
            "following_per_post": following / posts.clip(lower=1.0) > 50,
            "few_posts": posts < 3,
            "following_per_follower": following / followers.clip(lower=1.0) > 10,
            "no_picture": no_picture,
            "digits_in_name": digits >= 4,
            "mass_following": following > 2_000,
            "public_empty": public & (posts == 0),
        },
        index=sample.index,
    )


def fake_scores(sample: pd.DataFrame) -> pd.Series:
    """Sum of the weights of the rules each follower trips."""
    hits = rule_hits(sample)
    weights = pd.Series({r.code: r.weight for r in RULES})
    return hits.astype("float64").mul(weights[hits.columns], axis=1).sum(axis=1)


def classify(sample: pd.DataFrame) -> pd.Series:
    """True for followers classified fake."""
    return fake_scores(sample) >= FAKE_SCORE_THRESHOLD


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for a proportion (95 % by default); (nan, nan) when n == 0."""
    if n <= 0:
        return (math.nan, math.nan)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class FakeShare:
    """The fake share of a sample as a point and a 95 % range."""

    sample_size: int
    fake: int
    share: float
    low: float
    high: float


def fake_share(sample: pd.DataFrame) -> FakeShare:
    """Classify a sample and report the fake share with its Wilson interval."""
    n = len(sample)
    fake = int(classify(sample).sum()) if n else 0
    low, high = wilson_interval(fake, n)
    return FakeShare(sample_size=n, fake=fake, share=(fake / n) if n else math.nan, low=low, high=high)


def _flag(value: object) -> bool | None:
    """A yes/no cell as True/False, or None when empty or unreadable."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, str):
        text = value.strip().lower()
        if text in {"1", "true", "yes", "y", "t"}:
            return True
        if text in {"0", "false", "no", "n", "f"}:
            return False
        return None
    return bool(value)
