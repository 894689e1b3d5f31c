"""Reads for scoring: chunk frames (one query each), catalogue quartiles, runs, settings."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from django.apps import apps
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, RowNumber
from django.utils import timezone

from core.db import copy_expert
from discovery.models import FollowerSnapshot, Post, Profile
from scoring import metrics
from scoring.models import DirtyProfile, ProfileScore, QuotedRate, ScoringRun

PROFILE_COLUMNS = [
    "id",
    "platform",
    "followers",
    "following",
    "avg_likes",
    "avg_comments",
    "avg_views",
    "avg_shares",
    "avg_engagements",
    "imported_er",
    "stats_as_of",
]
POST_COLUMNS = ["profile_id", "posted_at", "kind", "likes", "comments", "shares", "views", "sponsored"]


def id_array(ids: Iterable[int]) -> str:
    """Ids as one PostgreSQL array literal (``'{1,2,3}'``) for a ``%s::bigint[]`` parameter.

    psycopg2 adapts a Python list element by element: ~8-13 ms per statement for a chunk's 5,000 ids
    (measured, ``DELETE ... = ANY(%s::bigint[])`` 10.5-17 ms with the list against 3.6 ms with the
    literal), and a chunk sends its ids in five statements. ``int()`` keeps anything but integers out.
    """
    return "{" + ",".join(map(str, map(int, ids))) + "}"


def ids_param(ids: Sequence[int]) -> Sequence[int] | RawSQL:
    """A chunk's ids for ``__in``: one array parameter on PostgreSQL instead of 2,000 placeholders.

    Compiling ``IN (%s, ... x2000)`` costs ~80 ms per query in Django (measured); ``unnest`` of one
    array is planned the same way (a hash semi-join or index scans).
    """
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [id_array(ids)])
    return ids


def copy_frame(sql: str, params: dict, columns: Sequence[str], dtypes: dict[str, str]) -> pd.DataFrame:
    """PostgreSQL: run ``sql`` as ``COPY (...) TO STDOUT`` and parse it with pandas' C reader.

    No per-row Python objects (psycopg2 builds a datetime per timestamp cell; ~5x slower on a chunk's
    40,000 posts). Dates and timestamps travel as integers (days, microseconds since the epoch).
    """
    buffer = io.StringIO()
    with connection.cursor() as cursor:
        query = cursor.mogrify(sql, params).decode()
        copy_expert(cursor, f"COPY ({query}) TO STDOUT WITH (FORMAT csv)", buffer)
    buffer.seek(0)
    if not buffer.getvalue():
        return pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, "object")) for c in columns})
    return pd.read_csv(buffer, names=list(columns), header=None, dtype=dtypes)


def _epoch_days(values: pd.Series) -> pd.Series:
    """Days since 1970-01-01 (float, NaN = unknown) -> datetime64[ns] (NaT)."""
    return pd.to_datetime(values, unit="D")


def profiles_frame(*, profile_ids: Sequence[int]) -> pd.DataFrame:
    """The chunk's profiles, one row each (profile_id as a column); stats_as_of is datetime64."""
    if connection.vendor == "postgresql":
        columns = [c for c in PROFILE_COLUMNS if c != "stats_as_of"]
        sql = (
            f"SELECT {', '.join(columns)}, stats_as_of - DATE '1970-01-01' "
            f"FROM {Profile._meta.db_table} WHERE id = ANY(%(ids)s::bigint[])"
        )
        floats = {c: "float64" for c in columns if c not in ("id", "platform")}
        frame = copy_frame(
            sql, {"ids": id_array(profile_ids)}, PROFILE_COLUMNS, {"id": "int64", "platform": "str", **floats}
        )
    else:
        rows = Profile.objects.filter(id__in=ids_param(profile_ids)).order_by().values_list(*PROFILE_COLUMNS)
        frame = pd.DataFrame.from_records(list(rows), columns=PROFILE_COLUMNS)
        for column in PROFILE_COLUMNS[2:-1]:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    if connection.vendor == "postgresql":
        frame["stats_as_of"] = _epoch_days(frame["stats_as_of"])
    else:
        frame["stats_as_of"] = pd.to_datetime(frame["stats_as_of"])
    return frame.rename(columns={"id": "profile_id"})


