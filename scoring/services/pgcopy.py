"""A chunk frame as PostgreSQL ``COPY ... FROM STDIN WITH (FORMAT binary)`` data, built with numpy.

The text format cost a chunk one Python ``repr`` per float cell and the server one float parse per
cell (about half the time of a 5,000-row chunk's COPY into the run stage; bench/bench_scoring.py).
Binary fields are the values' own bytes: each column becomes a length prefix and a run of bytes per
row, and the rows are interleaved with index arithmetic, so only text and JSON cells (labels, the
signals) are encoded one by one.

Column types are read from the target table (``pg_attribute``): binary COPY needs each field in its
column's exact type, and a type this module does not know is an error, not a guess.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd
from django.db import connection

HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
TRAILER = b"\xff\xff"
# PostgreSQL's binary dates and timestamps count from 2000-01-01.
PG_EPOCH_DAYS = 10_957
PG_EPOCH_MICROS = PG_EPOCH_DAYS * 86_400 * 1_000_000
NUMERIC_NEG = 0x4000
# Average bytes per cell above which a text column is copied cell by cell rather than byte-scattered.
LONG_CELLS = 64


@dataclass
class _Field:
    """One column's bytes: per row a length (-1 = NULL) and where its bytes start in ``data``."""

    lengths: np.ndarray  # int64, -1 for NULL
    data: np.ndarray  # uint8
    starts: np.ndarray  # int64 offsets into data
    # Long text (a profile's signals, ~1 KB): the encoded cells, copied row by row (a byte-wise index
    # scatter of 5 MB per chunk cost more than the 5,000 slice copies).
    cells: list[bytes | None] | None = None


@functools.cache
def table_column_types(table: str) -> dict[str, str]:
    """{column: SQL type as format_type spells it} of a table (schema changes need a new process)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
            [table],
        )
        return dict(cursor.fetchall())


def copy_binary(frame: pd.DataFrame, types: dict[str, str]) -> io.BytesIO:
    """The frame's rows as a binary COPY stream, each column encoded as ``types[column]``."""
    n = len(frame)
    fields = [_encode(frame[name], types[name], name) for name in frame.columns]
    row_lengths = np.full(n, 2, dtype="int64")
    for field in fields:
        row_lengths += 4 + np.maximum(field.lengths, 0)
    offsets = np.zeros(n, dtype="int64")
    if n:
        offsets[1:] = np.cumsum(row_lengths)[:-1]
    body = int(row_lengths.sum())
    out = np.empty(len(HEADER) + body + len(TRAILER), dtype=np.uint8)
    out[: len(HEADER)] = np.frombuffer(HEADER, dtype=np.uint8)
    out[len(HEADER) + body :] = np.frombuffer(TRAILER, dtype=np.uint8)
    offsets += len(HEADER)
    _scatter_fixed(out, offsets, np.full(n, len(fields), dtype=">i2"))
    position = offsets + 2
    for field in fields:
        _scatter_fixed(out, position, field.lengths.astype(">i4"))
        position += 4
        sizes = np.maximum(field.lengths, 0)
        total = int(sizes.sum())
        if field.cells is not None:
            view = memoryview(out)
            for at, cell in zip(position.tolist(), field.cells, strict=True):
                if cell:
                    view[at : at + len(cell)] = cell
        elif total:
            first = np.zeros(n, dtype="int64")
            first[1:] = np.cumsum(sizes)[:-1]
            within = np.arange(total, dtype="int64") - np.repeat(first, sizes)
            out[np.repeat(position, sizes) + within] = field.data[np.repeat(field.starts, sizes) + within]
        position += sizes
    return io.BytesIO(out.tobytes())


def _scatter_fixed(out: np.ndarray, at: np.ndarray, values: np.ndarray) -> None:
    """Write one fixed-width big-endian value per row at the row's offset."""
    width = values.dtype.itemsize
    if len(values):
        out[at[:, None] + np.arange(width)] = values.view(np.uint8).reshape(len(values), width)


def _fixed(values: np.ndarray, null: np.ndarray) -> _Field:
    """Fixed-width big-endian values (already converted) with a NULL mask."""
    width = values.dtype.itemsize
    n = len(values)
    return _Field(
        lengths=np.where(null, -1, width).astype("int64"),
        data=np.ascontiguousarray(values).view(np.uint8).reshape(-1),
        starts=np.arange(n, dtype="int64") * width,
    )


