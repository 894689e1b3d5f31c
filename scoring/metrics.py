"""Pure scoring maths over pandas frames: tiers, engagement, growth, quality signals, price.

No Django here. Frames use these columns (extra columns are ignored):

- profiles: profile_id, platform, followers, following, avg_likes, avg_comments, avg_views, avg_shares,
  avg_engagements, imported_er (optional)
- posts: profile_id, posted_at (tz-aware), kind, likes (NaN = hidden), comments, shares, views,
  is_sponsored, hashtags (list of str)
- snapshots: profile_id, captured_on (datetime64), followers, following

ER values are percents. NaN means "unknown", never zero.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

TIER_ORDER = ["nano", "micro", "mid", "macro", "mega"]
VIDEO_KINDS = frozenset({"video", "reel", "short"})
VIEWS_FIRST_PLATFORMS = frozenset({"tiktok", "youtube"})


# --- tiers -------------------------------------------------------------------------------------


def tier_for_followers(followers: pd.Series, thresholds: Mapping[str, int | None]) -> pd.Series:
    """Tier label per follower count; a boundary value belongs to the upper tier; NaN -> ''."""
    values = pd.to_numeric(followers, errors="coerce").to_numpy(dtype="float64")
    edges = [0.0, float(thresholds["micro_min"])]
    labels = ["nano", "micro"]
    if thresholds.get("mid_min"):
        edges.append(float(thresholds["mid_min"]))
        labels.append("mid")
    edges += [float(thresholds["macro_min"]), float(thresholds["mega_min"])]
    labels += ["macro", "mega"]
    idx = np.searchsorted(np.asarray(edges), values, side="right") - 1
    out = np.array(labels, dtype=object)[np.clip(idx, 0, len(labels) - 1)]
    out[np.isnan(values)] = ""
    return pd.Series(out, index=followers.index, dtype=object)


def assign_tiers(profiles: pd.DataFrame, schemes: Mapping[str, Mapping[str, int | None]]) -> pd.Series:
    """Tier per profile row using each platform's scheme (profiles needs platform, followers)."""
    out = pd.Series("", index=profiles.index, dtype=object)
    for platform, rows in profiles.groupby("platform", sort=False).groups.items():
        scheme = schemes.get(str(platform))
        if scheme is not None:
            out.loc[rows] = tier_for_followers(profiles.loc[rows, "followers"], scheme)
    return out


def tier_bounds(tier: str, thresholds: Mapping[str, int | None]) -> tuple[float, float]:
    """(lower, upper) followers of a tier; nano starts at micro/10 and mega ends at 10x its floor."""
    micro, mid = float(thresholds["micro_min"]), thresholds.get("mid_min")
    macro, mega = float(thresholds["macro_min"]), float(thresholds["mega_min"])
    bounds = {
        "nano": (micro / 10, micro),
        "micro": (micro, float(mid) if mid else macro),
        "mid": (float(mid) if mid else micro, macro),
        "macro": (macro, mega),
        "mega": (mega, mega * 10),
    }
    return bounds[tier]


# --- engagement --------------------------------------------------------------------------------


def followers_at_post_time(
    posts: pd.DataFrame, snapshots: pd.DataFrame, profile_followers: pd.Series
) -> pd.Series:
    """Followers for each post: latest snapshot on/before the post's day, else earliest after, else profile's.

    ``profile_followers`` is indexed by profile_id. Result is aligned to ``posts.index``.
    """
    if posts.empty:
        return pd.Series(dtype="float64", index=posts.index)
    found = np.full(len(posts), np.nan)
    if not snapshots.empty:
        snap_followers = pd.to_numeric(snapshots["followers"]).astype("float64").to_numpy()
        before, after = _asof_rows(
            posts["profile_id"].to_numpy(dtype="int64"),
            _to_day(posts["posted_at"]),
            snapshots["profile_id"].to_numpy(dtype="int64"),
            _to_day(snapshots["captured_on"]),
        )
        found = np.where(before >= 0, snap_followers[before], np.nan)
        found = np.where(np.isnan(found) & (after >= 0), snap_followers[after], found)
    fallback = posts["profile_id"].map(profile_followers).astype("float64").to_numpy()
    values = np.where(np.isnan(found), fallback, found)
    return pd.Series(values, index=posts.index)