def _sponsored_expression(hashtags: Sequence[str]) -> Case:
    """SQL boolean: marked sponsored, or a disclosure hashtag in the hashtag list or the caption."""
    condition = Q(is_sponsored=True)
    tags = [t.lower().lstrip("#") for t in hashtags if t.strip()]
    if tags:
        alternatives = "|".join(metrics.regex_escape(t) for t in tags)
        # Portable regexes (PostgreSQL ARE and Python re): no \b, explicit non-word class instead.
        condition |= Q(_hashtags_text__iregex=rf'"#?(?:{alternatives})"')
        condition |= Q(caption__iregex=rf"#(?:{alternatives})(?:[^a-z0-9_]|$)")
    return Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())


def posts_frame(*, profile_ids: Sequence[int], window: int, hashtags: Sequence[str]) -> pd.DataFrame:
    """The chunk's recent posts in one query.

    Keeps the latest ``window`` posts per (profile, likes hidden?, video?) partition, which contains
    every window the metrics use (latest 12 with visible likes, latest 30 videos, latest 12 overall).
    ``sponsored`` is computed in the database: marked sponsored, or a disclosure tag in the hashtag
    list (stored lower-case without #), or, for posts without a hashtag list, in the caption.
    On PostgreSQL the window is applied here (a sort by integer keys in numpy) rather than by a
    window function, which costs the database more than the whole fetch (bench/bench_scoring.py),
    and the rows come by profile, newest first. The rows travel by binary COPY (``copy_binary_columns``):
    ``posted_at`` as PostgreSQL's own microseconds, exact (``EXTRACT(EPOCH …)`` returns numeric, whose
    arithmetic made it a third of the CSV query's time).
    """
    if connection.vendor == "postgresql":
        return _posts_frame_postgres(profile_ids=profile_ids, window=window, hashtags=hashtags)
    rows = _posts_rows_orm(profile_ids=profile_ids, window=window, hashtags=hashtags)
    frame = pd.DataFrame.from_records(rows, columns=POST_COLUMNS)
    for column in ("likes", "comments", "shares", "views"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    frame["posted_at"] = pd.to_datetime(frame["posted_at"], utc=True)
    frame["sponsored"] = frame["sponsored"].astype(bool)
    return frame


def copy_binary_columns(sql: str, params: dict, fields: Sequence[tuple[str, str]]) -> dict[str, np.ndarray]:
    """PostgreSQL: ``COPY (sql) TO STDOUT`` in binary, read as numpy columns without parsing text.

    ``fields`` names each selected column and its binary type (``">i8"``, ``">f8"``, ``">i4"``,
    ``">i2"``, ``"u1"`` for boolean, ``">i8"`` for timestamptz: microseconds since 2000-01-01).
    Every field must be NOT NULL (coalesce in the query: NaN for floats), so each row has the
    same width and the rows are one numpy structured array; a NULL is an error, not a misread.
    """
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        query = cursor.mogrify(sql, params).decode()
        copy_expert(cursor, f"COPY ({query}) TO STDOUT WITH (FORMAT binary)", buffer)
    raw = buffer.getbuffer()
    header = 19 + int.from_bytes(raw[15:19], "big")  # signature, flags, header extension
    layout = [("count", ">i2")]
    for name, kind in fields:
        layout += [(f"{name}__length", ">i4"), (name, kind)]
    dtype = np.dtype(layout)
    body = raw[header : len(raw) - 2]  # without the trailer
    if raw[:11] != BINARY_COPY_SIGNATURE or len(body) % dtype.itemsize:
        raise ValueError(f"binary COPY of {len(fields)} fixed-width columns: unexpected data (a NULL?)")
    rows = np.frombuffer(body, dtype=dtype)
    widths_ok = (rows["count"] == len(fields)).all() and all(
        (rows[f"{name}__length"] == np.dtype(kind).itemsize).all() for name, kind in fields
    )
    if not widths_ok:
        raise ValueError("binary COPY: a column was NULL or of another width than declared")
    return {name: rows[name].astype(np.dtype(kind).newbyteorder("=")) for name, kind in fields}


BINARY_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
# PostgreSQL's binary timestamps count microseconds from 2000-01-01.
PG_EPOCH_MICROS = 946_684_800 * 1_000_000
PG_EPOCH_DAYS = 10_957
POST_KINDS = [kind.value for kind in Post.Kind]


def _posts_frame_postgres(
    *, profile_ids: Sequence[int], window: int, hashtags: Sequence[str]
) -> pd.DataFrame:
    # Binary COPY with fixed-width columns: kind as its position among Post.Kind (0 = another
    # value: unknown, not a video), hidden counts as NaN. Against CSV: no text written by the
    # server for 100,000 rows, no CSV parsed in Python, posted_at exact in microseconds.
    tags = sorted({t.lower().lstrip("#") for t in hashtags if t.strip()})
    sql = f"""
        SELECT profile_id, posted_at, coalesce(array_position(%(kinds)s::text[], kind::text), 0)::int2,
               coalesce(likes::float8, 'NaN'), coalesce(comments::float8, 'NaN'),
               coalesce(shares::float8, 'NaN'), coalesce(views::float8, 'NaN'),
               coalesce(is_sponsored OR hashtags ?| %(tags)s::text[]
                OR (hashtags = '[]'::jsonb AND %(has_tags)s AND caption ~* %(caption_re)s), false)
        FROM {Post._meta.db_table}
        WHERE profile_id = ANY(%(ids)s::bigint[])
    """
    params = {
        "kinds": POST_KINDS,
        "tags": tags,
        "has_tags": bool(tags),
        "caption_re": rf"#(?:{'|'.join(metrics.regex_escape(t) for t in tags) or 'x^'})(?:[^a-z0-9_]|$)",
        "ids": id_array(profile_ids),
    }
    fields = [
        ("profile_id", ">i8"),
        ("posted_at", ">i8"),
        ("kind", ">i2"),
        ("likes", ">f8"),
        ("comments", ">f8"),
        ("shares", ">f8"),
        ("views", ">f8"),
        ("sponsored", "u1"),
    ]
    columns = copy_binary_columns(sql, params, fields)
    micros = columns["posted_at"] + PG_EPOCH_MICROS
    pid = columns["profile_id"]
    kind = pd.Categorical.from_codes(columns["kind"].astype("int64") - 1, categories=POST_KINDS)
    n = len(pid)
    # Latest ``window`` per (profile, hidden likes, video): rank within partition, newest first.
    # Skipped when no profile has more than ``window`` posts (every partition is kept whole).
    kept = np.arange(n)
    if n and np.bincount(pid - pid.min()).max() > window:
        video = np.asarray(pd.Series(kind).isin(metrics.VIDEO_KINDS))
        part = np.isnan(columns["likes"]).astype("int64") * 2 + video.astype("int64")
        order = np.lexsort((-micros, part, pid))
        keys = np.stack([pid[order], part[order]])
        starts = np.ones(n, dtype=bool)
        starts[1:] = (keys[:, 1:] != keys[:, :-1]).any(axis=0)
        group_start = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
        rank = np.arange(n) - group_start
        kept = np.sort(order[rank < window])
    # Rows by profile, newest first (ties in arrival order): the order every windowed metric takes
    # (metrics._latest_per_profile), sorted once here instead of in each of them.
    kept = kept[np.lexsort((-micros[kept], pid[kept]))]
    return pd.DataFrame(
        {
            "profile_id": pid[kept],
            "posted_at": pd.to_datetime(micros[kept], unit="us", utc=True),
            "kind": kind.take(kept),
            "likes": columns["likes"][kept],
            "comments": columns["comments"][kept],
            "shares": columns["shares"][kept],
            "views": columns["views"][kept],
            "sponsored": columns["sponsored"][kept].astype(bool),
        }
    )


def _posts_rows_orm(*, profile_ids: Sequence[int], window: int, hashtags: Sequence[str]) -> list[tuple]:
    is_video = ExpressionWrapper(Q(kind__in=sorted(metrics.VIDEO_KINDS)), output_field=BooleanField())
    hidden = ExpressionWrapper(Q(likes__isnull=True), output_field=BooleanField())
    qs = (
        Post.objects.filter(profile_id__in=profile_ids)
        .order_by()
        .annotate(
            _hashtags_text=Cast("hashtags", TextField()),
            rn=Window(
                RowNumber(), partition_by=[F("profile_id"), hidden, is_video], order_by=F("posted_at").desc()
            ),
        )
        .annotate(sponsored=_sponsored_expression(hashtags))
        .filter(rn__lte=window)
        .values_list(*POST_COLUMNS)
    )
    return list(qs)


SNAPSHOT_COLUMNS = ["profile_id", "captured_on", "followers", "following"]


def snapshots_frame(*, profile_ids: Sequence[int]) -> pd.DataFrame:
    """The chunk's follower snapshots in one query (on PostgreSQL by profile, then day)."""
    if connection.vendor == "postgresql":
        # Binary COPY, fixed-width columns (see posts_frame): following unknown as NaN.
        sql = (
            "SELECT profile_id, captured_on, followers::float8, coalesce(following::float8, 'NaN') "
            f"FROM {FollowerSnapshot._meta.db_table} WHERE profile_id = ANY(%(ids)s::bigint[])"
        )
        fields = [("profile_id", ">i8"), ("captured_on", ">i4"), ("followers", ">f8"), ("following", ">f8")]
        columns = copy_binary_columns(sql, {"ids": id_array(profile_ids)}, fields)
        days = columns["captured_on"].astype("int64") + PG_EPOCH_DAYS
        # By profile, then day: the order the snapshot metrics take (metrics._by_profile_day),
        # sorted once here instead of in each of them.
        order = np.lexsort((days, columns["profile_id"]))
        return pd.DataFrame(
            {
                "profile_id": columns["profile_id"][order],
                "captured_on": _epoch_days(pd.Series(days[order])),
                "followers": columns["followers"][order],
                "following": columns["following"][order],
            }
        )
    rows = (
        FollowerSnapshot.objects.filter(profile_id__in=ids_param(profile_ids))
        .order_by()
        .values_list(*SNAPSHOT_COLUMNS)
    )
    frame = pd.DataFrame.from_records(list(rows), columns=SNAPSHOT_COLUMNS)
    frame["captured_on"] = pd.to_datetime(frame["captured_on"])
    frame["followers"] = pd.to_numeric(frame["followers"]).astype("float64")
    frame["following"] = pd.to_numeric(frame["following"], errors="coerce").astype("float64")
    return frame


def quoted_rates_for(*, profile_ids: Sequence[int]) -> dict[int, list[QuotedRate]]:
    """Quoted rates of the chunk's profiles, by profile id."""
    out: dict[int, list[QuotedRate]] = {}
    for rate in QuotedRate.objects.filter(profile_id__in=ids_param(profile_ids)):
        out.setdefault(rate.profile_id, []).append(rate)
    return out


def quoted_rates_exist() -> bool:
    """Any quoted rate at all (a chunk skips its per-profile query when there is none)."""
    return QuotedRate.objects.exists()


def follower_samples_exist() -> bool:
    """Any imported follower sample at all (a chunk skips its per-profile query when there is none)."""
    try:
        model = apps.get_model("discovery", "FollowerSample")
    except LookupError:
        return False
    return model.objects.exists()


def follower_samples_frame(*, profile_ids: Sequence[int]) -> pd.DataFrame:
    """Imported follower samples of the chunk (empty until discovery.FollowerSample exists)."""
    from scoring.fake_followers import REQUIRED_COLUMNS

    columns = ["profile_id", *REQUIRED_COLUMNS]
    try:
        model = apps.get_model("discovery", "FollowerSample")
    except LookupError:
        return pd.DataFrame(columns=columns)
    names = {f.name for f in model._meta.get_fields()}
    mapping = {c: c if c in names else c.removeprefix("follower_") for c in REQUIRED_COLUMNS}
    fields = ["profile_id", *[mapping[c] for c in REQUIRED_COLUMNS]]
    rows = model.objects.filter(profile_id__in=ids_param(profile_ids)).values_list(*fields)
    return pd.DataFrame.from_records(list(rows), columns=columns)


def er_quartiles_by_tier(*, staged_run_id: int | None = None) -> dict[str, dict[str, list[float]]]:
    """ER quartiles per platform and tier over the whole catalogue, in one aggregate query.

    Returns {"instagram": {"micro": [q1, median, q3], ...}, ...}. With ``staged_run_id`` (PostgreSQL),
    the catalogue as it will be once that full run publishes: its staged rows replace their profiles'
    current scores.
    """
    out: dict[str, dict[str, list[float]]] = {}
    if connection.vendor == "postgresql":
        scores, profiles = ProfileScore._meta.db_table, Profile._meta.db_table
        source = f"""
            SELECT p.platform, s.tier, s.er FROM {scores} s JOIN {profiles} p ON p.id = s.profile_id
            WHERE s.er IS NOT NULL AND s.tier <> ''
        """
        params: list[int] = []
        if staged_run_id is not None:
            from scoring.services.runs import RUN_STAGE

            source = f"""
                SELECT st.platform, st.tier, st.er FROM {RUN_STAGE} st
                WHERE st.run_id = %s AND st.er IS NOT NULL AND st.tier <> ''
                UNION ALL
                SELECT p.platform, s.tier, s.er FROM {scores} s JOIN {profiles} p ON p.id = s.profile_id
                WHERE s.er IS NOT NULL AND s.tier <> '' AND NOT EXISTS (
                    SELECT 1 FROM {RUN_STAGE} x WHERE x.run_id = %s AND x.profile_id = s.profile_id)
            """
            params = [staged_run_id, staged_run_id]
        sql = f"""
            SELECT platform, tier, percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY er)
            FROM ({source}) c GROUP BY platform, tier
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for platform, tier, quartiles in cursor.fetchall():
                out.setdefault(platform, {})[tier] = [float(q) for q in quartiles]
        return out
    # SQLite has no percentile_cont: the same numbers from pandas (linear interpolation, as above).
    rows = ProfileScore.objects.filter(er__isnull=False).exclude(tier="")
    frame = pd.DataFrame.from_records(
        list(rows.values_list("profile__platform", "tier", "er")), columns=["platform", "tier", "er"]
    )
    for (platform, tier), row in metrics.er_quartiles(frame).iterrows():
        out.setdefault(str(platform), {})[str(tier)] = [float(row["q1"]), float(row["q2"]), float(row["q3"])]
    return out


def scoring_run_queryset() -> QuerySet[ScoringRun]:
    """Scoring runs, newest first."""
    return ScoringRun.objects.order_by("-created_at", "-pk")


def scoring_run_list() -> QuerySet[ScoringRun]:
    """The 50 most recent scoring runs."""
    return scoring_run_queryset()[:50]


def dirty_profile_count() -> int:
    """Profiles waiting to be scored."""
    return DirtyProfile.objects.count()


def active_run_exists(*, within_s: int = 300) -> bool:
    """A scoring run is going and reported progress in the last ``within_s`` seconds."""
    cutoff = timezone.now() - dt.timedelta(seconds=within_s)
    return ScoringRun.objects.filter(status=ScoringRun.Status.RUNNING, updated_at__gte=cutoff).exists()
