"""File readers: format and encoding detection, a validating pre-scan, and chunked reading into pandas.

Every reader yields :class:`pandas.DataFrame` chunks whose columns are the file's column positions
(headers may repeat, so names cannot be the key) and whose index is the 1-based data row number.
Rows that are entirely blank are skipped and counted; they are not data rows.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

FORMATS = ("csv", "xlsx", "json", "jsonl")
# A vendor export has tens of columns; thousands mean a wrong file (or an attack on memory).
MAX_COLUMNS = 500
# Encoding detection reads this much; the pre-scan then validates the whole file.
SAMPLE_BYTES = 1 << 20
SAMPLE_ROWS = 200
_SCAN_BLOCK = 1 << 20
# Python's csv module refuses fields over 128 KiB by default; a caption can be long, junk is longer.
csv.field_size_limit(4 * 1024 * 1024)


Batch = tuple[list[int], list[list[Any]]]


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message tells the admin what to fix."""


@dataclass
class FileInfo:
    """What the reader found out about a file before reading its rows."""

    path: Path
    format: str
    encoding: str = "utf-8"
    delimiter: str = ","
    headers: list[str] = field(default_factory=list)
    sample: list[list[Any]] = field(default_factory=list)
    rows_total: int | None = None
    blank_rows: int = 0
    # CSV only: every record is one line with exactly the header's cells (no blank or ragged rows), so
    # pandas' C reader gives the same cells and row numbers as the validating pre-scan.
    regular: bool = False


@dataclass
class BadRow:
    """A data row the reader could not split into the header's columns."""

    row: int
    cells: list[Any]
    reason: str


def detect_format(path: Path, name: str | None = None) -> str:
    """csv, xlsx, json or jsonl, from the content first and the file name second."""
    name = (name or path.name).lower()
    with path.open("rb") as fh:
        head = fh.read(4096)
    if not head.strip(b" \t\r\n\xef\xbb\xbf"):
        raise ImportFileError("The file is empty.")
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError("This is an old Excel .xls file; save it as .xlsx or CSV and upload again.")
    if name.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if name.endswith(".json"):
        return "json"
    if name.endswith(".xlsx"):
        raise ImportFileError("The file is named .xlsx but is not an Excel workbook (it may be truncated).")
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"["):
        return "json"
    if stripped.startswith(b"{"):
        return "jsonl"
    return "csv"


def detect_encoding(path: Path) -> str:
    """utf-8-sig, utf-8, utf-16 (with BOM) or cp1252; binary content is an error."""
    with path.open("rb") as fh:
        raw = fh.read(SAMPLE_BYTES)
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    _reject_binary(raw)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(raw, final=False)
    except UnicodeDecodeError as exc:
        # Valid multi-byte UTF-8 next to invalid bytes: two encodings pasted together.
        if re.search(rb"[\xc3\xc5][\x80-\xbf]", raw[: exc.start]):
            raise ImportFileError(
                f"The file mixes encodings: it reads as UTF-8 until byte {exc.start}, "
                "then has bytes that are not UTF-8. Re-save the whole file as UTF-8 and upload again."
            ) from exc
        return _single_byte_encoding(raw)
    return "utf-8"


def _reject_binary(raw: bytes) -> None:
    """Raise for content that is not text (NUL bytes or mostly control characters)."""
    if b"\x00" in raw:
        raise ImportFileError(
            "The file contains binary data (NUL bytes); upload a CSV, XLSX, JSON or JSONL file."
        )
    controls = sum(1 for b in raw if b < 32 and b not in (9, 10, 13))
    if raw and controls / len(raw) > 0.05:
        raise ImportFileError(
            "The file looks like binary data, not text; upload a CSV, XLSX, JSON or JSONL file."
        )


def _single_byte_encoding(raw: bytes) -> str:
    """Windows-1252 for Western single-byte text (Excel's default), else charset-normalizer's guess."""
    try:
        raw.decode("cp1252")
    except UnicodeDecodeError:
        pass
    else:
        return "cp1252"
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None:
        raise ImportFileError(
            "The file's text encoding could not be recognised; save it as UTF-8 and try again."
        )
    return best.encoding


