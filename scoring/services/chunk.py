"""Score one chunk of profiles: load its frames (one query each), run the metrics, build score rows."""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd
from django.db import connections
from django.utils import timezone

from scoring import metrics, selectors
from scoring.defaults import HEADLINE_DELIVERABLE
from scoring.fake_followers import fake_share
from scoring.models import ProfileScore, Provenance, RateCard, ScoringSettings
from scoring.services.config import rate_cards_get, scoring_settings_get, tier_schemes_get

CENT = Decimal("0.01")


@dataclass
class ScoringContext:
    """Everything a chunk needs besides its own rows; built once per run."""

    settings: ScoringSettings
    schemes: dict[str, dict[str, int | None]]
    quartiles: dict[str, dict[str, list[float]]]
    rate_cards: dict[tuple[str, str, str, str], RateCard]
    now: dt.datetime = field(default_factory=timezone.now)
    # Load a chunk's posts on a second connection while this one loads the rest (PostgreSQL, and only
    # when the caller holds no transaction whose uncommitted rows the second connection would miss).
    parallel_reads: bool = False
    # False when the catalogue has none (checked once per step): each chunk then skips the query
    # (two per chunk, ~0.03-0.05 s each at 5,000 profiles on the benchmark's busy machine).
    has_quoted_rates: bool = True
    has_follower_samples: bool = True

    @classmethod
    def build(cls, *, quartiles: dict[str, dict[str, list[float]]] | None = None) -> ScoringContext:
        """Load settings, schemes and rate cards; quartiles from the caller (the run) or the catalogue."""
        if quartiles is None:
            quartiles = selectors.er_quartiles_by_tier()
        return cls(
            settings=scoring_settings_get(),
            schemes=tier_schemes_get(),
            quartiles=quartiles,
            rate_cards=rate_cards_get(),
            has_quoted_rates=selectors.quoted_rates_exist(),
            has_follower_samples=selectors.follower_samples_exist(),
        )


