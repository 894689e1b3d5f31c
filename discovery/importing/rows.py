"""Turn one chunk (a DataFrame of raw cells) into typed records, vectorised where the column allows.

Numbers and timestamps take a pandas fast path (``to_numeric``/``to_datetime``); only the cells that
fast path cannot read (``3.3k``, ``#VALOR!``, ``1,234``) go through the per-cell parsers in ``values``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email

from discovery.importing import values as v
from discovery.importing.headers import FIELDS, ColumnMapping

# Fields whose unreadable values are warnings (the row imports with the field left empty).
SOFT_FIELDS = frozenset({"country", "audience_main_country", "language"})
MAX_LENGTHS = {
    "name": 255,
    "url": 500,
    "email": 254,
    "language": 8,
    "audience_age_main": 16,
    "post_id": 128,
    "follower_username": 150,
}
_validate_url = URLValidator()
# Fields that hold an empty collection, not None, when the file gives nothing.
_EMPTY_FIELDS: dict[str, Callable[[], Any]] = {
    "audience_countries": dict,
    "hashtags": list,
    "mentions": list,
    "niches": list,
}


@dataclass
class CellProblem:
    """One problem in one cell: ``row`` is the 1-based data row, ``column`` the file's header."""

    row: int
    column: str
    value: str
    reason: str
    severity: str = "error"

    def as_dict(self) -> dict[str, Any]:
        """The summary's error entry."""
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "reason": self.reason,
            "severity": self.severity,
        }


class _RawCells(dict[int, list[Any]]):
    """Row number -> the row's cells as read, taken from the chunk's frame only when asked for.

    Most rows are never shown (they are neither rejected nor in an error), and turning a whole chunk
    into lists up front was a tenth of a snapshot import's CPU time (py-spy, 20k profiles).
    """

    def __init__(self, frame: pd.DataFrame | None = None) -> None:
        super().__init__()
        self._frame = frame

    def __missing__(self, row: int) -> list[Any]:
        if self._frame is None or row not in self._frame.index:
            raise KeyError(row)
        cells = self._frame.loc[row].tolist()
        self[row] = cells
        return cells

    def get(self, row: int, default: Any = None) -> Any:  # type: ignore[override]
        try:
            return self[row]
        except KeyError:
            return default


class ParsedRows:
    """A chunk's records (row number -> canonical values) and its problems.

    ``parse_frame`` keeps the chunk by column (``names``, ``columns``, ``rows``); the per-row
    ``records`` dicts are built on first use, so a set-based writer that reads the columns never pays
    for them.
    """

    def __init__(
        self,
        *,
        records: dict[int, dict[str, Any]] | None = None,
        raw: dict[int, list[Any]] | None = None,
        problems: list[CellProblem] | None = None,
        rejected: dict[int, str] | None = None,
    ) -> None:
        self._records = records
        self.raw: dict[int, list[Any]] = raw if raw is not None else _RawCells()
        self.problems: list[CellProblem] = problems if problems is not None else []
        self.rejected: dict[int, str] = rejected if rejected is not None else {}
        self.rows: list[int] = list(records) if records is not None else []
        self.names: list[str] = []
        self.columns: list[list[Any]] = []
        # What a writer's ``prepare`` made of the chunk for its set-based write (in the reading thread).
        self.staged: Any = None

    @property
    def records(self) -> dict[int, dict[str, Any]]:
        """Row number -> {field: value}, built from the columns on first use."""
        if self._records is None:
            if self.names:
                self._records = {
                    row: dict(zip(self.names, values, strict=True))
                    for row, values in zip(self.rows, zip(*self.columns, strict=True), strict=True)
                }
            else:
                self._records = {row: {} for row in self.rows}
        return self._records

    @records.setter
    def records(self, value: dict[int, dict[str, Any]]) -> None:
        self._records = value

    @property
    def pristine(self) -> bool:
        """True when the columns are still the whole truth: no problem, no rejection, records untouched."""
        return self._records is None and not self.problems and not self.rejected

    def column(self, name: str) -> list[Any] | None:
        """One field's values in row order (None if the file has no column for it)."""
        try:
            return self.columns[self.names.index(name)]
        except ValueError:
            return None

    def restart(self) -> None:
        """Forget problems, rejections and records (a writer's attempt was rolled back)."""
        self.problems.clear()
        self.rejected.clear()
        self._records = None

    def reject(self, row: int, column: str, value: Any, reason: str) -> None:
        """Reject a row (first reason wins for the row; every problem is listed)."""
        self.problems.append(CellProblem(row, column, _show(value), reason))
        self.rejected.setdefault(row, f"{column}: {reason}")
        self.records.pop(row, None)