def open_file(path: Path, *, name: str | None = None) -> FileInfo:
    """Detect format, encoding and headers, read a sample, and validate the whole file (row count)."""
    if not path.is_file():
        raise ImportFileError(f"The file {path.name} is missing (was it deleted?); upload it again.")
    fmt = detect_format(path, name)
    info = FileInfo(path=path, format=fmt)
    if fmt == "xlsx":
        _open_xlsx(info)
    elif fmt == "json":
        _open_json(info)
    else:
        info.encoding = detect_encoding(path)
        if fmt == "jsonl":
            _open_jsonl(info)
        else:
            _open_csv(info)
    if not info.headers or not any(h.strip() for h in info.headers):
        raise ImportFileError("The file has no header row.")
    if len(info.headers) > MAX_COLUMNS:
        raise ImportFileError(
            f"The file has {len(info.headers):,} columns; at most {MAX_COLUMNS} are accepted. "
            "Is this the right file?"
        )
    if not info.rows_total:
        raise ImportFileError("The file has a header but no data rows.")
    return info


# --- CSV -----------------------------------------------------------------------------------------


def _open_csv(info: FileInfo) -> None:
    """Sniff the delimiter, read the header and a sample, and count rows with a full validating pass."""
    with info.path.open("r", encoding=info.encoding, newline="", errors="strict") as fh:
        try:
            text = fh.read(64 * 1024)
        except UnicodeDecodeError as exc:
            raise _decode_error(info, exc) from exc
    first_line = text.split("\n", 1)[0]
    counts = {d: first_line.count(d) for d in (",", ";", "\t", "|")}
    info.delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
    total = blank = ragged = 0
    width = 0
    records = _csv_records(info, lines=(lines := []))
    for row_number, cells in records:
        if row_number == 0:
            info.headers = [str(c) for c in cells]
            width = len(cells)
            if len(info.headers) > MAX_COLUMNS:
                return
            continue
        if not "".join(cells).strip():
            blank += 1
            continue
        if len(cells) != width:
            ragged += 1
        total += 1
        if len(info.sample) < SAMPLE_ROWS:
            info.sample.append(cells)
    info.rows_total = total
    info.blank_rows = blank
    # One physical line per record (no quoted line breaks), none blank or ragged.
    info.regular = (
        not blank and not ragged and bool(lines) and lines[0] == total + 1 and info.encoding in _C_ENCODINGS
    )


def _csv_records(info: FileInfo, lines: list[int] | None = None) -> Iterator[tuple[int, list[str]]]:
    """(record number, cells) with 0 = header; file-level problems become ImportFileError.

    ``lines``, when given, receives the number of physical lines read once the file is read through.
    """
    number = -1
    with info.path.open("r", encoding=info.encoding, newline="", errors="strict") as fh:
        reader = csv.reader(fh, delimiter=info.delimiter, strict=True)
        try:
            for cells in reader:
                number += 1
                yield number, cells
            if lines is not None:
                lines.append(reader.line_num)
        except UnicodeDecodeError as exc:
            raise _decode_error(info, exc, row=number + 1) from exc
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                raise ImportFileError(
                    f"The file ends inside a quoted field after data row {max(number, 0)}: "
                    "it looks truncated. "
                    "Export it again."
                ) from exc
            raise ImportFileError(f"The CSV is malformed near data row {number + 1}: {exc}.") from exc


def _decode_error(info: FileInfo, exc: UnicodeDecodeError, row: int | None = None) -> ImportFileError:
    """A clear message for bytes that are not in the detected encoding."""
    where = f" near data row {row}" if row else ""
    byte = exc.object[exc.start : exc.start + 1]
    return ImportFileError(
        f"The file is not valid {info.encoding}{where} (byte {byte!r} cannot be decoded). "
        "It probably mixes encodings; re-save it as UTF-8."
    )


def _iter_csv(info: FileInfo, chunk_size: int, skip_rows: int) -> Iterator[Batch]:
    """Batches of (row numbers, cells) for data rows after ``skip_rows``."""
    numbers: list[int] = []
    rows: list[list[Any]] = []
    data_row = 0
    for number, cells in _csv_records(info):
        if number == 0 or not "".join(cells).strip():
            continue
        data_row += 1
        if data_row <= skip_rows:
            continue
        numbers.append(data_row)
        rows.append(cells)
        if len(rows) >= chunk_size:
            yield numbers, rows
            numbers, rows = [], []
    if rows:
        yield numbers, rows


# Encodings pandas' C reader decodes as Python does (the pre-scan has validated the whole file).
_C_ENCODINGS = frozenset({"utf-8", "utf-8-sig", "cp1252"})


