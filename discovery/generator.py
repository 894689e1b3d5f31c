"""Synthetic creator catalogue in the import format (profiles, snapshots, posts CSVs).

Pure generation, no Django. Every random number is a counter-based hash of (seed, stream, row index),
so a profile's rows do not depend on the chunk it was generated in: any chunk size writes the same
bytes, and memory stays flat at one chunk however many profiles are asked for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.dtypes import StringDType

PROFILE_COLUMNS = [
    "platform",
    "handle",
    "name",
    "bio",
    "country",
    "language",
    "niches",
    "followers",
    "following",
    "posts_count",
    "avg_likes",
    "avg_comments",
    "avg_views",
    "avg_shares",
    "verified",
    "email",
    "url",
    "snapshot_date",
    "audience_countries",
    "audience_female_pct",
    "audience_age_main",
]
SNAPSHOT_COLUMNS = ["platform", "handle", "date", "followers", "following", "posts_count"]
POST_COLUMNS = [
    "platform",
    "handle",
    "post_id",
    "posted_at",
    "kind",
    "likes",
    "comments",
    "shares",
    "saves",
    "views",
    "is_sponsored",
    "caption",
    "hashtags",
]
FILES = {"profiles": PROFILE_COLUMNS, "snapshots": SNAPSHOT_COLUMNS, "posts": POST_COLUMNS}

# Measured peak RSS (/usr/bin/time): ~580 MB with 20k-profile chunks, ~195 MB with 5k, and 5k was
# no slower (the per-chunk numpy work stays vectorised over ~100k post cells); the budget is 500 MB.
DEFAULT_CHUNK_SIZE = 5_000
# Fixed so that a seed alone determines the output; demo_setup passes today's date instead.
DEFAULT_AS_OF = dt.date(2026, 11, 16)

MIN_SNAPSHOTS, MAX_SNAPSHOTS = 13, 26
MIN_POSTS, MAX_POSTS = 12, 30
# Row-index strides for per-profile 2-D draws (snapshots and posts); >= the maxima above.
_STRIDE = 32

PLATFORMS = np.array(["instagram", "tiktok", "youtube"])
PLATFORM_P = np.array([0.55, 0.30, 0.15])
NICHES = np.array(
    [
        "Beauty",
        "Fashion",
        "Fitness",
        "Food",
        "Travel",
        "Gaming",
        "Tech",
        "Parenting",
        "Home & Garden",
        "Pets",
        "Music",
        "Sports with a ball",
        "Outdoors",
        "Finance",
        "Education",
        "Comedy",
        "Art & Design",
        "Wellness",
        "Automotive",
        "Photography",
        "Books",
        "DIY",
    ]
)
NICHE_P = np.linspace(2.0, 0.6, len(NICHES))
NICHE_P /= NICHE_P.sum()
NICHE_TAGS = np.array([n.lower().replace(" & ", "").replace(" ", "") for n in NICHES])
# Share of female audience typical for each niche (percent), before noise.
NICHE_FEMALE = np.array(
    [85, 75, 55, 60, 58, 25, 30, 80, 65, 62, 50, 22, 45, 35, 55, 45, 60, 75, 15, 45, 70, 50], dtype=float
)
COUNTRIES = np.array(
    ["GB", "US", "DE", "FR", "ES", "IT", "NL", "SE", "PL", "BR", "MX", "IN", "CA", "AU", "IE"]
)
COUNTRY_P = np.array([22, 20, 8, 7, 6, 5, 3, 2, 3, 7, 4, 6, 3, 3, 1], dtype=float)
COUNTRY_P /= COUNTRY_P.sum()
LANGUAGE = np.array(
    ["en", "en", "de", "fr", "es", "it", "nl", "sv", "pl", "pt", "es", "en", "en", "en", "en"]
)
CITIES = np.array(
    [
        "London",
        "New York",
        "Berlin",
        "Paris",
        "Madrid",
        "Milan",
        "Amsterdam",
        "Stockholm",
        "Warsaw",
        "São Paulo",
        "Mexico City",
        "Mumbai",
        "Toronto",
        "Sydney",
        "Dublin",
    ]
)
AGES = np.array(["13-17", "18-24", "25-34", "35-44", "45-54"])
AGE_P = np.array([0.05, 0.38, 0.37, 0.14, 0.06])
FIRST_NAMES = np.array(
    [
        "amy",
        "ben",
        "chloe",
        "dan",
        "ella",
        "finn",
        "grace",
        "harry",
        "isla",
        "jack",
        "kate",
        "leo",
        "maya",
        "noah",
        "olivia",
        "paul",
        "quinn",
        "ruby",
        "sam",
        "tara",
        "uma",
        "victor",
        "willow",
        "xavier",
        "yara",
        "zoe",
        "aisha",
        "bruno",
        "carla",
        "diego",
        "emma",
        "felix",
        "gina",
        "hugo",
        "ines",
        "jonas",
        "lena",
        "marco",
        "nina",
        "omar",
        "priya",
        "rafael",
        "sofia",
        "tomas",
    ]
)
LAST_NAMES = np.array(
    [
        "smith",
        "jones",
        "brown",
        "taylor",
        "wilson",
        "evans",
        "thomas",
        "roberts",
        "walker",
        "wright",
        "khan",
        "patel",
        "garcia",
        "martin",
        "muller",
        "schmidt",
        "rossi",
        "bianchi",
        "dubois",
        "moreau",
        "novak",
        "kowalski",
        "silva",
        "santos",
        "jensen",
        "larsen",
        "murphy",
        "kelly",
        "lopez",
        "fernandez",
    ]
)
BIO_OPENERS = np.array(
    ["Sharing my love of", "All about", "Your daily dose of", "Honest takes on", "Obsessed with", "Talking"]
)
CAPTIONS = np.array(
    [
        "New week and new goals",
        "Can't get enough of this",
        "Trying something different today",
        "Throwback to last weekend",
        "Which one would you pick?",
        "Behind the scenes",
        "Quick tip that changed everything",
        "Sunday mood",
        "Finally sharing this",
        "My honest review",
        "Get ready with me",
        "Favourites this month",
    ]
)
# numpy's variable-width strings: formatting and concatenation run in C, per column, not per row.
_STR = StringDType()
# Captions and hashtags by (caption, niche, sponsored): built once, picked by index per post.
_CAPTION_TABLE = np.array(
    [f"{c} #{t}{' #ad' if ad else ''}" for c in CAPTIONS for t in NICHE_TAGS for ad in (0, 1)], dtype=_STR
)
_HASHTAG_TABLE = np.array([f"{t}{';ad' if ad else ''}" for t in NICHE_TAGS for ad in (0, 1)], dtype=_STR)
TIER_EDGES = (1_000, 100_000, 1_000_000)
ROUND_JUMPS = np.array([1_000, 5_000, 10_000, 50_000])

# Median ER by followers (percent) against log10(followers): DOMAIN.md's Instagram benchmarks
# (Markerly <1K ~8 %, HypeAuditor 1K-5K 4.26 %, 5K-20K 2.28 %, 20K-100K 1.62 %, 100K+ ~1.55 %).
_ER_X = np.array([2.0, 3.0, 3.5, 4.0, 4.6, 5.5, 7.0])
_ER_Y = np.array([7.5, 4.6, 3.8, 2.4, 1.7, 1.55, 1.5])


@dataclass(frozen=True)
class GenerationStats:
    """What a generation run wrote."""

    profiles: int
    snapshots: int
    posts: int
    chunks: int


# ---------------------------------------------------------------------------------------------
# Counter-based randomness: uniform(seed, stream, index) is a pure function of its arguments.
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser over a uint64 array (wrapping arithmetic)."""
    x = x + _GOLDEN
    x = (x ^ (x >> np.uint64(30))) * _M1
    x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))