def _show(value: Any) -> str:
    """A cell as text for an error entry (shortened)."""
    text = "" if value is None else str(value)
    return text if len(text) <= 200 else text[:197] + "..."


def _text(raw: Any) -> str:
    return v.parse_text(raw)


def _email(raw: Any) -> str:
    text = v.parse_text(raw)
    if text and not v.is_missing(text):
        try:
            validate_email(text)
        except ValidationError as exc:
            raise v.ValueProblem("is not an email address") from exc
        return text
    return ""


def _url(raw: Any) -> str:
    text = v.parse_text(raw)
    if text and not v.is_missing(text):
        try:
            _validate_url(text)
        except ValidationError as exc:
            raise v.ValueProblem("is not a URL (start with https://)") from exc
        return text
    return ""


def _age(raw: Any) -> str:
    return "" if v.is_missing(raw) else v.clean(raw)


def _post_id(raw: Any) -> str | None:
    text = v.clean(raw)
    if text.lower() in v.MISSING_MARKERS:
        return None
    # Spreadsheets turn numeric ids into 1234.0.
    return text[:-2] if text.endswith(".0") and text[:-2].isdigit() else text


def _parse_post_ids(series: pd.Series) -> list[Any]:
    """``_post_id`` of each cell. Ids of letters, digits, '_', ':' and '-' that are not a missing marker
    (all of a usual file) need no cleaning (no space, quote or ".0") and are kept as they are."""
    out: list[Any] = series.tolist()
    if pd.api.types.infer_dtype(series, skipna=False) == "string":
        plain = series.str.fullmatch(r"[A-Za-z0-9_:-]{1,200}") & ~series.str.lower().isin(v.MISSING_MARKERS)
        slow = np.flatnonzero(~plain.to_numpy(dtype=bool)).tolist()
    else:
        slow = range(len(out))
    for i in slow:
        out[i] = _post_id(out[i])
    return out


CELL_PARSERS: dict[str, Callable[[Any], Any]] = {
    "platform": v.parse_platform,
    "handle": v.parse_handle,
    "text": _text,
    "country": v.parse_country,
    "niches": v.split_list,
    "count": v.parse_count,
    "amount": v.parse_amount,
    "rate": v.parse_rate,
    "percent": v.parse_percent,
    "bool": v.parse_bool,
    "email": _email,
    "url": _url,
    "date": v.parse_date,
    "datetime": v.parse_datetime,
    "audience": v.parse_audience_countries,
    "age": _age,
    "hashtags": v.parse_hashtags,
    "kind": v.parse_post_kind,
}
_NUMERIC = {"count", "amount", "rate", "percent"}


# Vectorised range of plain numbers per numeric parser; values outside go through the parser for its message.
_NUMERIC_RANGES = {
    "count": (0.0, float(v.MAX_COUNT)),
    "amount": (0.0, float(v.MAX_COUNT)),
    "percent": (0.0, 100.0),
    "rate": (0.0, 100_000.0),
}