def _iter_csv_regular(info: FileInfo, chunk_size: int) -> Iterator[pd.DataFrame]:
    """Chunks of a regular CSV read by pandas' C reader: every cell as the text ``csv`` reads, data row
    numbers as the index (a third of the Python reader's time per row, and no lists to convert)."""
    width = len(info.headers)
    reader = pd.read_csv(
        info.path,
        sep=info.delimiter,
        encoding=info.encoding,
        header=None,
        skiprows=1,
        names=list(range(width)),
        dtype=object,
        na_filter=False,
        keep_default_na=False,
        skip_blank_lines=False,
        quotechar='"',
        doublequote=True,
        engine="c",
        chunksize=chunk_size,
    )
    start = 1
    with reader:
        for frame in reader:
            frame.index = pd.RangeIndex(start, start + len(frame))
            start += len(frame)
            yield frame


# --- XLSX ----------------------------------------------------------------------------------------


def _workbook_rows(info: FileInfo) -> Iterator[tuple[Any, ...]]:
    """Rows of the first worksheet as value tuples (formulas as their cached values)."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(info.path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportFileError(f"The Excel file cannot be opened (truncated or corrupt): {exc}.") from exc
    try:
        sheet = workbook.worksheets[0]
        yield from sheet.iter_rows(values_only=True)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise ImportFileError(f"The Excel file is damaged and cannot be read to the end: {exc}.") from exc
    finally:
        workbook.close()


def _open_xlsx(info: FileInfo) -> None:
    """Header from the first non-empty row; count the data rows."""
    total = blank = 0
    for values in _workbook_rows(info):
        cells = ["" if v is None else v for v in values]
        if not info.headers:
            if any(str(c).strip() for c in cells):
                info.headers = [str(c) for c in cells]
                while info.headers and not info.headers[-1].strip():
                    info.headers.pop()
                if len(info.headers) > MAX_COLUMNS:
                    return
            continue
        if not any(str(c).strip() for c in cells):
            blank += 1
            continue
        total += 1
        if len(info.sample) < SAMPLE_ROWS:
            info.sample.append(cells)
    info.rows_total = total
    info.blank_rows = blank


def _iter_xlsx(info: FileInfo, chunk_size: int, skip_rows: int) -> Iterator[Batch]:
    """Batches of (row numbers, cells) from the first worksheet."""
    numbers: list[int] = []
    rows: list[list[Any]] = []
    seen_header = False
    data_row = 0
    for values in _workbook_rows(info):
        cells = ["" if v is None else v for v in values]
        if not seen_header:
            seen_header = any(str(c).strip() for c in cells)
            continue
        if not any(str(c).strip() for c in cells):
            continue
        data_row += 1
        if data_row <= skip_rows:
            continue
        numbers.append(data_row)
        rows.append(cells)
        if len(rows) >= chunk_size:
            yield numbers, rows
            numbers, rows = [], []
    if rows:
        yield numbers, rows


# --- JSON and JSON Lines ---------------------------------------------------------------------------


def _load_json(info: FileInfo) -> list[Any]:
    """The list of records of a JSON file (a list, or an object holding one list)."""
    try:
        with info.path.open("rb") as fh:
            data = json.load(fh)
    except UnicodeDecodeError as exc:
        raise ImportFileError("The JSON file is not valid UTF-8.") from exc
    except json.JSONDecodeError as exc:
        raise ImportFileError(
            f"The JSON is invalid at line {exc.lineno}, column {exc.colno} ({exc.msg}); it may be truncated."
        ) from exc
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        if len(lists) != 1:
            raise ImportFileError("The JSON must be a list of records (or an object holding one such list).")
        data = lists[0]
    if not isinstance(data, list):
        raise ImportFileError("The JSON must be a list of records.")
    return data


def _keys_of(records: Iterator[Any] | list[Any]) -> list[str]:
    """Ordered union of the keys of the records."""
    keys: dict[str, None] = {}
    for record in records:
        if isinstance(record, dict):
            keys.update(dict.fromkeys(str(k) for k in record))
    return list(keys)


def _open_json(info: FileInfo) -> None:
    """Header = the union of the records' keys."""
    records = _load_json(info)
    info.headers = _keys_of(records)
    info.rows_total = len(records)
    info.sample = [_record_cells(r, info.headers) for r in records[:SAMPLE_ROWS]]


