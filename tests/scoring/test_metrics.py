"""Pure metric functions on tiny hand-made frames with hand-computed answers (no database)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from scoring import metrics

DEFAULT = {"micro_min": 1_000, "mid_min": None, "macro_min": 100_000, "mega_min": 1_000_000}
HYPE = {"micro_min": 5_000, "mid_min": 20_000, "macro_min": 100_000, "mega_min": 1_000_000}


def _posts(rows: list[dict]) -> pd.DataFrame:
    base = {
        "kind": "photo",
        "comments": 0.0,
        "shares": np.nan,
        "views": np.nan,
        "is_sponsored": False,
        "hashtags": [],
        "caption": "",
    }
    frame = pd.DataFrame([{**base, **r} for r in rows])
    frame["posted_at"] = pd.to_datetime(frame["posted_at"], utc=True)
    for col in ("likes", "comments", "shares", "views"):
        frame[col] = frame[col].astype("float64")
    return frame


def _snaps(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["profile_id", "captured_on", "followers"])
    frame["captured_on"] = pd.to_datetime(frame["captured_on"])
    frame["following"] = np.nan
    return frame


@pytest.mark.parametrize(
    ("followers", "tier"),
    [
        (0, "nano"),
        (999, "nano"),
        (1_000, "micro"),
        (99_999, "micro"),
        (100_000, "macro"),
        (999_999, "macro"),
        (1_000_000, "mega"),
        (250_000_000, "mega"),
    ],
)
def test_tier_boundary_belongs_to_the_upper_tier(followers, tier):
    assert metrics.tier_for_followers(pd.Series([followers]), DEFAULT).iloc[0] == tier


def test_tier_scheme_with_a_mid_tier_and_unknown_followers():
    tiers = metrics.tier_for_followers(pd.Series([4_999, 5_000, 20_000, 99_999, np.nan]), HYPE)
    assert tiers.tolist() == ["nano", "micro", "mid", "mid", ""]


def test_er_by_followers_mean_and_median_over_visible_likes_only():
    # given 3 posts, the middle one with hidden likes (not zero)
    posts = _posts(
        [
            {"profile_id": 1, "posted_at": "2026-03-03", "likes": 90, "comments": 10},
            {"profile_id": 1, "posted_at": "2026-03-02", "likes": np.nan, "comments": 500},
            {"profile_id": 1, "posted_at": "2026-03-01", "likes": 40, "comments": 10},
        ]
    )
    followers = pd.Series([1_000.0, 1_000.0, 1_000.0])

    out = metrics.er_by_followers(posts, followers, window=12).loc[1]

    # then (100/1000 + 50/1000)/2 * 100 = 7.5; the hidden post is skipped, not counted as 0
    assert out["er_followers"] == pytest.approx(7.5)
    assert out["er_followers_median"] == pytest.approx(7.5)
    assert out["er_followers_posts"] == 2


def test_er_window_takes_the_latest_posts_only():
    rows = [
        {"profile_id": 1, "posted_at": f"2026-01-{d:02d}", "likes": d * 10, "comments": 0}
        for d in range(1, 21)
    ]
    out = metrics.er_by_followers(_posts(rows), pd.Series([1_000.0] * 20), window=12).loc[1]
    # latest 12 days are 9..20: likes 90..200, mean 145 -> 14.5 %
    assert out["er_followers"] == pytest.approx(14.5)
    assert out["er_followers_posts"] == 12


def test_one_post_gives_its_own_er():
    posts = _posts([{"profile_id": 7, "posted_at": "2026-01-01", "likes": 30, "comments": 3}])
    out = metrics.er_by_followers(posts, pd.Series([1_100.0]), window=12).loc[7]
    assert out["er_followers"] == pytest.approx(3.0)
    assert out["er_followers_median"] == pytest.approx(3.0)
    assert out["er_followers_posts"] == 1


def test_zero_followers_leaves_er_unknown():
    posts = _posts([{"profile_id": 1, "posted_at": "2026-01-01", "likes": 30, "comments": 3}])
    out = metrics.er_by_followers(posts, pd.Series([0.0]), window=12)
    assert out.empty  # no usable post: unknown, not infinite and not zero
    imported = metrics.er_imported(
        pd.DataFrame(
            [{"followers": 0, "avg_likes": 10, "avg_comments": 1, "avg_views": np.nan, "avg_shares": np.nan}]
        )
    )
    assert math.isnan(imported["er_followers"].iloc[0])


def test_followers_at_post_time_latest_before_else_earliest_after_else_profile():
    posts = _posts(
        [
            {"profile_id": 1, "posted_at": "2026-01-10T15:00:00Z", "likes": 1},  # snapshot on the 10th
            {"profile_id": 1, "posted_at": "2026-01-20T08:00:00Z", "likes": 1},  # latest before: the 10th
            {"profile_id": 1, "posted_at": "2026-01-01T08:00:00Z", "likes": 1},  # none before: earliest after
            {"profile_id": 2, "posted_at": "2026-01-05T08:00:00Z", "likes": 1},  # no snapshot: profile's
        ]
    )
    snaps = _snaps([(1, "2026-01-10", 1_000), (1, "2026-01-25", 2_000)])
    out = metrics.followers_at_post_time(posts, snaps, pd.Series({1: 9_999.0, 2: 500.0}))
    assert out.tolist() == [1_000.0, 1_000.0, 1_000.0, 500.0]


def test_er_by_views_over_videos():
    posts = _posts(
        [
            {
                "profile_id": 1,
                "posted_at": "2026-01-03",
                "kind": "video",
                "likes": 80,
                "comments": 10,
                "shares": 10,
                "views": 1_000,
            },
            {
                "profile_id": 1,
                "posted_at": "2026-01-02",
                "kind": "video",
                "likes": np.nan,
                "comments": 5,
                "shares": 0,
                "views": 3_000,
            },
            {
                "profile_id": 1,
                "posted_at": "2026-01-01",
                "kind": "photo",
                "likes": 500,
                "comments": 0,
                "views": 100,
            },
        ]
    )
    out = metrics.er_by_views(posts, window=30).loc[1]
    assert out["er_views"] == pytest.approx(10.0)  # 100 / 1000; hidden-likes video skipped
    assert out["er_views_posts"] == 1
    assert out["median_views"] == pytest.approx(2_000.0)  # views still count for reach


def test_imported_er_from_averages():
    frame = pd.DataFrame(
        [
            {
                "followers": 200_000,
                "avg_likes": 3_000,
                "avg_comments": 100,
                "avg_views": 50_000,
                "avg_shares": 400,
            }
        ]
    )
    out = metrics.er_imported(frame).iloc[0]
    assert out["er_followers"] == pytest.approx(1.55)
    assert out["er_views"] == pytest.approx(7.0)


def test_headline_er_prefers_views_on_tiktok_and_youtube():
    er, method = metrics.headline_er(
        pd.Series(["instagram", "tiktok", "tiktok", "youtube"]),
        pd.Series([2.0, 150.0, 3.0, np.nan]),
        pd.Series([9.0, 12.0, np.nan, 4.0]),
    )
    assert er.tolist() == [2.0, 12.0, 3.0, 4.0]
    assert method.tolist() == ["followers", "views", "followers", "views"]


def test_rating_by_quartiles():
    er = pd.Series([0.5, 1.5, 2.5, 3.5, np.nan])
    q = [pd.Series([1.0] * 5), pd.Series([2.0] * 5), pd.Series([3.0] * 5)]
    assert metrics.rate_against_quartiles(er, *q).tolist() == ["low", "average", "good", "excellent", ""]


def test_growth_interpolates_between_bracketing_snapshots():
    snaps = _snaps([(1, "2026-01-01", 10_000), (1, "2026-01-21", 12_000), (1, "2026-02-10", 13_000)])
    out = metrics.growth(snaps, 30).loc[1]
    # window start 2026-01-11: halfway between 10,000 and 12,000 -> 11,000; gain 2,000
    assert out["abs"] == pytest.approx(2_000)
    assert out["pct"] == pytest.approx(2_000 / 11_000 * 100)


def test_growth_unknown_with_fewer_than_two_snapshots_or_short_history():
    one = metrics.growth(_snaps([(1, "2026-01-01", 10_000)]), 30)
    assert math.isnan(one.loc[1, "abs"])
    short = metrics.growth(_snaps([(1, "2026-01-01", 10_000), (1, "2026-01-15", 10_500)]), 30)
    assert math.isnan(short.loc[1, "abs"])  # not zero


def test_planted_spike_of_exactly_5000_is_flagged_and_round():
    # given a smooth month of +100 a day, one day +5,100 (a planted 5,000 on top)
    days = pd.date_range("2026-01-01", periods=31, freq="D")
    followers = 10_000 + 100 * np.arange(31)
    followers[20:] += 5_000
    snaps = _snaps([(1, d, f) for d, f in zip(days, followers, strict=True)])
    smooth = _snaps([(2, d, f) for d, f in zip(days, 10_000 + 100 * np.arange(31), strict=True)])

    out = metrics.follower_spikes(pd.concat([snaps, smooth]), robust_z=6.0, min_gain=1_000)

    assert bool(out.loc[1, "flagged"]) is True
    assert out.loc[1, "excess"] == pytest.approx(5_000)
    assert bool(out.loc[1, "round_jump"]) is True
    assert out.loc[1, "z"] == pytest.approx(5_000 / 10)  # MAD 0 -> floor 10 (5 % of 100 is 5)
    assert bool(out.loc[2, "flagged"]) is False


def test_following_seesaw_counts_reversals():
    rows = [(1, f"2026-01-{d:02d}", 0) for d in range(1, 8)]
    frame = _snaps(rows)
    frame["following"] = [1_000, 3_000, 1_000, 3_000, 1_000, 1_010, 1_005]
    out = metrics.following_seesaw(frame, min_change_pct=5.0).loc[1]
    assert out["reversals"] == 3  # up, down, up, down; the last two moves are under 5 %


def test_comment_like_ratio():
    posts = _posts(
        [
            {"profile_id": 1, "posted_at": "2026-01-02", "likes": 100, "comments": 1},
            {"profile_id": 1, "posted_at": "2026-01-01", "likes": 300, "comments": 3},
        ]
    )
    assert metrics.comment_like_ratio(posts).loc[1] == pytest.approx(0.01)


def test_sponsored_from_flag_hashtag_or_caption():
    posts = _posts(
        [
            {"profile_id": 1, "posted_at": "2026-01-04", "likes": 10, "is_sponsored": True},
            {"profile_id": 1, "posted_at": "2026-01-03", "likes": 10, "hashtags": ["#Gifted"]},
            {"profile_id": 1, "posted_at": "2026-01-02", "likes": 10, "caption": "love it #ad"},
            {"profile_id": 1, "posted_at": "2026-01-01", "likes": 30, "caption": "#adventure time"},
        ]
    )
    flags = metrics.is_sponsored(posts, ["ad", "gifted"])
    assert flags.tolist() == [True, True, True, False]
    summary = metrics.sponsored_summary(posts, pd.Series([1.0, 1.0, 1.0, 3.0]), flags).loc[1]
    assert summary["sponsored_share"] == pytest.approx(0.75)
    assert summary["sponsored_er"] == pytest.approx(1.0)
    assert summary["organic_er"] == pytest.approx(3.0)


def test_price_placed_by_log_followers_and_clamped_er_factor():
    # 10,000 followers sits halfway (in log) between 1,000 and 100,000: 100 + 900 * 0.5 = 550
    assert metrics.estimate_price(10_000, 100, 1_000, 1_000, 100_000, 1.0) == pytest.approx(550)
    assert metrics.er_factor(9.0, 3.0) == 2.0
    assert metrics.er_factor(0.3, 3.0) == 0.5
    assert metrics.er_factor(4.5, 3.0) == pytest.approx(1.5)
    assert metrics.er_factor(None, 3.0) == 1.0
    assert metrics.estimate_price(1_000, 100, 1_000, 1_000, 100_000, 2.0) == pytest.approx(200)


def test_imported_er_falls_back_to_engagement_average_then_vendor_rate():
    frame = pd.DataFrame(
        [
            {"followers": 1_000_000, "avg_likes": np.nan, "avg_engagements": 23_000, "imported_er": 9.0},
            {"followers": 1_000_000, "avg_likes": np.nan, "avg_engagements": np.nan, "imported_er": 1.39},
            {"followers": 0, "avg_likes": np.nan, "avg_engagements": np.nan, "imported_er": np.nan},
        ]
    )
    out = metrics.er_imported(frame)["er_followers"]
    assert out.iloc[0] == pytest.approx(2.3)
    assert out.iloc[1] == pytest.approx(1.39)
    assert math.isnan(out.iloc[2])


def test_windows_and_day_order_are_the_same_whether_rows_arrive_sorted_or_not():
    # given posts and snapshots of two profiles in arrival order, and the same rows already sorted
    # by profile then newest post / by profile then day (as the scoring selector returns them)
    posts = _posts(
        [
            {"profile_id": 2, "posted_at": "2026-01-03", "likes": 30.0},
            {"profile_id": 1, "posted_at": "2026-01-01", "likes": 10.0},
            {"profile_id": 1, "posted_at": "2026-01-03", "likes": 12.0},
            {"profile_id": 2, "posted_at": "2026-01-01", "likes": 20.0},
            {"profile_id": 1, "posted_at": "2026-01-02", "likes": 11.0},
        ]
    )
    sorted_posts = posts.iloc[[2, 4, 1, 0, 3]]
    snaps = pd.DataFrame(
        {
            "profile_id": [2, 1, 1, 2],
            "captured_on": pd.to_datetime(["2026-01-02", "2026-01-02", "2026-01-01", "2026-01-01"]),
            "followers": [200.0, 110.0, 100.0, 190.0],
        }
    )
    sorted_snaps = snaps.iloc[[2, 1, 3, 0]]

    # when the latest two posts per profile and the rows by profile and day are taken from both
    latest, latest_sorted = (metrics._latest_per_profile(p, 2) for p in (posts, sorted_posts))
    days, days_sorted = (
        metrics._by_profile_day(s.assign(day=s["captured_on"])) for s in (snaps, sorted_snaps)
    )

    # then the same rows come out in the same order: newest first per profile, then by day
    assert latest["likes"].tolist() == latest_sorted["likes"].tolist() == [12.0, 11.0, 30.0, 20.0]
    assert days["followers"].tolist() == days_sorted["followers"].tolist() == [100.0, 110.0, 190.0, 200.0]
    assert metrics._in_order(np.array([1, 1, 2]), np.array([5, 6, 0]))
    assert not metrics._in_order(np.array([1, 1, 2]), np.array([6, 5, 0]))
    assert not metrics._in_order(np.array([2, 1]), np.array([0, 0]))