def chunk_score_rows(
    *,
    profile_ids: Sequence[int],
    context: ScoringContext,
    with_platform: bool = False,
    timings: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Compute the score fields of each profile in the chunk, set-based.

    Returns a frame with one row per profile and one column per ``ProfileScore`` field (``attname``):
    floats with NaN for unknown, nullable integers, dates as datetime64 (NaT), money as floats (NaN
    for unknown), each the float nearest to its amount rounded to the column's places (``_round_half_up``;
    ``pgcopy`` writes them as those exact decimals), ``signals`` as JSON text.
    ``score_rows_as_dicts`` turns it into field dicts (money as ``Decimal``).
    ``with_platform`` adds the profile's platform as a last column (a full run stages it).
    ``timings`` gets the seconds spent reading ("read") and computing ("compute") added to it.
    """
    started = time.perf_counter()
    cfg = context.settings
    posts_args = {
        "profile_ids": profile_ids,
        "window": max(cfg.er_posts_window, cfg.er_views_window),
        "hashtags": cfg.sponsored_hashtags,
    }
    pending = None
    if context.parallel_reads and len(profile_ids) >= PARALLEL_READS_MIN:
        pending = _reader().submit(_posts_on_own_connection, posts_args)
    try:
        profiles = selectors.profiles_frame(profile_ids=profile_ids)
        snapshots = selectors.snapshots_frame(profile_ids=profile_ids)
        quoted = selectors.quoted_rates_for(profile_ids=profile_ids) if context.has_quoted_rates else {}
        samples = (
            selectors.follower_samples_frame(profile_ids=profile_ids)
            if context.has_follower_samples
            else pd.DataFrame()
        )
        # Snapshot-only metrics first: they overlap the posts query when it runs on the reader thread.
        g30 = metrics.growth(snapshots, 30)
        g90 = metrics.growth(snapshots, 90)
        spikes = metrics.follower_spikes(snapshots, robust_z=cfg.spike_robust_z, min_gain=cfg.spike_min_gain)
        seesaw = metrics.following_seesaw(snapshots, min_change_pct=cfg.seesaw_min_change_pct)
    finally:
        posts = pending.result() if pending is not None else None
    if posts is None:
        posts = selectors.posts_frame(**posts_args)
    read_done = time.perf_counter()
    if timings is not None:
        timings["read"] = timings.get("read", 0.0) + read_done - started
    if profiles.empty:
        return pd.DataFrame(columns=[*SCORE_COLUMNS, "platform"] if with_platform else SCORE_COLUMNS)

    profiles = profiles.set_index("profile_id")
    # Current followers: the profile's latest count, else its latest snapshot.
    latest_snap = snapshots.sort_values("captured_on").groupby("profile_id")["followers"].last()
    followers = pd.to_numeric(profiles["followers"], errors="coerce").astype("float64")
    followers = followers.fillna(latest_snap.reindex(profiles.index))
    profiles["followers"] = followers
    profiles["tier"] = metrics.assign_tiers(profiles.reset_index(), context.schemes).to_numpy()

    post_followers = metrics.followers_at_post_time(posts, snapshots, followers)
    by_followers = metrics.er_by_followers(posts, post_followers, window=cfg.er_posts_window)
    by_views = metrics.er_by_views(posts, window=cfg.er_views_window)
    imported = metrics.er_imported(profiles)
    frame = profiles.join(by_followers, how="left").join(by_views, how="left")
    frame["imp_er_followers"] = imported["er_followers"]
    frame["imp_er_views"] = imported["er_views"]

    measured = frame["er_followers"].notna() | frame["er_views"].notna()
    m_er, m_method = metrics.headline_er(frame["platform"], frame["er_followers"], frame["er_views"])
    i_er, i_method = metrics.headline_er(frame["platform"], imported["er_followers"], imported["er_views"])
    frame["er"] = m_er.where(measured, i_er)
    frame["er_method"] = m_method.where(measured, i_method)
    frame["er_provenance"] = np.where(
        measured, Provenance.MEASURED.value, np.where(frame["er"].notna(), Provenance.IMPORTED.value, "")
    )

    # Peer quartiles: the catalogue's (from the run); a group the catalogue has not scored yet uses
    # this chunk's own quartiles, so the first run on an empty catalogue still rates profiles.
    local = metrics.er_quartiles(frame)
    pairs = pd.MultiIndex.from_arrays([frame["platform"], frame["tier"]])
    table = {pair: _quartiles(context.quartiles, local, *pair) for pair in pairs.unique()}
    q = pd.DataFrame(
        [table[pair] for pair in pairs], index=frame.index, columns=["q1", "q2", "q3"], dtype="float64"
    )
    frame["tier_relative_er"] = frame["er"] / q["q2"].where(q["q2"] > 0)
    frame["er_rating"] = metrics.rate_against_quartiles(frame["er"], q["q1"], q["q2"], q["q3"])
    frame["tier_median"] = q["q2"]

    cl_ratio = metrics.comment_like_ratio(posts, window=cfg.er_posts_window)
    views_first = posts["profile_id"].map(frame["platform"]).isin(metrics.VIEWS_FIRST_PLATFORMS)
    post_er = metrics.post_er_by_views(posts).where(views_first & (posts["views"] > 0))
    post_er = post_er.fillna(metrics.post_er_by_followers(posts, post_followers))
    sponsored = metrics.sponsored_summary(posts, post_er, posts["sponsored"], window=cfg.er_posts_window)
    shares = _fake_shares(samples)
    g90 = g90.assign(monthly=metrics.monthly_growth_pct(g90["pct"].astype("float64")))
    scored = _score_frame(
        frame=frame,
        g30=g30,
        g90=g90,
        spikes=spikes,
        seesaw=seesaw,
        cl_ratio=cl_ratio,
        sponsored=sponsored,
        shares=shares,
        quoted=quoted,
        context=context,
        with_platform=with_platform,
    )
    if timings is not None:
        timings["compute"] = timings.get("compute", 0.0) + time.perf_counter() - read_done
    return scored


# Below this many profiles (a one-by-one retry) the second connection costs more than it saves.
PARALLEL_READS_MIN = 500
READER_THREADS = 2


@functools.cache
def _reader() -> ThreadPoolExecutor:
    """Reader threads of the process: one per chunk a worker scores at once (runs.SCORING_LANES)."""
    return ThreadPoolExecutor(max_workers=READER_THREADS, thread_name_prefix="scoring-reader")


def _posts_on_own_connection(posts_args: dict[str, Any]) -> pd.DataFrame:
    """The chunk's posts frame, read on the reader thread's own connection (closed after each chunk)."""
    try:
        return selectors.posts_frame(**posts_args)
    finally:
        connections.close_all()


def _quartiles(
    catalogue: dict[str, dict[str, list[float]]], local: pd.DataFrame, platform: str, tier: str
) -> list[float]:
    found = catalogue.get(platform, {}).get(tier)
    if found:
        return list(found)
    if (platform, tier) in local.index:
        return [float(v) for v in local.loc[(platform, tier)]]
    return [math.nan, math.nan, math.nan]


def _fake_shares(samples: pd.DataFrame) -> dict[int, Any]:
    if samples.empty:
        return {}
    return {int(pid): fake_share(group) for pid, group in samples.groupby("profile_id")}


def _num(value: Any) -> float | None:
    """float, or None for NaN/None/NaT."""
    if value is None:
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(out) or math.isinf(out) else out


def _money(value: float | Decimal | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


# Below this many units of the last place, a float product is far enough from any half-unit for
# ``floor(x + 0.5)`` to round it as the decimal arithmetic does (see ``_round_half_up``).
FLOAT_ROUNDING_MAX_UNITS = 1e9
FLOAT_ROUNDING_TIE_MARGIN = 1e-6


def _round_half_up(
    values: np.ndarray, places: int, *, exact: Callable[[int], Decimal] | None = None
) -> np.ndarray:
    """``Decimal(str(v)).quantize(10**-places, ROUND_HALF_UP)`` of each value, as the nearest float.

    Rounded in float (``floor(|v| * 10**places + 0.5)``, sign kept: half away from zero, as
    ROUND_HALF_UP) where that cannot differ from the decimal rounding: the scaled value is under 10^9
    units, where its float error (with that of ``str(v)``, the shortest repr) is below 2e-7 units, and
    more than 1e-6 units from a half unit. The rest (near a tie, huge or not finite) goes through
    ``Decimal``: ``exact(k)`` (the value at position ``k`` as the caller's decimal arithmetic computes
    it), else ``Decimal(str(v))``. ``units / 10**places`` is the float nearest to the decimal, the
    float of that ``Decimal``. NaN stays NaN.
    """
    scale = 10.0**places
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = values * scale
        magnitude = np.abs(scaled)
        units = np.floor(magnitude + 0.5)
        sure = (magnitude < FLOAT_ROUNDING_MAX_UNITS) & (
            np.abs(magnitude - np.floor(magnitude) - 0.5) > FLOAT_ROUNDING_TIE_MARGIN
        )
    out = np.copysign(units, scaled) / scale
    places_exp = Decimal(1).scaleb(-places)
    for k in np.flatnonzero(~sure & ~np.isnan(values)).tolist():
        decimal = exact(k) if exact is not None else Decimal(str(float(values[k])))
        out[k] = float(decimal.quantize(places_exp, rounding=ROUND_HALF_UP))
    return out


def _cpe_decimal(price: np.ndarray, engaged: np.ndarray, where: np.ndarray, k: int) -> Decimal:
    """The k-th CPE of ``where`` as the decimal quotient: the price in cents over str(engagements)."""
    i = int(np.flatnonzero(where)[k])
    return Decimal(f"{price[i]:.2f}") / Decimal(str(float(engaged[i])))


SCORE_COLUMNS = [f.attname for f in ProfileScore._meta.concrete_fields]
DATE_COLUMNS = frozenset(
    f.attname for f in ProfileScore._meta.concrete_fields if f.get_internal_type() == "DateField"
)
FLOAT_COLUMNS = frozenset(
    f.attname for f in ProfileScore._meta.concrete_fields if f.get_internal_type() == "FloatField"
)
# Decimal places of the money columns (the chunk frame holds them as floats).
MONEY_PLACES = {
    f.attname: f.decimal_places
    for f in ProfileScore._meta.concrete_fields
    if f.get_internal_type() == "DecimalField"
}


def _floats(values: Any, index: pd.Index | None = None) -> np.ndarray:
    """float64 array (a copy) with NaN for unknown, infinite or non-numeric values."""
    if isinstance(values, pd.Series) and index is not None:
        values = values.reindex(index)
    out = np.array(pd.to_numeric(pd.Series(values), errors="coerce"), dtype="float64")
    out[~np.isfinite(out)] = np.nan
    return out


def _part(part: pd.DataFrame, name: str, index: pd.Index) -> np.ndarray:
    """A metric frame's column aligned to the chunk (NaN where the profile has no row)."""
    if part is None or name not in part:
        return np.full(len(index), np.nan)
    return _floats(part[name], index)


