"""Binary COPY encoding of a chunk frame: what PostgreSQL reads back is what the frame held."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from django.db import connection

from scoring.services.pgcopy import LONG_CELLS, copy_binary, table_column_types
from tests.services import missing_service

pytestmark = pytest.mark.django_db

COLUMNS = {
    "i8": "bigint",
    "i4": "integer",
    "i2": "smallint",
    "f8": "double precision",
    "flag": "boolean",
    "day": "date",
    "stamp": "timestamp with time zone",
    "money": "numeric(12,2)",
    "rate": "numeric(12,4)",
    "label": "character varying(10)",
    "body": "text",
    "doc": "jsonb",
}


@pytest.fixture(autouse=True)
def _postgres() -> None:
    """Binary COPY is PostgreSQL's; without it (SQLite locally) skipped, a failure in CI."""
    if connection.vendor != "postgresql":
        missing_service("binary COPY needs PostgreSQL (set DATABASE_URL)")


def _round_trip(frame: pd.DataFrame) -> list[tuple]:
    with connection.cursor() as cursor:
        columns = ", ".join(f"{name} {sql}" for name, sql in COLUMNS.items())
        cursor.execute(f"CREATE TEMP TABLE copy_probe (k serial, {columns})")
        types = table_column_types("copy_probe")
        names = ", ".join(frame.columns)
        data = copy_binary(frame, types)
        cursor.cursor.copy_expert(f"COPY copy_probe ({names}) FROM STDIN WITH (FORMAT binary)", data)
        cursor.execute(f"SELECT {names} FROM copy_probe ORDER BY k")
        # Django's psycopg2 backend hands jsonb back as text.
        rows = [
            tuple(
                json.loads(v) if name == "doc" and v is not None else v
                for name, v in zip(frame.columns, row, strict=True)
            )
            for row in cursor.fetchall()
        ]
        cursor.execute("DROP TABLE copy_probe")
        table_column_types.cache_clear()
    return rows


def test_binary_copy_reads_back_every_type_with_nulls():
    # given: every column type a score row has, each with a NULL, edge values and non-ASCII text
    stamp = dt.datetime(2026, 11, 23, 3, 40, 5, 123456, tzinfo=dt.UTC)
    signals = [{"code": "x", "sentence": 'Gained 5,000 followers \u2014 "quoted"\\n'}]
    frame = pd.DataFrame(
        {
            "i8": pd.array([2**40 + 7, None, -3], dtype="Int64"),
            "i4": np.array([12, 0, 4_000_000], dtype="int64"),
            "i2": pd.array([100, None, 0], dtype="Int64"),
            "f8": [0.1 + 0.2, np.nan, -1e-300],
            "flag": [True, False, True],
            "day": pd.to_datetime(["2026-11-16", None, "1999-12-31"]),
            "stamp": [stamp, stamp, stamp],
            "money": [Decimal("1234567890.12"), None, Decimal("-0.05")],
            "rate": [Decimal("0.0001"), Decimal("99999999.9999"), None],
            "label": ["micro", "", None],
            "body": ["caf\u00e9\ttab", None, "line\nbreak\\"],
            "doc": [json.dumps(signals), "[]", json.dumps({"a": None})],
        }
    )

    # when
    rows = _round_trip(frame)

    # then
    assert rows == [
        (
            2**40 + 7,
            12,
            100,
            0.1 + 0.2,
            True,
            dt.date(2026, 11, 16),
            stamp,
            Decimal("1234567890.12"),
            Decimal("0.0001"),
            "micro",
            "caf\u00e9\ttab",
            signals,
        ),
        (None, 0, None, None, False, None, stamp, None, Decimal("99999999.9999"), "", None, []),
        (
            -3,
            4_000_000,
            0,
            -1e-300,
            True,
            dt.date(1999, 12, 31),
            stamp,
            Decimal("-0.05"),
            None,
            None,
            "line\nbreak\\",
            {"a": None},
        ),
    ]


def test_binary_copy_of_long_text_cells_and_an_empty_frame():
    # given: text long enough to be copied cell by cell, and a frame with no rows
    long = ["x" * (LONG_CELLS * 3) + str(i) for i in range(50)] + [None]
    frame = pd.DataFrame({"body": long, "i8": np.arange(51, dtype="int64")})

    # when
    rows = _round_trip(frame)
    empty = _round_trip(frame.iloc[:0])

    # then
    assert rows == [(v, i) for i, v in enumerate(long)]
    assert empty == []