def post_er_by_followers(posts: pd.DataFrame, followers: pd.Series) -> pd.Series:
    """Per-post (likes + comments) / followers * 100; NaN when likes are hidden or followers <= 0."""
    likes = pd.to_numeric(posts["likes"], errors="coerce").astype("float64")
    comments = pd.to_numeric(posts["comments"], errors="coerce").astype("float64").fillna(0.0)
    denom = followers.astype("float64").where(followers > 0)
    return (likes + comments) / denom * 100.0


def post_er_by_views(posts: pd.DataFrame) -> pd.Series:
    """Per-post (likes + comments + shares) / views * 100; NaN when likes hidden or views <= 0."""
    likes = pd.to_numeric(posts["likes"], errors="coerce").astype("float64")
    comments = pd.to_numeric(posts["comments"], errors="coerce").astype("float64").fillna(0.0)
    shares = pd.to_numeric(posts["shares"], errors="coerce").astype("float64").fillna(0.0)
    views = pd.to_numeric(posts["views"], errors="coerce").astype("float64")
    return (likes + comments + shares) / views.where(views > 0) * 100.0


def _latest_per_profile(frame: pd.DataFrame, window: int) -> pd.DataFrame:
    """The latest ``window`` rows per profile by posted_at (ties broken by input order).

    Rows come out by profile, newest first. One stable numpy lexsort on integer keys (pandas'
    multi-key sort with a descending key factorises both columns first, ~5x slower).
    """
    if frame.empty:
        return frame
    pid = frame["profile_id"].to_numpy(dtype="int64")
    stamps = pd.DatetimeIndex(frame["posted_at"]).asi8
    # A frame already in that order (the scoring selector sorts its posts so) skips the sort.
    order = np.arange(len(pid)) if _in_order(pid, -stamps) else np.lexsort((-stamps, pid))
    sorted_pid = pid[order]
    starts = np.ones(len(order), dtype=bool)
    starts[1:] = sorted_pid[1:] != sorted_pid[:-1]
    positions = np.arange(len(order))
    rank = positions - np.maximum.accumulate(np.where(starts, positions, 0))
    return frame.iloc[order[rank < window]]


def er_by_followers(posts: pd.DataFrame, followers: pd.Series, window: int = 12) -> pd.DataFrame:
    """Account ER by followers over the latest ``window`` posts with visible likes and known followers.

    Returns per profile_id: er_followers (mean), er_followers_median, posts_used, as_of (latest post day).
    """
    frame = posts.assign(_er=post_er_by_followers(posts, followers))
    frame = frame[frame["_er"].notna()]
    return _aggregate_er(frame, window, "er_followers")


def er_by_views(posts: pd.DataFrame, window: int = 30) -> pd.DataFrame:
    """Account ER by views over the latest ``window`` videos with visible likes and views > 0.

    Returns per profile_id: er_views, er_views_median, posts_used, as_of; and median_views over the
    latest ``window`` videos with known views (hidden likes do not hide views).
    """
    videos = posts[posts["kind"].isin(VIDEO_KINDS)]
    with_views = videos[pd.to_numeric(videos["views"], errors="coerce") > 0]
    median_views = (
        _latest_per_profile(with_views, window)
        .groupby("profile_id")["views"]
        .median()
        .astype("float64")
        .rename("median_views")
    )
    frame = with_views.assign(_er=post_er_by_views(with_views))
    frame = frame[frame["_er"].notna()]
    out = _aggregate_er(frame, window, "er_views")
    return out.join(median_views, how="outer")


def _aggregate_er(frame: pd.DataFrame, window: int, name: str) -> pd.DataFrame:
    latest = _latest_per_profile(frame, window)
    grouped = latest.groupby("profile_id")
    out = pd.DataFrame(
        {
            name: grouped["_er"].mean(),
            f"{name}_median": grouped["_er"].median(),
            f"{name}_posts": grouped["_er"].size(),
            f"{name}_as_of": grouped["posted_at"].max(),
        }
    )
    out.index.name = "profile_id"
    return out