def _record_cells(record: Any, headers: list[str]) -> list[Any]:
    """A record's values in header order; a non-object record becomes a row of one bad cell."""
    if not isinstance(record, dict):
        return [record]
    return [record.get(h, "") for h in headers]


def _iter_json(info: FileInfo, chunk_size: int, skip_rows: int) -> Iterator[Batch]:
    """Batches of (row numbers, cells) from a JSON list."""
    records = _load_json(info)
    for start in range(skip_rows, len(records), chunk_size):
        batch = records[start : start + chunk_size]
        yield (
            list(range(start + 1, start + len(batch) + 1)),
            [
                _record_cells(r, info.headers) if isinstance(r, dict) else [_Unreadable(NOT_A_RECORD)]
                for r in batch
            ],
        )


def _jsonl_records(info: FileInfo) -> Iterator[tuple[int, Any]]:
    """(data row number, parsed object or an error string) per non-blank line."""
    number = 0
    with info.path.open("r", encoding=info.encoding, errors="strict") as fh:
        try:
            for line in fh:
                if not line.strip():
                    continue
                number += 1
                try:
                    yield number, json.loads(line)
                except json.JSONDecodeError as exc:
                    yield number, f"invalid JSON on this line ({exc.msg}, column {exc.colno})"
        except UnicodeDecodeError as exc:
            raise _decode_error(info, exc, row=number + 1) from exc


def _open_jsonl(info: FileInfo) -> None:
    """Header = the union of the keys of the first records; count the lines."""
    sample = []
    total = 0
    for _, record in _jsonl_records(info):
        total += 1
        if len(sample) < SAMPLE_ROWS:
            sample.append(record)
    info.headers = _keys_of(sample)
    info.rows_total = total
    info.sample = [_record_cells(r, info.headers) for r in sample]


def _iter_jsonl(info: FileInfo, chunk_size: int, skip_rows: int) -> Iterator[Batch]:
    """Batches of (row numbers, cells) from JSON Lines."""
    numbers: list[int] = []
    rows: list[list[Any]] = []
    for number, record in _jsonl_records(info):
        if number <= skip_rows:
            continue
        numbers.append(number)
        if isinstance(record, dict):
            rows.append(_record_cells(record, info.headers))
        else:
            rows.append([_Unreadable(record if isinstance(record, str) else NOT_A_RECORD)])
        if len(rows) >= chunk_size:
            yield numbers, rows
            numbers, rows = [], []
    if rows:
        yield numbers, rows


NOT_A_RECORD = "is not a record with named fields"


class _Unreadable(str):
    """Marks a JSON Lines line that could not be parsed (its text is the reason)."""


# --- chunks -------------------------------------------------------------------------------------


def iter_chunks(
    info: FileInfo, *, chunk_size: int, skip_rows: int = 0
) -> Iterator[tuple[pd.DataFrame, list[BadRow]]]:
    """DataFrames of ``chunk_size`` data rows (object dtype, positional columns, index = row number).

    Rows with more cells than the header (and non-blank extras) or unreadable JSON come back as BadRows.
    """
    if info.format == "csv" and info.regular and not skip_rows:
        for frame in _iter_csv_regular(info, chunk_size):
            yield frame, []
        return
    source = {"csv": _iter_csv, "xlsx": _iter_xlsx, "json": _iter_json, "jsonl": _iter_jsonl}[info.format]
    width = len(info.headers)
    for numbers, rows in source(info, chunk_size, skip_rows):
        good_numbers: list[int] = []
        good_rows: list[list[Any]] = []
        bad: list[BadRow] = []
        for number, cells in zip(numbers, rows, strict=True):
            if len(cells) == 1 and isinstance(cells[0], _Unreadable):
                bad.append(BadRow(number, [str(cells[0])], str(cells[0])))
                continue
            if len(cells) > width:
                extra = cells[width:]
                if any(str(c).strip() for c in extra):
                    bad.append(
                        BadRow(
                            number, list(cells), f"has {len(cells)} cells but the header has {width} columns"
                        )
                    )
                    continue
                cells = cells[:width]
            elif len(cells) < width:
                cells = list(cells) + [""] * (width - len(cells))
            good_numbers.append(number)
            good_rows.append(cells)
        frame = pd.DataFrame(good_rows, index=good_numbers, columns=range(width), dtype=object)
        yield frame, bad