def test_binary_copy_writes_float_money_as_its_exact_decimal():
    # given: money as the chunk frame holds it, floats nearest to 2- and 4-place decimals (2.67 and
    # 0.1235 are a little below them as floats, which a truncating conversion would get wrong)
    frame = pd.DataFrame(
        {
            "money": [2.67, -0.05, np.nan, 1234567890.12, 0.1, 0.0],
            "rate": [0.1235, 99999999.9999, 0.0001, np.nan, -2.5, 1e-4 * 3],
        }
    )

    # when
    rows = _round_trip(frame)

    # then
    assert rows == [
        (Decimal("2.67"), Decimal("0.1235")),
        (Decimal("-0.05"), Decimal("99999999.9999")),
        (None, Decimal("0.0001")),
        (Decimal("1234567890.12"), None),
        (Decimal("0.10"), Decimal("-2.5000")),
        (Decimal("0.00"), Decimal("0.0003")),
    ]


def test_binary_copy_refuses_float_money_too_large_for_its_column():
    with pytest.raises(ValueError, match="too large"):
        copy_binary(pd.DataFrame({"money": [1e15]}), {"money": "numeric(12,2)"})


def test_binary_copy_names_a_column_type_it_cannot_encode():
    frame = pd.DataFrame({"point": [1]})

    with pytest.raises(ValueError, match="'point' has type 'point'"):
        copy_binary(frame, {"point": "point"})


def test_binary_copy_out_reads_fixed_width_columns_and_refuses_a_null():
    # given: a query whose columns are all NOT NULL, and one with a NULL
    from scoring.selectors import copy_binary_columns

    sql = "SELECT g::bigint, (g * 0.5)::float8, (mod(g, 2) = 0) FROM generate_series(1, %(n)s) g"
    fields = [("n", ">i8"), ("half", ">f8"), ("even", "u1")]

    # when
    columns = copy_binary_columns(sql, {"n": 3}, fields)

    # then
    assert columns["n"].tolist() == [1, 2, 3]
    assert columns["half"].tolist() == [0.5, 1.0, 1.5]
    assert columns["even"].tolist() == [0, 1, 0]
    with pytest.raises(ValueError, match="NULL"):
        copy_binary_columns("SELECT NULL::bigint, %(h)s::float8, true", {"h": 1.0}, fields)


def test_posts_frame_reads_kinds_hidden_counts_and_microseconds_from_binary_copy():
    # given: a video with hidden likes, a photo with every count, and a kind outside Post.Kind
    from scoring.selectors import posts_frame
    from tests.factories.discovery import PostFactory, ProfileFactory

    profile = ProfileFactory()
    stamp = dt.datetime(2026, 11, 1, 12, 30, 15, 654321, tzinfo=dt.UTC)
    PostFactory(profile=profile, kind="video", likes=None, views=5_000, posted_at=stamp)
    PostFactory(
        profile=profile,
        kind="photo",
        likes=7,
        comments=2,
        shares=1,
        views=None,
        posted_at=stamp - dt.timedelta(days=1),
        is_sponsored=True,
    )
    PostFactory(profile=profile, kind="livestream", likes=3, posted_at=stamp - dt.timedelta(days=2))

    # when
    frame = posts_frame(profile_ids=[profile.pk], window=30, hashtags=[])

    # then: newest first; unknown kind is NaN (not a video), hidden likes NaN, not 0
    assert frame["posted_at"].tolist() == [
        pd.Timestamp(stamp),
        pd.Timestamp(stamp - dt.timedelta(days=1)),
        pd.Timestamp(stamp - dt.timedelta(days=2)),
    ]
    assert frame["kind"].astype(object).where(frame["kind"].notna(), None).tolist() == [
        "video",
        "photo",
        None,
    ]
    assert np.isnan(frame["likes"].iloc[0])
    assert frame["likes"].iloc[1:].tolist() == [7.0, 3.0]
    assert np.isnan(frame["views"].iloc[1])
    assert frame["sponsored"].tolist() == [False, True, False]