class _Rand:
    """Uniform, normal and choice draws keyed by (seed, stream, row index)."""

    def __init__(self, seed: int) -> None:
        self.key = _mix(np.array([seed & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64))[0]

    def uniform(self, stream: int, idx: np.ndarray) -> np.ndarray:
        """Uniform [0, 1) per index."""
        with np.errstate(over="ignore"):
            base = _mix(np.array([self.key ^ np.uint64(stream * 0x632BE59BD9B4E019 & 0xFFFFFFFFFFFFFFFF)]))[0]
            z = _mix(idx.astype(np.uint64) ^ base)
        return (z >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)

    def normal(self, stream: int, idx: np.ndarray) -> np.ndarray:
        """Standard normal per index (Box-Muller over two streams)."""
        u1 = np.maximum(self.uniform(stream, idx), 1e-300)
        u2 = self.uniform(stream + 10_000, idx)
        return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)

    def choice(self, stream: int, idx: np.ndarray, p: np.ndarray) -> np.ndarray:
        """Index into a categorical distribution with probabilities ``p``."""
        return np.searchsorted(np.cumsum(p), self.uniform(stream, idx), side="right").clip(0, len(p) - 1)

    def integers(self, stream: int, idx: np.ndarray, low: int, high: int) -> np.ndarray:
        """Integers in [low, high] inclusive."""
        return low + np.floor(self.uniform(stream, idx) * (high - low + 1)).astype(np.int64)