def _text(series: pd.Series, *, prefix: bytes) -> _Field:
    """Text cells (None = NULL), each distinct value encoded once (labels repeat; signals do not)."""
    codes, uniques = pd.factorize(series.to_numpy(dtype=object), use_na_sentinel=True)
    encoded = [prefix + str(v).encode() for v in uniques]
    unique_lengths = np.fromiter((len(v) for v in encoded), dtype="int64", count=len(encoded))
    null = codes < 0
    lengths = np.where(null, -1, unique_lengths[np.where(null, 0, codes)] if len(encoded) else 0)
    if int(np.maximum(lengths, 0).sum()) > LONG_CELLS * len(series):
        cells = [None if c < 0 else encoded[c] for c in codes.tolist()]
        return _Field(
            lengths=lengths, data=np.empty(0, np.uint8), starts=np.zeros(len(series), "int64"), cells=cells
        )
    unique_starts = np.zeros(len(encoded), dtype="int64")
    if len(encoded):
        unique_starts[1:] = np.cumsum(unique_lengths)[:-1]
    data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    return _Field(
        lengths=lengths,
        data=data,
        starts=np.where(null, 0, unique_starts[np.where(null, 0, codes)] if len(encoded) else 0),
    )


def _encode(series: pd.Series, sql_type: str, name: str) -> _Field:
    if sql_type in ("bigint", "integer", "smallint"):
        kind = {"bigint": ">i8", "integer": ">i4", "smallint": ">i2"}[sql_type]
        null = series.isna().to_numpy()
        if series.dtype.kind in "iub":  # numpy integers or pandas' nullable Int64 (exact, no float trip)
            values = series.to_numpy(dtype="int64", na_value=0)
        else:
            floats = pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
            null = null | np.isnan(floats)
            values = np.nan_to_num(floats).astype("int64")
        return _fixed(values.astype(kind), null)
    if sql_type == "double precision":
        floats = pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        return _fixed(floats.astype(">f8"), np.isnan(floats))
    if sql_type == "boolean":
        flags = series.to_numpy()
        null = pd.isna(flags) if flags.dtype == object else np.zeros(len(flags), dtype=bool)
        return _fixed(np.where(null, False, flags).astype(bool).astype("u1"), null)
    if sql_type == "date":
        days = pd.to_datetime(series).to_numpy(dtype="datetime64[D]")
        null = np.isnat(days)
        return _fixed((days.view("int64") - PG_EPOCH_DAYS).astype(">i4"), null)
    if sql_type == "timestamp with time zone":
        stamps = pd.to_datetime(series, utc=True)
        null = stamps.isna().to_numpy()
        naive = stamps.dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
        micros = naive.view("int64") - PG_EPOCH_MICROS
        return _fixed(np.where(null, 0, micros).astype(">i8"), null)
    if sql_type.startswith("numeric("):
        return _numeric(series, scale=int(sql_type.rstrip(")").split(",")[1]))
    if sql_type in ("text", "jsonb") or sql_type.startswith("character varying"):
        return _text(series, prefix=b"\x01" if sql_type == "jsonb" else b"")  # jsonb: version 1, then text
    raise ValueError(f"binary COPY: column {name!r} has type {sql_type!r}, which this encoder does not know")


def _numeric(series: pd.Series, *, scale: int) -> _Field:
    """numeric(p, scale) from Decimals/floats (None = NULL): four base-10,000 digits from 10^8 down to 10^-4.

    PostgreSQL strips the zero digits and rounds to the column's scale on input, as for text.
    A float64 column (NaN = NULL; the chunk frame's money) is taken as already rounded to ``scale``
    places, each value the float nearest to its decimal: its units are ``round(v * 10**scale)``, in
    numpy (no ``Decimal`` per cell); exact below 2^53 / 10 units (numeric(12, 4) holds up to 10^12).
    """
    if series.dtype == np.float64:
        floats = series.to_numpy()
        null = np.isnan(floats)
        scaled = np.abs(np.where(null, 0.0, floats)) * 10.0**scale
        if len(scaled) and scaled.max() >= min(2.0**53 / 10, 10.0 ** (12 + scale)):
            raise ValueError("binary COPY: a numeric value is too large for four base-10,000 digits")
        magnitude = np.rint(scaled).astype("int64") * 10 ** (4 - scale)
        negative = np.signbit(floats) & ~null & (magnitude > 0)
    else:
        values = series.tolist()
        null = np.array([v is None or (isinstance(v, float) and v != v) for v in values], dtype=bool)
        units = [0 if missing else int(Decimal(v).scaleb(4)) for v, missing in zip(values, null, strict=True)]
        big = np.array([abs(u) for u in units], dtype=object)
        if len(units) and max(big) >= 10**16:
            raise ValueError("binary COPY: a numeric value is too large for four base-10,000 digits")
        magnitude = big.astype("int64")
        negative = np.array([u < 0 for u in units], dtype=bool)
    n = len(magnitude)
    record = np.zeros((n, 8), dtype=">i2")
    record[:, 0] = 4  # ndigits
    record[:, 1] = 2  # weight of the first digit (10,000^2)
    record[:, 2] = np.where(negative, NUMERIC_NEG, 0)
    record[:, 3] = scale
    for k in range(4):
        record[:, 4 + k] = (magnitude // 10_000 ** (3 - k)) % 10_000
    return _fixed(np.ascontiguousarray(record).view("V16").reshape(n), null)