def _days(values: Any, index: pd.Index) -> pd.Series:
    """Timestamps (aware or naive) or dates -> naive datetime64 day (NaT unknown), aligned to ``index``."""
    series = values.reindex(index) if isinstance(values, pd.Series) else pd.Series(values, index=index)
    if series.isna().all():
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    stamps = pd.to_datetime(series, utc=True)
    return stamps.dt.tz_localize(None).dt.normalize()


def _nullable_ints(values: np.ndarray) -> pd.arrays.IntegerArray:
    mask = np.isnan(values)
    return pd.arrays.IntegerArray(np.where(mask, 0, values).astype("int64"), mask)


def _score_frame(
    *,
    frame: pd.DataFrame,
    g30: pd.DataFrame,
    g90: pd.DataFrame,
    spikes: pd.DataFrame,
    seesaw: pd.DataFrame,
    cl_ratio: pd.Series,
    sponsored: pd.DataFrame,
    shares: dict[int, Any],
    quoted: dict[int, list],
    context: ScoringContext,
    with_platform: bool = False,
) -> pd.DataFrame:
    """Every ProfileScore field of the chunk as columns, from the metric frames (array operations)."""
    cfg = context.settings
    index = frame.index
    n = len(index)
    platform = frame["platform"].astype(str).to_numpy()
    tier = frame["tier"].astype(str).to_numpy()
    followers = _floats(frame["followers"])
    er = _floats(frame["er"])
    method = frame["er_method"].astype(str).to_numpy()
    provenance = np.asarray(frame["er_provenance"], dtype=object)
    measured = provenance == Provenance.MEASURED
    by_views = method == "views"

    def col(name: str) -> np.ndarray:
        return _part(frame, name, index)

    views_posts, followers_posts = (
        np.nan_to_num(col("er_views_posts")),
        np.nan_to_num(col("er_followers_posts")),
    )
    posts_used = np.where(measured, np.where(by_views, views_posts, followers_posts), 0).astype("int64")
    er_median = np.where(
        measured, np.where(by_views, col("er_views_median"), col("er_followers_median")), np.nan
    )
    stats_day = _days(frame["stats_as_of"], index)
    views_day = _days(frame.get("er_views_as_of", pd.Series(pd.NaT, index=index)), index)
    followers_day = _days(frame.get("er_followers_as_of", pd.Series(pd.NaT, index=index)), index)
    as_of = views_day.where(by_views, followers_day).where(measured, stats_day)
    median_views = col("median_views")
    reach_views = np.where(np.isnan(median_views), col("avg_views"), median_views)
    tier_median = col("tier_median")

    # Expected engagements and reach per post (DOMAIN.md, "Price per post and value").
    engagements = np.where(by_views, reach_views * er / 100, followers * er / 100)
    views_first = np.isin(platform, list(metrics.VIEWS_FIRST_PLATFORMS))
    reach = np.where(views_first, reach_views, followers * cfg.instagram_reach_rate)

    signals, quality, confidence = _signals(
        index=index,
        er=er,
        tier_median=tier_median,
        following=col("following"),
        spikes=spikes,
        seesaw=seesaw,
        cl_ratio=cl_ratio,
        shares=shares,
        cfg=cfg,
    )
    prices = _prices(
        index=index,
        platform=platform,
        tier=tier,
        followers=followers,
        er=er,
        tier_median=tier_median,
        engagements=engagements,
        quoted=quoted,
        context=context,
    )
    out = pd.DataFrame(
        {
            "profile_id": index.to_numpy(dtype="int64"),
            "tier": tier,
            "followers": _nullable_ints(np.trunc(followers)),
            "er": er,
            "er_median": er_median,
            "er_method": method,
            "er_provenance": provenance,
            "er_posts_used": posts_used,
            "er_followers": np.where(measured, col("er_followers"), col("imp_er_followers")),
            "er_followers_median": np.where(measured, col("er_followers_median"), np.nan),
            "er_views": np.where(measured, col("er_views"), col("imp_er_views")),
            "er_views_median": np.where(measured, col("er_views_median"), np.nan),
            "median_views": median_views,
            "er_as_of": as_of.to_numpy(),
            "tier_relative_er": col("tier_relative_er"),
            "er_rating": frame["er_rating"].fillna("").astype(str).to_numpy(),
            "growth_30d_abs": _nullable_ints(np.round(_part(g30, "abs", index))),
            "growth_30d_pct": _part(g30, "pct", index),
            "growth_90d_abs": _nullable_ints(np.round(_part(g90, "abs", index))),
            "growth_90d_pct": _part(g90, "pct", index),
            "growth_as_of": _days(g30.get("as_of"), index).to_numpy(),
            "growth_monthly_pct": _part(g90, "monthly", index),
            "quality": _nullable_ints(quality),
            "quality_confidence": confidence,
            "signals": signals,
            "sponsored_share": _part(sponsored, "sponsored_share", index),
            "sponsored_er": _part(sponsored, "sponsored_er", index),
            "organic_er": _part(sponsored, "organic_er", index),
            **prices,
            "expected_engagements": _floats(engagements),
            "expected_reach": _floats(reach),
            "as_of": as_of.to_numpy(),
            "computed_at": [context.now] * n,
        },
        index=range(n),
    )
    if with_platform:
        out["platform"] = platform
        return out[[*SCORE_COLUMNS, "platform"]]
    return out[SCORE_COLUMNS]