# ---------------------------------------------------------------------------------------------
def tier_of(followers: np.ndarray) -> np.ndarray:
    """Default tier name per follower count (a boundary belongs to the upper tier)."""
    return np.array(["nano", "micro", "macro", "mega"])[np.searchsorted(TIER_EDGES, followers, side="right")]


def median_er_for(followers: np.ndarray) -> np.ndarray:
    """Benchmark median ER by followers (percent) for these follower counts."""
    return np.interp(np.log10(np.maximum(followers, 1)), _ER_X, _ER_Y)


def _s(values: np.ndarray | list[str]) -> np.ndarray:
    """Any array as numpy variable-width strings (vectorised formatting in C)."""
    return np.asarray(values).astype(_STR)


def _join(parts: list[np.ndarray], sep: str) -> np.ndarray:
    """Join string arrays element-wise with ``sep``, dropping empty parts."""
    out = _s(parts[0])
    for part in parts[1:]:
        part = _s(part)
        glued = np.strings.add(np.strings.add(out, sep), part)
        out = np.where(part == "", out, np.where(out == "", part, glued))
    return out


def _float_or_blank(values: np.ndarray, decimals: int) -> np.ndarray:
    """Rounded decimal strings, empty for NaN (so CSV cells stay short)."""
    return np.where(np.isnan(values), "", _s(np.round(np.nan_to_num(values), decimals))).astype(_STR)