def _parse_numeric(series: pd.Series, parser: str) -> tuple[list[Any], dict[int, str]]:
    """Values and problems (by position) of one numeric column, fast path first.

    Plain numbers are converted and range-checked with numpy; only the other cells (``3.3k``, ``1.39%``,
    missing markers, out-of-range values) go through the per-cell parser.
    """
    # to_numeric skips surrounding ASCII whitespace itself; other cells fall to the per-cell parser.
    numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    low, high = _NUMERIC_RANGES[parser]
    with np.errstate(invalid="ignore"):
        plain = (numbers >= low) & (numbers <= high)  # False for NaN
    if parser == "count":
        out: list[Any] = np.where(plain, np.round(numbers), 0).astype(np.int64).tolist()
    else:
        out = numbers.tolist()
    problems: dict[int, str] = {}
    slow = CELL_PARSERS[parser]
    raw = series.tolist()
    for i in np.flatnonzero(~plain).tolist():
        number = numbers[i]
        if raw[i] == "":
            out[i] = None  # an empty cell (the usual gap), as the parser reads it
            continue
        try:
            # NaN: missing or not plain (k/m/b, %, Excel errors); otherwise out of range.
            out[i] = slow(raw[i] if number != number else float(number))
        except v.ValueProblem as exc:
            out[i] = None
            problems[i] = str(exc)
    return out, problems


def _parse_datetimes(series: pd.Series, parser: str) -> tuple[list[Any], dict[int, str]]:
    """ISO timestamps through pandas (vectorised range checks); anything else through the per-cell parser."""
    parsed = pd.to_datetime(series.astype(str).str.strip(), utc=True, errors="coerce", format="ISO8601")
    now = pd.Timestamp.now(tz="UTC")
    suspicious = parsed.isna() | (parsed > now + pd.Timedelta(days=1)) | (parsed.dt.year < 2000)
    if parser == "date":
        out: list[Any] = [None if x is pd.NaT else x for x in parsed.dt.date.tolist()]
    else:
        out = [None if x is pd.NaT else x for x in parsed.dt.to_pydatetime().tolist()]
    problems: dict[int, str] = {}
    slow = CELL_PARSERS[parser]
    raw = series.tolist()
    for i in np.flatnonzero(suspicious.to_numpy()).tolist():
        stamp = parsed.iloc[i]
        try:
            if stamp is pd.NaT:
                out[i] = slow(raw[i])
            else:
                out[i] = slow(stamp.date() if parser == "date" else stamp.to_pydatetime())
        except v.ValueProblem as exc:
            out[i] = None
            problems[i] = str(exc)
    return out, problems


# A handle exactly as it is stored (lower-case, no '@', not a URL): kept as is, without the per-cell parser.
_PLAIN_HANDLE = r"[a-z0-9._-]{1,150}"


def _parse_handles(series: pd.Series) -> tuple[list[Any], dict[int, str]]:
    """Handles by position: plain ones kept as they are; '@Name', URLs and missing values parsed per cell."""
    out: list[Any] = series.tolist()
    if pd.api.types.infer_dtype(series, skipna=False) == "string":
        plain = series.str.fullmatch(_PLAIN_HANDLE) & ~series.isin(v.MISSING_MARKERS)
        slow = np.flatnonzero(~plain.to_numpy(dtype=bool)).tolist()
    else:
        slow = list(range(len(out)))
    problems: dict[int, str] = {}
    for i in slow:
        try:
            out[i] = v.parse_handle(out[i])
        except v.ValueProblem as exc:
            out[i] = None
            problems[i] = str(exc)
    return out, problems


# Strict subsets of what Django's URLValidator and EmailValidator accept (checked against their regexes):
# cells matching them are valid as they are, so only the other cells pay for the validators (a third of
# a profile file's parse time, py-spy on 20k profiles).
_SAFE_PATTERNS = {
    "url": r"https?://(?:[a-z0-9]{1,63}\.){1,4}[a-z]{2,10}(?:/[A-Za-z0-9._@~/-]*)?",
    "email": r"[a-z0-9_+-]+(?:\.[a-z0-9_+-]+)*@(?:[a-z0-9]{1,63}\.){1,4}[a-z]{2,10}",
}


def _parse_validated(series: pd.Series, parser: str) -> tuple[list[Any], dict[int, str]]:
    """URLs or emails by position: plain valid ones (stripped) as they are, the rest through the validator."""
    out: list[Any] = series.tolist()
    slow: list[int]
    if pd.api.types.infer_dtype(series, skipna=False) == "string":
        stripped = series.str.strip()
        safe = stripped.str.fullmatch(_SAFE_PATTERNS[parser]) & stripped.str.len().le(200)
        safe_array = safe.to_numpy(dtype=bool)
        values = stripped.tolist()
        for i in np.flatnonzero(safe_array).tolist():
            out[i] = values[i]
        slow = np.flatnonzero(~safe_array).tolist()
    else:
        slow = list(range(len(out)))
    func = CELL_PARSERS[parser]
    problems: dict[int, str] = {}
    for i in slow:
        try:
            out[i] = func(out[i])
        except v.ValueProblem as exc:
            out[i] = None
            problems[i] = str(exc)
    return out, problems