def _card_for(context: ScoringContext, platform: str, tier: str, deliverable: str) -> RateCard | None:
    cfg = context.settings
    for currency in (cfg.preferred_currency, "USD"):
        card = context.rate_cards.get((platform, tier, deliverable, currency))
        if card:
            return card
    return next(
        (c for k, c in sorted(context.rate_cards.items()) if k[:3] == (platform, tier, deliverable)), None
    )


def _prices(
    *,
    index: pd.Index,
    platform: np.ndarray,
    tier: np.ndarray,
    followers: np.ndarray,
    er: np.ndarray,
    tier_median: np.ndarray,
    engagements: np.ndarray,
    quoted: dict[int, list],
    context: ScoringContext,
) -> dict[str, Any]:
    """Price columns: the quoted rate when one exists, else the rate-card estimate and its range."""
    cfg = context.settings
    n = len(index)
    deliverables = [HEADLINE_DELIVERABLE.get(p, "post") for p in platform.tolist()]
    # er_factor: clamp(ER / tier median, lo, hi); 1.0 when either is unknown or the median is <= 0.
    known = ~np.isnan(er) & ~np.isnan(tier_median) & (np.nan_to_num(tier_median) > 0)
    ratio = np.divide(er, tier_median, out=np.ones(n), where=known)
    factor = np.where(known, np.minimum(cfg.er_factor_max, np.maximum(cfg.er_factor_min, ratio)), 1.0)
    spread = cfg.price_range_pct / 100
    cards: dict[tuple[str, str, str], Any] = {}
    # Money as floats, each the double nearest to its rounded decimal (see ``_round_half_up``).
    price = np.full(n, np.nan)
    low = np.full(n, np.nan)
    high = np.full(n, np.nan)
    currency = [""] * n
    provenance = [""] * n
    has_quote = [False] * n
    deliverable_out = list(deliverables)
    pids = index.tolist()
    followers_list, factor_list = followers.tolist(), factor.tolist()
    estimated: list[int] = []
    estimates: list[float] = []
    for i, (p, t, d) in enumerate(zip(platform.tolist(), tier.tolist(), deliverables, strict=True)):
        rates = quoted.get(pids[i])
        if rates:
            one = _price(
                platform=p,
                tier=t,
                followers=_num(followers_list[i]),
                er=None,
                tier_median=None,
                quoted=rates,
                context=context,
            )
            for column, key in ((price, "price"), (low, "price_low"), (high, "price_high")):
                column[i] = np.nan if one[key] is None else float(one[key])
            currency[i], provenance[i] = one["currency"], one["price_provenance"]
            has_quote[i], deliverable_out[i] = True, one["price_deliverable"]
            continue
        f = followers_list[i]
        if not t or f != f:
            continue
        key = (p, t, d)
        if key not in cards:
            card = _card_for(context, p, t, d)
            cards[key] = (
                None
                if card is None
                else (
                    float(card.low),
                    float(card.high),
                    card.currency,
                    metrics.tier_bounds(t, context.schemes[p]),
                )
            )
        found = cards[key]
        if found is None:
            continue
        band_low, band_high, cur, (lower, upper) = found
        estimated.append(i)
        estimates.append(metrics.estimate_price(f, band_low, band_high, lower, upper, factor_list[i]))
        currency[i], provenance[i] = cur, Provenance.ESTIMATED.value
    if estimated:
        # The same float products as ``estimate * (1 - spread)`` one by one, then rounded together.
        values = np.array(estimates, dtype="float64")
        price[estimated] = _round_half_up(values, 2)
        low[estimated] = _round_half_up(values * (1 - spread), 2)
        high[estimated] = _round_half_up(values * (1 + spread), 2)
    # Cost per engagement: price / expected engagements (both known, engagements not 0), 4 places.
    cpe = np.full(n, np.nan)
    engaged = np.asarray(engagements, dtype="float64")
    with_cpe = ~np.isnan(price) & ~np.isnan(engaged) & (engaged != 0)
    if with_cpe.any():
        cpe[with_cpe] = _round_half_up(
            price[with_cpe] / engaged[with_cpe], 4, exact=lambda k: _cpe_decimal(price, engaged, with_cpe, k)
        )
    return {
        "price_low": low,
        "price_high": high,
        "price": price,
        "currency": currency,
        "price_provenance": provenance,
        "has_quoted_rate": has_quote,
        "price_deliverable": deliverable_out,
        "cpe": cpe,
    }