def _int_or_blank(values: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Integer strings where ``present``, empty cells elsewhere."""
    return np.where(present, _s(np.nan_to_num(values).astype(np.int64)), "").astype(_STR)


def _bool(values: np.ndarray) -> np.ndarray:
    """Booleans as true/false cells."""
    return np.where(values, "true", "false").astype(_STR)


def _csv_lines(columns: dict[str, np.ndarray]) -> str:
    """CSV body (no header) from equal-length columns; cells never contain commas, quotes or newlines."""
    cells = [_s(col) for col in columns.values()]
    line = cells[0]
    for cell in cells[1:]:
        line = np.strings.add(np.strings.add(line, ","), cell)
    if len(line) == 0:
        return ""
    return "\n".join(line.tolist()) + "\n"


def generate_chunk(*, seed: int, start: int, stop: int, as_of: dt.date) -> dict[str, dict[str, np.ndarray]]:
    """Profiles ``start``..``stop-1`` of the catalogue for ``seed``, with their snapshots and posts."""
    r = _Rand(seed)
    i = np.arange(start, stop, dtype=np.int64)
    n = len(i)

    # --- accounts ---------------------------------------------------------------------------
    platform_idx = r.choice(1, i, PLATFORM_P)
    platform = PLATFORMS[platform_idx]
    # Pareto tail from 300 followers (alpha 0.5): ~30 % nano, ~64 % micro, ~5 % macro, ~2 % mega.
    followers = np.floor(300.0 * (1.0 - r.uniform(2, i)) ** (-1.0 / 0.5))
    followers = np.minimum(followers, 400_000_000).astype(np.int64)
    country_idx = r.choice(3, i, COUNTRY_P)
    country = COUNTRIES[country_idx]
    language = LANGUAGE[country_idx]
    first = FIRST_NAMES[r.integers(4, i, 0, len(FIRST_NAMES) - 1)]
    last = LAST_NAMES[r.integers(5, i, 0, len(LAST_NAMES) - 1)]
    name = np.strings.add(
        np.strings.add(np.strings.capitalize(_s(first)), " "), np.strings.capitalize(_s(last))
    )
    sep = np.array([".", "_", ""])[r.integers(6, i, 0, 2)]
    handle = _join([first, sep, last, i], "")

    n_niches = r.choice(7, i, np.array([0.5, 0.35, 0.15])) + 1
    niche_a = r.choice(8, i, NICHE_P)
    niche_b = (niche_a + r.integers(9, i, 1, len(NICHES) - 1)) % len(NICHES)
    niche_c = (niche_b + r.integers(10, i, 1, len(NICHES) - 2)) % len(NICHES)
    niche_c = np.where(niche_c == niche_a, (niche_c + 1) % len(NICHES), niche_c)
    niches = _join(
        [
            NICHES[niche_a],
            np.where(n_niches >= 2, NICHES[niche_b], ""),
            np.where(n_niches >= 3, NICHES[niche_c], ""),
        ],
        ";",
    )
    opener = BIO_OPENERS[r.integers(11, i, 0, len(BIO_OPENERS) - 1)]
    bio = _join(
        [
            opener,
            " ",
            np.strings.lower(NICHES[niche_a]),
            np.where(n_niches >= 2, np.strings.add(" & ", np.strings.lower(NICHES[niche_b])), ""),
            " | ",
            CITIES[country_idx],
        ],
        "",
    )
    log_f = np.log10(np.maximum(followers, 1))
    verified = r.uniform(12, i) < 1.0 / (1.0 + np.exp(-(log_f - 5.8) * 2.5))
    has_email = r.uniform(13, i) < 0.45
    email = np.where(has_email, np.strings.add(np.strings.replace(handle, ".", ""), "@mail.example.com"), "")
    url_prefix = np.array(
        ["https://www.instagram.com/", "https://www.tiktok.com/@", "https://www.youtube.com/@"]
    )
    url = _join([url_prefix[platform_idx], handle, np.where(platform_idx == 0, "/", "")], "")

    # Per-account behaviour flags.
    fraud = r.uniform(14, i) < 0.03  # bought followers: ER far below the tier
    hides_likes = r.uniform(15, i) < 0.06
    mass_follow = r.uniform(16, i) < 0.05
    seesaw = r.uniform(17, i) < 0.02
    spiky = (r.uniform(18, i) < 0.05) & (followers >= 5_000)
    quality = np.exp(0.35 * r.normal(19, i)) * np.where(fraud, 0.2, 1.0)
    er_follow = median_er_for(followers) * quality  # percent, by followers
    # Video platforms: views per video as a share of followers; small accounts go viral beyond them.
    view_rate = np.exp(np.where(platform_idx == 1, -0.9, -1.6) + 0.6 * r.normal(20, i)) * np.where(
        followers < 20_000, 1.8, 1.0
    )
    er_views = (
        np.where(platform_idx == 1, 11.0, 4.5) * np.exp(0.3 * r.normal(21, i)) * np.where(fraud, 0.3, 1)
    )
    following = np.where(
        mass_follow,
        r.integers(22, i, 1_600, 7_500),
        np.floor(np.exp(5.8 + 0.8 * r.normal(23, i))).clip(5, 1_400),
    ).astype(np.int64)
    posts_per_week = np.exp(0.6 + 0.5 * r.normal(24, i))
    posts_total = (followers**0.25 * 8 * np.exp(0.4 * r.normal(25, i))).astype(np.int64) + 30

    # --- snapshots (weekly, latest = as_of) ---------------------------------------------------
    n_snap = r.integers(26, i, MIN_SNAPSHOTS, MAX_SNAPSHOTS)
    k = np.arange(MAX_SNAPSHOTS)  # weeks back from as_of
    sidx = i[:, None] * _STRIDE + k[None, :]
    weekly_growth = np.interp(log_f, [2, 4, 6, 8], [0.012, 0.006, 0.003, 0.001]) * np.exp(
        0.5 * r.normal(27, i)
    )
    noise = 1.0 + 0.002 * r.normal(28, sidx)
    snap_f = followers[:, None] / (1.0 + weekly_growth[:, None]) ** k[None, :] * noise
    snap_f[:, 0] = followers
    # Planted spikes: one round jump (1K/5K/10K/50K, at most 30 % of the account) in one day.
    jump_idx = np.searchsorted(ROUND_JUMPS, followers * 0.3, side="right") - 1
    jump = np.where(spiky & (jump_idx >= 0), ROUND_JUMPS[np.maximum(jump_idx, 0)], 0)
    spike_week = r.integers(29, i, 1, MIN_SNAPSHOTS - 2)
    snap_f = snap_f - np.where(k[None, :] >= spike_week[:, None], jump[:, None], 0)
    snap_f = np.maximum(np.round(snap_f), 0).astype(np.int64)
    # Following drifts slowly (under ~1 % a week, so it never looks like a seesaw) ...
    drift = np.where(k[None, :] > 0, 1.0 + 0.002 + 0.003 * r.normal(30, sidx), 1.0)
    snap_following = np.round(following[:, None] / np.cumprod(drift, axis=1)).astype(np.int64)
    # ... except on seesaw accounts, which follow and unfollow hundreds every other week.
    swing = np.where(k % 2 == 0, 0, r.integers(31, sidx, 800, 2_500))
    snap_following = np.maximum(np.where(seesaw[:, None], snap_following + swing, snap_following), 0)
    snap_posts = np.maximum(posts_total[:, None] - np.round(posts_per_week[:, None] * k[None, :]), 0).astype(
        np.int64
    )
    snap_dates = np.broadcast_to(np.datetime64(as_of, "D") - 7 * k, (n, MAX_SNAPSHOTS))
    # A spiky account also has a snapshot the day before its jump, so the gain shows as one day's.
    rows_n = np.arange(n)
    after = spike_week - 1
    snap_f = np.column_stack([snap_f, np.maximum(snap_f[rows_n, after] - jump, 0)])
    snap_following = np.column_stack([snap_following, snap_following[rows_n, after]])
    snap_posts = np.column_stack([snap_posts, snap_posts[rows_n, after]])
    snap_dates = np.column_stack([snap_dates, snap_dates[rows_n, after] - 1])
    snap_mask = np.column_stack([k[None, :] < n_snap[:, None], jump > 0])
    rows = np.nonzero(snap_mask)
    account = _join([platform, handle], ",")  # "platform,handle": the key both child files start with
    snapshots = {
        "platform,handle": account[rows[0]],
        "date": np.datetime_as_string(snap_dates[rows], unit="D"),
        "followers": snap_f[rows],
        "following": snap_following[rows],
        "posts_count": snap_posts[rows],
    }

    # --- posts ---------------------------------------------------------------------------------
    n_post = r.integers(32, i, MIN_POSTS, MAX_POSTS)
    j = np.arange(MAX_POSTS)
    pidx = i[:, None] * _STRIDE + j[None, :]
    gap_hours = -np.log(np.maximum(r.uniform(33, pidx), 1e-12)) * (168.0 / posts_per_week[:, None])
    age_hours = 6 + np.cumsum(gap_hours, axis=1)
    posted_at = np.datetime64(as_of, "s") - (age_hours * 3600).astype("timedelta64[s]")
    u_kind = r.uniform(34, pidx)
    kind = np.select(
        [
            platform_idx[:, None] == 1,
            (platform_idx[:, None] == 2) & (u_kind < 0.7),
            platform_idx[:, None] == 2,
            u_kind < 0.45,
            u_kind < 0.65,
            u_kind < 0.95,
        ],
        ["video", "video", "short", "photo", "carousel", "reel"],
        default="story",
    )
    is_video = np.isin(kind, ["video", "reel", "short"])
    virality = np.exp(0.7 * r.normal(35, pidx))
    views = np.where(is_video, np.round(followers[:, None] * view_rate[:, None] * virality), np.nan)
    sponsored = r.uniform(36, pidx) < np.interp(log_f, [2, 4, 6], [0.02, 0.08, 0.15])[:, None]
    post_er = np.where(
        (platform_idx[:, None] == 0) | ~is_video,
        er_follow[:, None] * np.exp(0.35 * r.normal(37, pidx)) * np.where(sponsored, 0.8, 1.0),
        er_views[:, None] * np.exp(0.35 * r.normal(37, pidx)),
    )
    base = np.where(
        (platform_idx[:, None] == 0) | ~is_video,
        followers[:, None] * np.where(is_video, np.sqrt(virality), 1.0),
        np.nan_to_num(views),
    )
    interactions = base * post_er / 100.0
    comment_share = np.exp(np.log(0.03) + 0.5 * r.normal(38, i))[:, None]
    comments = np.round(interactions * comment_share).astype(np.int64)
    likes = np.maximum(np.round(interactions).astype(np.int64) - comments, 0)
    shares = np.where(is_video, np.round(likes * 0.08 * np.exp(0.5 * r.normal(39, pidx))), np.nan)
    saves = np.where(
        platform_idx[:, None] == 0, np.round(likes * 0.05 * np.exp(0.5 * r.normal(40, pidx))), np.nan
    )
    hidden = hides_likes[:, None] & (r.uniform(41, pidx) < 0.6)
    post_mask = j[None, :] < n_post[:, None]
    rows = np.nonzero(post_mask)
    prow = rows[0]
    is_spon = sponsored[rows]
    tag_spon = niche_a[prow] * 2 + is_spon
    caption = _CAPTION_TABLE[r.integers(42, pidx[rows], 0, len(CAPTIONS) - 1) * len(NICHES) * 2 + tag_spon]
    post_views = views[rows]
    posts = {
        "platform,handle": account[prow],
        "post_id": pidx[rows],
        "posted_at": np.strings.add(_s(np.datetime_as_string(posted_at[rows], unit="s")), "Z"),
        "kind": kind[rows],
        "likes": _int_or_blank(likes[rows], ~hidden[rows]),
        "comments": comments[rows],
        "shares": _int_or_blank(shares[rows], ~np.isnan(shares[rows])),
        "saves": _int_or_blank(saves[rows], ~np.isnan(saves[rows])),
        "views": _int_or_blank(post_views, ~np.isnan(post_views)),
        "is_sponsored": _bool(is_spon),
        "caption": caption,
        "hashtags": _HASHTAG_TABLE[tag_spon],
    }

    # --- imported aggregates and audience --------------------------------------------------------
    visible = post_mask & ~hidden
    n_vis = visible.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        avg_likes = np.where(n_vis > 0, (likes * visible).sum(axis=1) / n_vis, np.nan)
        avg_comments = (comments * post_mask).sum(axis=1) / n_post
        n_vid = (is_video & post_mask).sum(axis=1)
        avg_views = np.where(n_vid > 0, np.nansum(np.where(post_mask, views, np.nan), axis=1) / n_vid, np.nan)
        avg_shares = np.where(
            n_vid > 0, np.nansum(np.where(post_mask, shares, np.nan), axis=1) / n_vid, np.nan
        )
    main_share = np.round(35 + 45 * r.uniform(43, i))
    second_idx = (country_idx + r.integers(44, i, 1, len(COUNTRIES) - 1)) % len(COUNTRIES)
    second_share = np.round((100 - main_share) * (0.3 + 0.4 * r.uniform(45, i)))
    audience_countries = _join(
        [
            country,
            ":",
            main_share.astype(np.int64),
            ";",
            COUNTRIES[second_idx],
            ":",
            second_share.astype(np.int64),
        ],
        "",
    )
    female = np.clip(NICHE_FEMALE[niche_a] + 8 * r.normal(46, i), 2, 98)
    profiles = {
        "platform": platform,
        "handle": handle,
        "name": name,
        "bio": bio,
        "country": country,
        "language": language,
        "niches": niches,
        "followers": followers,
        "following": following,
        "posts_count": posts_total,
        "avg_likes": _float_or_blank(avg_likes, 1),
        "avg_comments": _float_or_blank(avg_comments, 1),
        "avg_views": _float_or_blank(avg_views, 1),
        "avg_shares": _float_or_blank(avg_shares, 1),
        "verified": _bool(verified),
        "email": email,
        "url": url,
        "snapshot_date": np.full(n, as_of.isoformat()),
        "audience_countries": audience_countries,
        "audience_female_pct": _float_or_blank(female, 1),
        "audience_age_main": AGES[r.choice(47, i, AGE_P)],
    }
    return {"profiles": profiles, "snapshots": snapshots, "posts": posts}


def generate_catalog(
    *,
    profiles: int,
    seed: int,
    out_dir: Path,
    as_of: dt.date = DEFAULT_AS_OF,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    on_chunk: Callable[[int, int, GenerationStats], None] | None = None,
) -> GenerationStats:
    """Write profiles.csv, snapshots.csv and posts.csv for ``profiles`` accounts into ``out_dir``.

    Chunks are appended and freed one by one; ``on_chunk(done, total, stats_so_far)`` reports progress.
    """
    if profiles < 1:
        raise ValueError(f"profiles must be at least 1, not {profiles}")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, not {chunk_size}")
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {name: out_dir / f"{name}.csv" for name in FILES}
    counts = dict.fromkeys(FILES, 0)
    chunks = 0
    for name, path in paths.items():
        path.write_text(",".join(FILES[name]) + "\n", encoding="utf-8")
    for start, stop in _chunk_bounds(profiles, chunk_size):
        frames = generate_chunk(seed=seed, start=start, stop=stop, as_of=as_of)
        for name, columns in frames.items():
            with paths[name].open("a", encoding="utf-8", newline="") as fh:
                fh.write(_csv_lines(columns))
            counts[name] += len(next(iter(columns.values())))
        del frames
        chunks += 1
        if on_chunk is not None:
            on_chunk(
                stop,
                profiles,
                GenerationStats(counts["profiles"], counts["snapshots"], counts["posts"], chunks),
            )
    return GenerationStats(counts["profiles"], counts["snapshots"], counts["posts"], chunks)


def _chunk_bounds(total: int, size: int) -> Iterator[tuple[int, int]]:
    """(start, stop) pairs covering range(total) in steps of ``size``."""
    for start in range(0, total, size):
        yield start, min(start + size, total)