def er_imported(profiles: pd.DataFrame) -> pd.DataFrame:
    """ER from a vendor's averages when there are no posts.

    By followers, first available of: (avg_likes + avg_comments) / followers * 100 (DOMAIN.md's
    formula; a missing avg_comments counts as 0), avg_engagements / followers * 100 (a vendor's
    "engagement average" is likes + comments per post), the vendor's own imported_er (percent).
    By views (video platforms): (avg_likes + avg_comments + avg_shares) / avg_views * 100.
    Indexed like ``profiles``; optional columns may be absent.
    """

    def col(name: str) -> pd.Series:
        if name not in profiles:
            return pd.Series(np.nan, index=profiles.index, dtype="float64")
        return pd.to_numeric(profiles[name], errors="coerce").astype("float64")

    likes, comments, shares = col("avg_likes"), col("avg_comments").fillna(0.0), col("avg_shares").fillna(0.0)
    followers, views = col("followers"), col("avg_views")
    per_follower = 100.0 / followers.where(followers > 0)
    by_followers = ((likes + comments) * per_follower).fillna(col("avg_engagements") * per_follower)
    by_followers = by_followers.fillna(col("imported_er").where(col("imported_er") >= 0))
    return pd.DataFrame(
        {
            "er_followers": by_followers,
            "er_views": (likes + comments + shares) / views.where(views > 0) * 100.0,
        },
        index=profiles.index,
    )