def score_rows_as_dicts(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The chunk frame as ProfileScore field dicts (None for unknown, dates as ``date``)."""
    if isinstance(frame, list):
        return frame
    columns = list(frame.columns)
    values = []
    for name in columns:
        series = frame[name]
        if name in DATE_COLUMNS:
            values.append([None if pd.isna(v) else v.date() for v in series])
        elif name in MONEY_PLACES:
            spec = f".{MONEY_PLACES[name]}f"
            amounts = series.astype("float64").tolist()
            values.append([None if v != v else Decimal(format(v, spec)) for v in amounts])
        elif name in FLOAT_COLUMNS:
            values.append([None if v != v else v for v in series.astype("float64").tolist()])
        elif str(series.dtype) == "Int64":
            values.append([None if v is pd.NA else int(v) for v in series.tolist()])
        else:
            values.append(series.tolist())
    rows = [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]
    for row in rows:
        row["signals"] = json.loads(row["signals"])
        if isinstance(row.get("computed_at"), pd.Timestamp):
            row["computed_at"] = row["computed_at"].to_pydatetime()
    return rows


def _price(
    *,
    platform: str,
    tier: str,
    followers: float | None,
    er: float | None,
    tier_median: float | None,
    quoted: list,
    context: ScoringContext,
) -> dict[str, Any]:
    """Quoted rate for the headline deliverable if any, else the rate-card estimate with its range."""
    deliverable = HEADLINE_DELIVERABLE.get(platform, "post")
    empty = {
        "price": None,
        "price_low": None,
        "price_high": None,
        "currency": "",
        "price_provenance": "",
        "has_quoted_rate": bool(quoted),
        "price_deliverable": deliverable,
    }
    chosen = next((q for q in quoted if q.deliverable == deliverable), None) or (
        quoted[0] if quoted else None
    )
    if chosen is not None:
        amount = _money(chosen.amount)
        return {
            **empty,
            "price": amount,
            "price_low": amount,
            "price_high": amount,
            "currency": chosen.currency,
            "price_provenance": Provenance.QUOTED,
            "price_deliverable": chosen.deliverable,
        }
    if not tier or followers is None:
        return empty
    cfg = context.settings
    card = None
    for currency in (cfg.preferred_currency, "USD"):
        card = context.rate_cards.get((platform, tier, deliverable, currency))
        if card:
            break
    if card is None:
        card = next(
            (c for k, c in sorted(context.rate_cards.items()) if k[:3] == (platform, tier, deliverable)), None
        )
    if card is None:
        return empty
    lower, upper = metrics.tier_bounds(tier, context.schemes[platform])
    factor = metrics.er_factor(er, tier_median, cfg.er_factor_min, cfg.er_factor_max)
    estimate = metrics.estimate_price(followers, float(card.low), float(card.high), lower, upper, factor)
    spread = cfg.price_range_pct / 100
    return {
        **empty,
        "price": _money(estimate),
        "price_low": _money(estimate * (1 - spread)),
        "price_high": _money(estimate * (1 + spread)),
        "currency": card.currency,
        "price_provenance": Provenance.ESTIMATED,
    }


def _signals(
    *,
    index: pd.Index,
    er: np.ndarray,
    tier_median: np.ndarray,
    following: np.ndarray,
    spikes: pd.DataFrame,
    seesaw: pd.DataFrame,
    cl_ratio: pd.Series,
    shares: dict[int, Any],
    cfg: ScoringSettings,
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Each audience-quality signal (value, threshold, weight, readable sentence) as one JSON list per
    profile, with the 0-100 quality score and its confidence.

    The numbers are computed as arrays; only the sentences are formatted element by element. Penalties
    and weights are summed in the signals' order, as a per-profile loop would.
    """
    n = len(index)
    spike_has = index.isin(spikes.index)
    spike_gain = _part(spikes, "max_gain", index).tolist()
    spike_base = _part(spikes, "baseline", index).tolist()
    spike_z = _part(spikes, "z", index).tolist()
    spike_flag = spikes["flagged"].reindex(index).fillna(False).astype(bool).tolist() if n else []
    spike_round = spikes["round_jump"].reindex(index).fillna(False).astype(bool).tolist() if n else []
    seesaw_has = index.isin(seesaw.index)
    reversals = np.nan_to_num(_part(seesaw, "reversals", index)).astype("int64").tolist()
    cl = _floats(cl_ratio, index)
    cl_list = cl.tolist()
    ratio_known = ~np.isnan(er) & ~np.isnan(tier_median) & (np.nan_to_num(tier_median) != 0)
    ratio = np.divide(er, tier_median, out=np.full(n, np.nan), where=ratio_known).tolist()
    er_list, median_list, following_list = er.tolist(), tier_median.tolist(), following.tolist()
    pids = index.tolist()

    z_threshold = round(float(cfg.spike_robust_z), 4)
    seesaw_threshold = round(float(cfg.seesaw_min_reversals), 4)
    below_threshold = round(float(cfg.er_below_tier_ratio), 4)
    mass_threshold = round(float(cfg.mass_follow_threshold), 4)
    fake_threshold = round(float(cfg.fake_share_threshold), 4)
    low, high = cfg.comment_like_min, cfg.comment_like_max
    low_threshold, high_threshold = round(float(low), 4), round(float(high), 4)
    w_spike, w_seesaw = float(cfg.spike_weight), float(cfg.seesaw_weight)
    w_below, w_cl = float(cfg.er_below_tier_weight), float(cfg.comment_like_weight)
    w_mass, w_fake = float(cfg.mass_follow_weight), float(cfg.fake_share_weight)
    total_weight = w_spike + w_seesaw + w_below + w_cl + w_mass + w_fake
    round_penalty = cfg.spike_weight * cfg.spike_round_multiplier

    # JSON text is assembled from templates (json.dumps of six dicts per profile was half this
    # function's time); every sentence is ASCII without quotes or backslashes, numbers are written
    # as json writes them. A fake-follower sample (rare) goes through json.dumps.
    z_t, seesaw_t, below_t = _jf(z_threshold), _jf(seesaw_threshold), _jf(below_threshold)
    mass_t, low_t, high_t = _jf(mass_threshold), _jf(low_threshold), _jf(high_threshold)
    w_spike_t, w_seesaw_t, w_below_t = _jf(w_spike), _jf(w_seesaw), _jf(w_below)
    w_cl_t, w_mass_t = _jf(w_cl), _jf(w_mass)
    band = f', "band": {json.dumps([low, high])}}}'
    spike_unknown = _unknown(
        "follower_spike",
        z_threshold,
        w_spike,
        "Not enough follower history (6 snapshots needed) to look for spikes.",
    )
    seesaw_unknown = _unknown(
        "following_seesaw", seesaw_threshold, w_seesaw, "Not enough following history (4 snapshots needed)."
    )
    below_unknown = _unknown(
        "er_below_tier", below_threshold, w_below, "Engagement or the tier median is unknown."
    )
    cl_unknown = _unknown("comment_like_ratio", low_threshold, w_cl, "No posts with visible likes.")
    mass_unknown = _unknown("mass_follow", mass_threshold, w_mass, "Following count unknown.")
    fake_unknown = _unknown("fake_followers", fake_threshold, w_fake, "No follower sample imported.")
    out: list[str] = []
    quality = np.full(n, np.nan)
    confidence = np.zeros(n)
    confidences: dict[float, float] = {}
    for i in range(n):
        penalty = 0.0
        weight = 0.0
        evaluated = False
        if spike_has[i]:
            gain, base, flagged, round_jump = spike_gain[i], spike_base[i], spike_flag[i], spike_round[i]
            if flagged:
                sentence = (
                    f"Gained {gain:,.0f} followers in a day against a usual {base:,.0f}"
                    + (" (a round-number jump)" if round_jump else "")
                    + ". Could be a giveaway or press; could be bought."
                )
                penalty += round_penalty if round_jump else w_spike
            else:
                sentence = f"No follower spike: largest daily gain {gain:,.0f} against a usual {base:,.0f}."
            weight += w_spike
            evaluated = True
            spike = (
                f'{{"code": "follower_spike", "value": {_jf(round(spike_z[i], 4))}, "threshold": {z_t}, '
                f'"flagged": {_JB[flagged]}, "weight": {w_spike_t}, "sentence": "{sentence}", '
                f'"round_jump": {_JB[round_jump]}, "gain": {round(gain)}, "baseline": {_jf(round(base, 1))}}}'
            )
        else:
            spike = spike_unknown
        if seesaw_has[i]:
            count = reversals[i]
            flagged = count >= cfg.seesaw_min_reversals
            if flagged:
                sentence = (
                    f"Following count rose and fell {count} times: a sign of follow/unfollow automation."
                )
                penalty += w_seesaw
            else:
                sentence = f"Following count is steady ({count} reversals)."
            weight += w_seesaw
            evaluated = True
            swing = _known(
                "following_seesaw", round(float(count), 4), seesaw_t, flagged, w_seesaw_t, sentence
            )
        else:
            swing = seesaw_unknown
        if ratio_known[i]:
            value, e, m = ratio[i], er_list[i], median_list[i]
            flagged = value < cfg.er_below_tier_ratio
            if flagged:
                sentence = (
                    f"Engagement {e:.2f}% is under a third of the tier median ({m:.2f}%): "
                    "followers who never engage."
                )
                penalty += w_below
            else:
                sentence = f"Engagement {e:.2f}% is {value:.1f}x the tier median ({m:.2f}%)."
            weight += w_below
            evaluated = True
            below = _known("er_below_tier", round(value, 4), below_t, flagged, w_below_t, sentence)
        else:
            below = below_unknown
        c = cl_list[i]
        if c == c:
            flagged = c < low or c > high
            if c < low:
                sentence = (
                    f"{c * 100:.2f} comments per 100 likes, below the usual {low * 100:.1f}: "
                    "possibly bought likes."
                )
            elif c > high:
                sentence = (
                    f"{c * 100:.1f} comments per 100 likes, above the usual {high * 100:.0f}: "
                    "possibly a comment pod."
                )
            else:
                sentence = f"{c * 100:.1f} comments per 100 likes, within the usual band."
            if flagged:
                penalty += w_cl
            weight += w_cl
            evaluated = True
            threshold_t = high_t if c > high else low_t
            ratio_signal = _known("comment_like_ratio", round(c, 4), threshold_t, flagged, w_cl_t, sentence)
            ratio_signal = ratio_signal[:-1] + band
        else:
            ratio_signal = cl_unknown
        f = following_list[i]
        if f == f:
            flagged = f > cfg.mass_follow_threshold
            if flagged:
                sentence = (
                    f"Follows {f:,.0f} accounts (over {cfg.mass_follow_threshold:,}): mass-follow behaviour."
                )
                penalty += w_mass
            else:
                sentence = f"Follows {f:,.0f} accounts."
            weight += w_mass
            evaluated = True
            mass = _known("mass_follow", round(f, 4), mass_t, flagged, w_mass_t, sentence)
        else:
            mass = mass_unknown
        fake = shares.get(pids[i]) if shares else None
        if fake is not None and fake.sample_size:
            flagged = fake.share > cfg.fake_share_threshold
            if flagged:
                penalty += w_fake
            weight += w_fake
            evaluated = True
            sample = {
                "code": "fake_followers",
                "value": round(float(fake.share), 4),
                "threshold": fake_threshold,
                "flagged": bool(flagged),
                "weight": w_fake,
                "sentence": (
                    f"{fake.share * 100:.0f}% of a {fake.sample_size}-follower sample look fake "
                    f"(95% range {fake.low * 100:.0f}-{fake.high * 100:.0f}%)."
                ),
                "range": [round(fake.low, 4), round(fake.high, 4)],
                "sample_size": fake.sample_size,
            }
            sample = json.dumps(sample)
        else:
            sample = fake_unknown
        out.append(f"[{spike}, {swing}, {below}, {ratio_signal}, {mass}, {sample}]")
        if evaluated:
            quality[i] = max(0, min(100, round(100 - penalty)))
            if weight not in confidences:
                confidences[weight] = round(weight / total_weight, 3)
            confidence[i] = confidences[weight]
    return out, quality, confidence


def _unknown(code: str, threshold: float, weight: float, sentence: str) -> str:
    """A signal that could not be evaluated (no value, not flagged), as JSON text."""
    return json.dumps(
        {
            "code": code,
            "value": None,
            "threshold": threshold,
            "flagged": False,
            "weight": weight,
            "sentence": sentence,
        }
    )


_JB = {True: "true", False: "false"}


def _jf(value: float) -> str:
    """A number as json.dumps writes it (repr; NaN and Infinity spelled as json does)."""
    return repr(value) if math.isfinite(value) else json.dumps(value)


def _known(code: str, value: float, threshold: str, flagged: bool, weight: str, sentence: str) -> str:
    """An evaluated signal as JSON text (threshold and weight already formatted)."""
    return (
        f'{{"code": "{code}", "value": {_jf(value)}, "threshold": {threshold}, "flagged": {_JB[flagged]}, '
        f'"weight": {weight}, "sentence": "{sentence}"}}'
    )