# Parsers whose values are numbers, dates or None, never '' (no per-value check needed).
_NOT_TEXT = frozenset({*_NUMERIC, "date", "datetime"})
# Pure parsers of columns whose values repeat (hashtags, short captions): each distinct cell parsed once.
_MEMO_PARSERS = frozenset({"platform", "country", "bool", "kind", "niches", "age", "hashtags", "text"})


# The canonical audience cell (``GB:45;US:20``): read with a split; anything else goes to the per-cell parser.
_PLAIN_AUDIENCE = r"[A-Z]{2}:\d{1,3}(?:\.\d+)?(?:;[A-Z]{2}:\d{1,3}(?:\.\d+)?)*"


def _plain_audience(text: str) -> dict[str, float] | None:
    """``parse_audience_countries`` of a canonical cell, or None when that parser must decide."""
    shares: dict[str, float] = {}
    for part in text.split(";"):
        code, share = part.split(":")
        pct = float(share)
        if code == "UK" or code not in v.ISO_CODES or pct > 100:
            return None
        shares[code] = pct
    return shares if sum(shares.values()) <= 100.5 else None


def _parse_audience(series: pd.Series) -> tuple[list[Any], dict[int, str]]:
    """Audience shares by position: canonical cells split directly, the rest through the per-cell parser."""
    out: list[Any] = series.tolist()
    plain = np.zeros(len(out), dtype=bool)
    if pd.api.types.infer_dtype(series, skipna=False) == "string":
        plain = series.str.fullmatch(_PLAIN_AUDIENCE).to_numpy(dtype=bool)
    problems: dict[int, str] = {}
    for i, raw in enumerate(out):
        value = _plain_audience(raw) if plain[i] else None
        if value is None:
            try:
                value = v.parse_audience_countries(raw)
            except v.ValueProblem as exc:
                value = None
                problems[i] = str(exc)
        out[i] = value
    return out, problems


def _parse_cells(series: pd.Series, parser: str) -> tuple[list[Any], dict[int, str]]:
    """Values and problems (by position) of one column."""
    if parser == "audience":
        return _parse_audience(series)
    if parser in _NUMERIC:
        return _parse_numeric(series, parser)
    if parser in {"date", "datetime"}:
        return _parse_datetimes(series, parser)
    if parser == "handle":
        return _parse_handles(series)
    if parser in _SAFE_PATTERNS:
        return _parse_validated(series, parser)
    func = CELL_PARSERS[parser]
    if parser in _MEMO_PARSERS and pd.api.types.infer_dtype(series, skipna=False) == "string":
        return _parse_distinct(series, func)
    out: list[Any] = []
    problems: dict[int, str] = {}
    # Few distinct values (platforms, countries, kinds): parse each once.
    memo: dict[Any, tuple[Any, str | None]] | None = {} if parser in _MEMO_PARSERS else None
    for i, raw in enumerate(series.tolist()):
        if memo is not None and isinstance(raw, str) and raw in memo:
            value, problem = memo[raw]
        else:
            try:
                value, problem = func(raw), None
            except v.ValueProblem as exc:
                value, problem = None, str(exc)
            if memo is not None and isinstance(raw, str) and len(memo) < 10_000:
                memo[raw] = (value, problem)
        if problem is not None:
            problems[i] = problem
        out.append(value.copy() if isinstance(value, list | dict) else value)
    return out, problems