def headline_er(
    platform: pd.Series, er_followers: pd.Series, er_views: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """(er, method): by views on TikTok/YouTube when known, else by followers, else by views."""
    use_views = (platform.isin(VIEWS_FIRST_PLATFORMS) & er_views.notna()) | (
        er_followers.isna() & er_views.notna()
    )
    er = er_views.where(use_views, er_followers)
    method = pd.Series(np.where(use_views, "views", np.where(er.notna(), "followers", "")), index=er.index)
    return er, method


def rate_against_quartiles(er: pd.Series, q1: pd.Series, q2: pd.Series, q3: pd.Series) -> pd.Series:
    """low / average / good / excellent by the peer group's quartiles ('' when unknown)."""
    out = np.select(
        [er.isna() | q2.isna(), er < q1, er < q2, er < q3],
        ["", "low", "average", "good"],
        default="excellent",
    )
    return pd.Series(out, index=er.index, dtype=object)


def er_quartiles(scores: pd.DataFrame) -> pd.DataFrame:
    """ER quartiles per (platform, tier) from a frame with platform, tier, er."""
    known = scores[scores["er"].notna() & (scores["tier"] != "")]
    grouped = known.assign(er=known["er"].astype("float64")).groupby(["platform", "tier"])["er"]
    return pd.DataFrame({"q1": grouped.quantile(0.25), "q2": grouped.median(), "q3": grouped.quantile(0.75)})


# --- growth ------------------------------------------------------------------------------------


def growth(snapshots: pd.DataFrame, days: int) -> pd.DataFrame:
    """Followers gained over the ``days`` before each profile's latest snapshot.

    The start value is interpolated linearly between the two snapshots that bracket the window's
    start day; no bracket (fewer than two snapshots, or history shorter than the window) -> NaN.
    Returns per profile_id: abs, pct, as_of.
    """
    if snapshots.empty:
        return pd.DataFrame(columns=["abs", "pct", "as_of"], index=pd.Index([], name="profile_id"))
    frame = pd.DataFrame(
        {
            "profile_id": snapshots["profile_id"].to_numpy(),
            "day": _to_day(snapshots["captured_on"]),
            "followers": pd.to_numeric(snapshots["followers"]).astype("float64").to_numpy(),
        }
    ).pipe(_by_profile_day)
    pid = frame["profile_id"].to_numpy(dtype="int64")
    day = frame["day"].to_numpy(dtype="datetime64[ns]")
    followers = frame["followers"].to_numpy()
    # Each profile's latest snapshot: the last of its rows (rows by profile, then day).
    last = np.ones(len(pid), dtype=bool)
    last[:-1] = pid[1:] != pid[:-1]
    end_pid, end_day, end = pid[last], day[last], followers[last]
    target = end_day - np.timedelta64(days, "D")
    before, after = _asof_rows(end_pid, target, pid, day)
    bracketed = (before >= 0) & (after >= 0)
    f0 = np.where(bracketed, followers[before], np.nan)
    f1 = np.where(bracketed, followers[after], np.nan)
    span = (day[after] - day[before]) / np.timedelta64(1, "D")
    offset = (target - day[before]) / np.timedelta64(1, "D")
    frac = np.divide(offset, span, out=np.zeros(len(end)), where=bracketed & (span > 0))
    start = f0 + (f1 - f0) * frac
    gained = end - start
    pct = np.divide(gained, start, out=np.full(len(end), np.nan), where=start > 0) * 100.0
    index = pd.Index(end_pid, name="profile_id")
    return pd.DataFrame({"abs": gained, "pct": pct, "as_of": pd.Series(end_day, index=index)}, index=index)


def monthly_growth_pct(pct_90d: pd.Series) -> pd.Series:
    """Compound growth per 30 days from the 90-day percent ((1 + g)^(1/3) - 1)."""
    ratio = 1.0 + pct_90d / 100.0
    return (np.power(ratio.where(ratio > 0), 1.0 / 3.0) - 1.0) * 100.0


# --- audience-quality signals --------------------------------------------------------------------


def daily_gains(snapshots: pd.DataFrame) -> pd.DataFrame:
    """Per consecutive snapshot pair: profile_id, day, days, gain, gain_per_day."""
    frame = pd.DataFrame(
        {
            "profile_id": snapshots["profile_id"].to_numpy(),
            "day": _to_day(snapshots["captured_on"]),
            "followers": pd.to_numeric(snapshots["followers"]).astype("float64").to_numpy(),
        }
    ).pipe(_by_profile_day)
    grouped = frame.groupby("profile_id")
    frame["days"] = grouped["day"].diff().dt.days.astype("float64")
    frame["gain"] = grouped["followers"].diff()
    frame = frame[frame["days"] > 0]
    return frame.assign(gain_per_day=frame["gain"] / frame["days"])


def follower_spikes(
    snapshots: pd.DataFrame, robust_z: float = 6.0, min_gain: float = 1_000, min_intervals: int = 5
) -> pd.DataFrame:
    """Largest daily gain against the account's median/MAD baseline, per profile with enough history.

    Returns per profile_id: max_gain (per day), baseline (median per day), excess (max_gain - baseline),
    z (robust z of max_gain), flagged, round_jump (excess within 2 % of a multiple of 1,000).
    The scale is 1.4826 * MAD, floored at 5 % of |baseline| and 10 followers so a perfectly smooth
    history does not divide by zero.
    """
    gains = daily_gains(snapshots)
    counts = gains.groupby("profile_id").size()
    gains = gains[gains["profile_id"].isin(counts[counts >= min_intervals].index)]
    if gains.empty:
        return pd.DataFrame(
            columns=["max_gain", "baseline", "excess", "z", "flagged", "round_jump"],
            index=pd.Index([], name="profile_id"),
        )
    g = gains.groupby("profile_id")["gain_per_day"]
    baseline = g.median()
    mad = (
        (gains["gain_per_day"] - gains["profile_id"].map(baseline))
        .abs()
        .groupby(gains["profile_id"])
        .median()
    )
    scale = np.maximum.reduce([1.4826 * mad, 0.05 * baseline.abs(), pd.Series(10.0, index=mad.index)])
    max_gain = g.max()
    excess = max_gain - baseline
    z = excess / scale
    nearest = (excess / 1000.0).round() * 1000.0
    round_jump = (nearest >= 1000.0) & ((excess - nearest).abs() <= 0.02 * nearest)
    flagged = (z >= robust_z) & (max_gain >= min_gain)
    return pd.DataFrame(
        {
            "max_gain": max_gain,
            "baseline": baseline,
            "excess": excess,
            "z": z,
            "flagged": flagged,
            "round_jump": round_jump & flagged,
        }
    )


def following_seesaw(snapshots: pd.DataFrame, min_change_pct: float = 5.0) -> pd.DataFrame:
    """Direction reversals of the following count, ignoring changes under ``min_change_pct`` percent.

    Returns per profile_id with at least 4 following values: reversals, points.
    """
    frame = (
        pd.DataFrame(
            {
                "profile_id": snapshots["profile_id"].to_numpy(),
                "day": _to_day(snapshots["captured_on"]),
                "following": pd.to_numeric(snapshots["following"], errors="coerce")
                .astype("float64")
                .to_numpy(),
            }
        )
        .dropna(subset=["following"])
        .pipe(_by_profile_day)
    )
    points = frame.groupby("profile_id").size()
    frame = frame[frame["profile_id"].isin(points[points >= 4].index)]
    if frame.empty:
        return pd.DataFrame(columns=["reversals", "points"], index=pd.Index([], name="profile_id"))
    prev = frame.groupby("profile_id")["following"].shift()
    change = frame["following"] - prev
    big = change.abs() >= (min_change_pct / 100.0) * prev.abs().clip(lower=1.0)
    sign = np.sign(change.where(big)).rename("sign")
    signs = pd.DataFrame({"profile_id": frame["profile_id"], "sign": sign}).dropna()
    flips = signs.groupby("profile_id")["sign"].diff().abs() == 2
    reversals = (
        flips.groupby(signs["profile_id"]).sum().reindex(points.index.intersection(frame["profile_id"]))
    )
    return pd.DataFrame(
        {"reversals": reversals.fillna(0).astype(int), "points": points.reindex(reversals.index)}
    )


def comment_like_ratio(posts: pd.DataFrame, window: int = 12) -> pd.Series:
    """Sum of comments / sum of likes over the latest ``window`` posts with visible likes, per profile."""
    visible = posts[pd.to_numeric(posts["likes"], errors="coerce").notna()]
    latest = _latest_per_profile(visible, window)
    grouped = latest.groupby("profile_id")
    likes = grouped["likes"].sum().astype("float64")
    comments = grouped["comments"].sum().astype("float64")
    return (comments / likes.where(likes > 0)).rename("comment_like_ratio")


# --- sponsored content -------------------------------------------------------------------------


def is_sponsored(posts: pd.DataFrame, hashtags: Iterable[str]) -> pd.Series:
    """True when a post is marked sponsored or carries a disclosure hashtag (in tags or caption)."""
    tags = {t.lower().lstrip("#") for t in hashtags}
    if not tags:
        return posts["is_sponsored"].fillna(False).astype(bool)
    in_list = posts["hashtags"].map(
        lambda values: bool(values) and any(str(v).lower().lstrip("#") in tags for v in values)
    )
    alternatives = "|".join(regex_escape(t) for t in sorted(tags))
    pattern = rf"(?i)#(?:{alternatives})(?:[^a-z0-9_]|$)"
    captions = posts["caption"] if "caption" in posts else pd.Series("", index=posts.index)
    in_caption = captions.fillna("").astype(str).str.contains(pattern, regex=True)
    return posts["is_sponsored"].fillna(False).astype(bool) | in_list.astype(bool) | in_caption


def sponsored_summary(
    posts: pd.DataFrame, post_er: pd.Series, sponsored: pd.Series, window: int = 12
) -> pd.DataFrame:
    """Per profile over its latest ``window`` posts: sponsored_share (0-1), sponsored_er, organic_er."""
    frame = posts[["profile_id", "posted_at"]].assign(_sp=sponsored.astype(bool), _er=post_er)
    latest = _latest_per_profile(frame, window)
    grouped = latest.groupby("profile_id")
    return pd.DataFrame(
        {
            "sponsored_share": grouped["_sp"].mean().astype("float64"),
            "sponsored_er": latest[latest["_sp"]].groupby("profile_id")["_er"].mean(),
            "organic_er": latest[~latest["_sp"]].groupby("profile_id")["_er"].mean(),
        }
    )


# --- price -------------------------------------------------------------------------------------


def estimate_price(
    followers: float, low: float, high: float, tier_lower: float, tier_upper: float, er_factor: float
) -> float:
    """Band low + (high - low) * position of log-followers inside the tier, times the ER factor."""
    if followers <= 0 or tier_upper <= tier_lower:
        position = 0.0
    else:
        position = (math.log(max(followers, 1.0)) - math.log(tier_lower)) / (
            math.log(tier_upper) - math.log(tier_lower)
        )
        position = min(1.0, max(0.0, position))
    return (low + (high - low) * position) * er_factor


def er_factor(er: float | None, tier_median: float | None, lo: float = 0.5, hi: float = 2.0) -> float:
    """clamp(ER / tier median ER, lo, hi); 1.0 when either is unknown or the median is 0."""
    if er is None or tier_median is None or _isnan(er) or _isnan(tier_median) or tier_median <= 0:
        return 1.0
    return min(hi, max(lo, er / tier_median))


# --- helpers -----------------------------------------------------------------------------------


def _asof_rows(
    left_pid: np.ndarray, left_day: np.ndarray, right_pid: np.ndarray, right_day: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each left (profile, day), the right row of the same profile with the latest day on or
    before it, and the one with the earliest day on or after it; -1 where there is none.

    ``pandas.merge_asof`` backward and forward ``by`` profile (the last of equal days backward, the
    first forward, in the right rows' order), as one int64 key per row and two binary searches: the
    profile in the high 32 bits, the day in the low ones (merge_asof's per-profile grouping was most
    of growth() and followers_at_post_time()).
    """
    if np.isnat(left_day).any() or np.isnat(right_day).any():
        raise ValueError("as-of match: a day is missing (NaT)")
    if not len(right_pid) or not len(left_pid):
        return np.full(len(left_pid), -1), np.full(len(left_pid), -1)
    low = min(left_pid.min(), right_pid.min())
    if max(left_pid.max(), right_pid.max()) - low < 2**31:
        left_rank, right_rank = left_pid - low, right_pid - low
    else:
        _, ranks = np.unique(np.concatenate([left_pid, right_pid]), return_inverse=True)
        left_rank, right_rank = ranks[: len(left_pid)], ranks[len(left_pid) :]
    offset = 2**31  # days since 1970 (negative before) as an unsigned 32-bit field

    def keys(rank: np.ndarray, days: np.ndarray) -> np.ndarray:
        whole_days = days.astype("datetime64[D]").astype("int64") + offset
        return (rank.astype("int64") << 32) | whole_days

    right_keys = keys(right_rank, right_day)
    order = np.argsort(right_keys, kind="stable")
    sorted_keys, sorted_rank = right_keys[order], right_rank[order]
    left_keys = keys(left_rank, left_day)
    back = np.searchsorted(sorted_keys, left_keys, side="right") - 1
    ahead = np.searchsorted(sorted_keys, left_keys, side="left")
    back_ok = (back >= 0) & (sorted_rank[np.maximum(back, 0)] == left_rank)
    ahead_ok = (ahead < len(order)) & (sorted_rank[np.minimum(ahead, len(order) - 1)] == left_rank)
    return (
        np.where(back_ok, order[np.maximum(back, 0)], -1),
        np.where(ahead_ok, order[np.minimum(ahead, len(order) - 1)], -1),
    )


def _to_day(values: pd.Series) -> np.ndarray:
    """Timestamps or dates -> naive datetime64 at midnight (UTC day for aware timestamps)."""
    series = pd.to_datetime(values, utc=True)
    return series.dt.tz_localize(None).dt.normalize().to_numpy(dtype="datetime64[ns]")


def _by_profile_day(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows by profile_id, then day (stable, like sort_values on both; one numpy lexsort on integers)."""
    if frame.empty:
        return frame
    days = frame["day"].to_numpy(dtype="datetime64[ns]").view("int64")
    pid = frame["profile_id"].to_numpy()
    if _in_order(pid, days):  # the scoring selector sorts its snapshots so
        return frame
    return frame.iloc[np.lexsort((days, pid))]


def _in_order(first: np.ndarray, second: np.ndarray) -> bool:
    """Rows already sorted by ``first``, then ``second`` (both non-decreasing): one O(n) pass.

    A stable sort of such rows keeps them as they are, so callers may skip it.
    """
    if len(first) < 2:
        return True
    step = np.diff(first)
    return bool((step >= 0).all() and ((step > 0) | (np.diff(second) >= 0)).all())


def regex_escape(tag: str) -> str:
    """Escape a hashtag for a regex understood by both Python and PostgreSQL."""
    return re.escape(tag)


def _isnan(value: float) -> bool:
    return isinstance(value, float) and math.isnan(value)
