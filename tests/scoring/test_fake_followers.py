"""The fake-follower rules and the Wilson range (pure)."""

from __future__ import annotations

import pandas as pd
import pytest

from scoring.fake_followers import classify, fake_share, rule_hits, wilson_interval


def _sample(rows):
    cols = [
        "follower_username",
        "follower_posts",
        "follower_following",
        "follower_followers",
        "has_profile_picture",
        "is_private",
    ]
    return pd.DataFrame(rows, columns=cols)


def test_obvious_bot_is_fake_and_ordinary_person_is_not():
    sample = _sample(
        [
            ("user84920173", 0, 4_500, 12, False, False),
            ("jane.doe", 240, 380, 410, True, True),
        ]
    )
    assert classify(sample).tolist() == [True, False]
    assert rule_hits(sample).loc[0, "digits_in_name"]


def test_unknown_picture_does_not_count_as_missing():
    sample = _sample([("sam", 50, 200, 300, None, None)])
    assert not rule_hits(sample).loc[0, "no_picture"]


def test_missing_columns_are_named():
    with pytest.raises(ValueError, match="follower_posts"):
        rule_hits(pd.DataFrame({"follower_username": ["x"]}))


def test_wilson_interval_hand_computed():
    low, high = wilson_interval(10, 100)
    assert low == pytest.approx(0.0552, abs=1e-4)
    assert high == pytest.approx(0.1744, abs=1e-4)


def test_fake_share_reports_a_range():
    sample = _sample([("bot1234567", 0, 5_000, 3, False, False)] * 3 + [("real", 100, 300, 500, True, False)])
    share = fake_share(sample)
    assert share.fake == 3
    assert share.share == pytest.approx(0.75)
    assert share.low < 0.75 < share.high