def _parse_distinct(series: pd.Series, func: Callable[[Any], Any]) -> tuple[list[Any], dict[int, str]]:
    """Values and problems (by position) of a column of strings, each distinct string parsed once.

    For pure parsers of columns whose values repeat (platforms, kinds, hashtags, captions); every row
    gets its own copy of a list or dict value.
    """
    codes, uniques = pd.factorize(series)
    values: list[Any] = []
    reasons: list[str | None] = []
    for raw in uniques.tolist():
        try:
            values.append(func(raw))
            reasons.append(None)
        except v.ValueProblem as exc:
            values.append(None)
            reasons.append(str(exc))
    code_list = codes.tolist()
    if any(isinstance(value, list | dict) for value in values):
        out = [values[c].copy() if isinstance(values[c], list | dict) else values[c] for c in code_list]
    else:
        out = [values[c] for c in code_list]
    problems: dict[int, str] = {}
    if any(reason is not None for reason in reasons):
        problems = {i: reasons[c] for i, c in enumerate(code_list) if reasons[c] is not None}
    return out, problems


def parse_frame(frame: pd.DataFrame, mapping: ColumnMapping) -> ParsedRows:
    """Typed records for a chunk: for each field the first column with a value wins (niches merge)."""
    result = ParsedRows(raw=_RawCells(frame))
    rows = frame.index.tolist()
    result.rows = rows
    specs = FIELDS[mapping.kind]
    pending: list[tuple[int, str, str, Any, str]] = []  # (row, field, column, value, reason)
    names: list[str] = []
    values_by_field: list[list[Any]] = []
    for name, positions in mapping.fields.items():
        spec = specs[name]
        parser = "handle" if name == "follower_username" else spec.parser
        if name == "post_id":
            parser = "post_id"
        columns: list[tuple[int, list[Any], dict[int, str]]] = []
        for position in positions:
            series = frame[position]
            if parser == "post_id":
                columns.append((position, _parse_post_ids(series), {}))
            else:
                parsed, problems = _parse_cells(series, parser)
                columns.append((position, parsed, problems))
        names.append(name)
        values_by_field.append(
            _combine(name, spec.merge, columns, rows, mapping, result.raw, pending, parser=parser)
        )
    result.names = names
    result.columns = values_by_field
    for row, name, column, value, reason in pending:
        if name in SOFT_FIELDS:
            result.problems.append(
                CellProblem(row, column, _show(value), reason + "; left empty", severity="warning")
            )
        else:
            result.reject(row, column, value, reason)
    return result


def _combine(
    name: str,
    merge: bool,
    columns: list[tuple[int, list[Any], dict[int, str]]],
    rows: list[int],
    mapping: ColumnMapping,
    raw: dict[int, list[Any]],
    pending: list[tuple[int, str, str, Any, str]],
    *,
    parser: str = "text",
) -> list[Any]:
    """One field's values by row from its columns (first value wins, or merged lists); problems queued."""
    if merge:
        out: list[Any] = []
        for i in range(len(rows)):
            merged: list[str] = []
            for _, parsed, _problems in columns:
                merged.extend(x for x in (parsed[i] or []) if x not in merged)
            out.append(merged)
        return out
    if len(columns) == 1:
        # One column (the usual case): no per-row choice between columns.
        position, parsed, problems = columns[0]
        out = parsed if parser in _NOT_TEXT else [None if x == "" else x for x in parsed]
        for i, reason in problems.items():
            if out[i] is None:
                pending.append(
                    (rows[i], name, mapping.column_label(position), raw[rows[i]][position], reason)
                )
    else:
        out = []
        for i, row in enumerate(rows):
            value = None
            problem: tuple[int, str] | None = None
            for position, parsed, problems in columns:
                if i in problems:
                    problem = problem or (position, problems[i])
                elif parsed[i] is not None and parsed[i] != "" and value is None:
                    value = parsed[i]
            if value is None and problem is not None:
                position, reason = problem
                pending.append((row, name, mapping.column_label(position), raw[row][position], reason))
            out.append(value)
    limit = MAX_LENGTHS.get(name)
    if limit:
        label = mapping.column_label(columns[0][0]) if columns else name
        for i, value in enumerate(out):
            if isinstance(value, str) and len(value) > limit:
                pending.append((rows[i], name, label, value, f"is longer than {limit}"))
                out[i] = None
    if name in _EMPTY_FIELDS:
        factory = _EMPTY_FIELDS[name]
        out = [factory() if value is None else value for value in out]
    return out
