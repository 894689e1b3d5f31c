"""Set-based writes for imports: COPY into a temporary staging table, then one INSERT ... ON CONFLICT."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from typing import Any

import pandas as pd
from django.db import connection
from django.db.models import Model
from django.utils import timezone

from core.db import copy_expert
from discovery.models import (
    Creator,
)
from discovery.services.imports.summary import BATCH_ROWS
from scoring.services.dirty import profiles_mark_dirty


def _mark_dirty(profile_ids: set[int]) -> None:
    """Mark accounts for rescoring (``scoring.DirtyProfile`` rows; the profile rows are not written)."""
    profiles_mark_dirty(profile_ids=profile_ids)


def _creators_create(creators: list[tuple[str, str, str]]) -> list[int]:
    """Insert (name, country, language) creators and return their ids in the same order."""
    if connection.vendor != "postgresql":
        objects = [
            Creator(name=name, country=country, language=language) for name, country, language in creators
        ]
        return [c.pk for c in Creator.objects.bulk_create(objects, batch_size=BATCH_ROWS)]
    now = timezone.now().isoformat()
    with connection.cursor() as cursor:
        # Ids drawn from the table's sequence first, so each row's id is known without relying on the
        # order of RETURNING; the rows then go in with COPY (no conflict is possible on fresh ids).
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('discovery_creator', 'id')) FROM generate_series(1, %s)",
            [len(creators)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        buffer = io.StringIO(
            "".join(
                f"{pk}\t{name.translate(_COPY_ESCAPES)}\t{country.translate(_COPY_ESCAPES)}\t"
                f"{language.translate(_COPY_ESCAPES)}\t{now}\t{now}\n"
                for pk, (name, country, language) in zip(ids, creators, strict=True)
            )
        )
        copy_expert(
            cursor,
            'COPY "discovery_creator" ("id", "name", "country", "language", "created_at", "updated_at") '
            "FROM STDIN WITH (FORMAT text)",
            buffer,
            COPY_READ,
        )
    return ids


def _bulk_upsert(
    model: type[Model], objects: list[Any], *, unique_fields: list[str], update_fields: list[str]
) -> None:
    """INSERT ... ON CONFLICT DO UPDATE of model instances, in batches.

    The portable path is ``bulk_create(update_conflicts=True)``. On PostgreSQL the rows are streamed with
    COPY into a temporary table and upserted from there in one statement: the same SQL semantics, without
    the ORM's per-value compilation, which was 60 % of an import's time (profiled on 42k posts).
    """
    if not objects:
        return
    if connection.vendor == "sqlite":
        _sqlite_upsert(model, objects, unique_fields=unique_fields, update_fields=update_fields)
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            objects,
            batch_size=BATCH_ROWS,
            update_conflicts=True,
            unique_fields=unique_fields,
            update_fields=update_fields,
        )
        return
    fields = [
        f for f in model._meta.concrete_fields if not f.primary_key and not getattr(f, "generated", False)
    ]
    now = timezone.now()
    buffer = io.StringIO()
    for obj in objects:
        buffer.write(",".join(_copy_value(f, obj, now) for f in fields))
        buffer.write("\n")
    buffer.seek(0)
    _copy_and_upsert(model, [f.column for f in fields], buffer, "csv", unique_fields, update_fields)


_COPY_NULL = "\\N"
# Characters psycopg2's copy_expert reads from the buffer at a time (its default is 8 KB): a chunk in one
# or few reads, since each read takes the GIL back from the import's reading thread.
COPY_READ = 1 << 22
# COPY's text format: backslash, tab, newline and carriage return are escaped inside values.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_converter(field: Any) -> Callable[[Any], str]:
    """A function writing one value of ``field`` in COPY's text format (chosen once per column)."""
    kind = field.get_internal_type()
    if kind == "JSONField":
        return lambda value: (
            _COPY_NULL if value is None else json.dumps(value, ensure_ascii=False).translate(_COPY_ESCAPES)
        )
    if kind == "BooleanField":
        return lambda value: _COPY_NULL if value is None else ("t" if value else "f")
    if kind in {"DateField", "DateTimeField"}:
        return lambda value: _COPY_NULL if value is None else value.isoformat()
    if kind in {"CharField", "TextField", "EmailField", "URLField", "SlugField"}:
        return lambda value: _COPY_NULL if value is None else str(value).translate(_COPY_ESCAPES)
    return lambda value: _COPY_NULL if value is None else str(value)


def copy_column(field: Any, values: list[Any]) -> list[str]:
    """One column's values in COPY's text format (a missing value, None or NaN, is NULL)."""
    convert = _copy_converter(field)
    return [_COPY_NULL if value is None or value != value else convert(value) for value in values]


def _upsert_rows(
    model: type[Model],
    attnames: list[str],
    rows: list[tuple[Any, ...]],
    *,
    unique_fields: list[str],
    update_fields: list[str],
    returning: list[str] | None = None,
) -> list[tuple[Any, ...]] | None:
    """INSERT ... ON CONFLICT DO UPDATE of plain value tuples (``attnames`` order); other fields default.

    With ``returning`` (column names), PostgreSQL gives back those columns of every written row; other
    databases return None and the caller looks the rows up.

    On PostgreSQL the tuples go straight into COPY's text format, one converter per column and no model
    instances: building a model per row (``Model.__init__`` and its signals) and formatting each value
    by type was half of a snapshot import's CPU time (py-spy, 100k snapshots). Elsewhere the rows become
    instances for ``_bulk_upsert``.
    """
    if not rows:
        return [] if returning and connection.vendor == "postgresql" else None
    if connection.vendor != "postgresql":
        objects = [model(**dict(zip(attnames, row, strict=True))) for row in rows]
        if update_fields:
            _bulk_upsert(model, objects, unique_fields=unique_fields, update_fields=update_fields)
        else:
            model.objects.bulk_create(objects, batch_size=BATCH_ROWS, ignore_conflicts=True)
        return None
    fields = [
        f for f in model._meta.concrete_fields if not f.primary_key and not getattr(f, "generated", False)
    ]
    given = {name: i for i, name in enumerate(attnames)}
    now = timezone.now()
    converters: list[tuple[int, Callable[[Any], str]]] = []
    constants: dict[int, str] = {}
    for position, f in enumerate(fields):
        convert = _copy_converter(f)
        if f.attname in given:
            converters.append((given[f.attname], convert))
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            constants[position] = convert(now)
        else:
            constants[position] = convert(f.get_default())
    lines = []
    if constants:
        template = [constants.get(p, "") for p in range(len(fields))]
        slots = [p for p in range(len(fields)) if p not in constants]
        for row in rows:
            values = template.copy()
            for slot, (index, convert) in zip(slots, converters, strict=True):
                values[slot] = convert(row[index])
            lines.append("\t".join(values))
    else:
        for row in rows:
            lines.append("\t".join([convert(row[index]) for index, convert in converters]))
    buffer = io.StringIO("\n".join(lines) + "\n")
    return _copy_and_upsert(
        model, [f.column for f in fields], buffer, "text", unique_fields, update_fields, returning
    )


def _copy_and_upsert(
    model: type[Model],
    columns: list[str],
    buffer: io.StringIO,
    copy_format: str,
    unique_fields: list[str],
    update_fields: list[str],
    returning: list[str] | None = None,
) -> list[tuple[Any, ...]]:
    """COPY the buffer into a session temp table, then one INSERT ... ON CONFLICT from it.

    No ``update_fields`` means DO NOTHING (links that may exist); ``returning`` columns are fetched.
    """
    table = model._meta.db_table
    quoted = ", ".join(f'"{c}"' for c in columns)
    conflict = ", ".join(f'"{model._meta.get_field(n).column}"' for n in unique_fields)
    updates = ", ".join(
        f'"{model._meta.get_field(n).column}" = EXCLUDED."{model._meta.get_field(n).column}"'
        for n in update_fields
    )
    action = f"DO UPDATE SET {updates}" if update_fields else "DO NOTHING"
    tail = " RETURNING " + ", ".join(f'"{c}"' for c in returning) if returning else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f'CREATE TEMP TABLE IF NOT EXISTS "import_{table}" ON COMMIT DELETE ROWS AS '
            f'SELECT {quoted} FROM "{table}" WITH NO DATA'
        )
        cursor.execute(f'TRUNCATE "import_{table}"')
        copy_expert(
            cursor,
            f'COPY "import_{table}" ({quoted}) FROM STDIN WITH (FORMAT {copy_format})',
            buffer,
            COPY_READ,
        )
        cursor.execute(
            f'INSERT INTO "{table}" ({quoted}) SELECT {quoted} FROM "import_{table}" '
            f"ON CONFLICT ({conflict}) {action}{tail}"
        )
        return cursor.fetchall() if returning else []


def _sqlite_upsert(
    model: type[Model], objects: list[Any], *, unique_fields: list[str], update_fields: list[str]
) -> None:
    """The statement ``bulk_create(update_conflicts=True)`` issues, run with ``executemany``.

    The ORM compiles every value through several layers; for a 100k-row posts file that was most of
    the import's CPU time on SQLite (the demo database).
    """
    fields = [
        f for f in model._meta.concrete_fields if not f.primary_key and not getattr(f, "generated", False)
    ]
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())

    def converter(field: Any) -> Callable[[Any], Any]:
        kind = field.get_internal_type()
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            return lambda value: now if value is None else ops.adapt_datetimefield_value(value)
        if kind == "JSONField":
            return lambda value: None if value is None else json.dumps(value)
        if kind == "DateTimeField":
            return ops.adapt_datetimefield_value
        if kind == "DateField":
            return ops.adapt_datefield_value
        return lambda value: value

    attnames = [f.attname for f in fields]
    converters = [converter(f) for f in fields]
    rows = [
        [conv(obj.__dict__[name]) for name, conv in zip(attnames, converters, strict=True)] for obj in objects
    ]
    quoted = ", ".join(f'"{f.column}"' for f in fields)
    conflict = ", ".join(f'"{model._meta.get_field(n).column}"' for n in unique_fields)
    updates = ", ".join(
        f'"{model._meta.get_field(n).column}" = excluded."{model._meta.get_field(n).column}"'
        for n in update_fields
    )
    placeholders = ", ".join(["%s"] * len(fields))
    sql = (
        f'INSERT INTO "{model._meta.db_table}" ({quoted}) VALUES ({placeholders}) '
        f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH_ROWS):
            cursor.executemany(sql, rows[start : start + BATCH_ROWS])


def _copy_value(field: Any, obj: Any, now: dt.datetime) -> str:
    """One value in COPY's CSV format: unquoted empty is NULL, text always quoted."""
    value = getattr(obj, field.attname)
    if value is None and getattr(field, "auto_now", False) | getattr(field, "auto_now_add", False):
        value = now
    if value is None:
        return ""
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    return '"' + str(value).replace('"', '""') + '"'


def stage_frame(table: str, columns: dict[str, str], frame: pd.DataFrame) -> None:
    """COPY ``frame`` into the session's temporary staging table ``table`` (``columns``: name -> SQL type)."""
    stage_text(table, columns, frame_csv(frame, columns), copy_format="csv")


def frame_csv(frame: pd.DataFrame, columns: dict[str, str]) -> str:
    """``frame``'s ``columns`` as CSV for ``stage_text`` (no database: the reading thread can build it).

    Text columns read an empty cell as '' (FORCE_NOT_NULL), every other column reads it as NULL.
    pandas writes the CSV in C.
    """
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=False, columns=list(columns))
    return buffer.getvalue()


def stage_text(table: str, columns: dict[str, str], text: str, *, copy_format: str = "text") -> None:
    """COPY ``text`` (COPY's ``text`` or ``csv`` format) into the session's temporary staging table.

    The table lives as long as the connection and is emptied first. The settings, the table and its
    emptying go in one round trip: while a reading thread parses the next chunk, each round trip also
    waits for the GIL.
    """
    spec = ", ".join(f'"{name}" {kind}' for name, kind in columns.items())
    options = ""
    if copy_format == "csv":
        texts = ", ".join(f'"{name}"' for name, kind in columns.items() if kind == "text")
        options = f", FORCE_NOT_NULL ({texts})" if texts else ""
    with connection.cursor() as cursor:
        # Staged rows are matched to stored ones by their unique keys. Left to itself the planner sorts or
        # hashes the whole target table for each chunk (its statistics lag a bulk load), which grows with
        # the catalogue; index lookups per staged row cost the same at any size.
        cursor.execute(
            "SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; "
            f'CREATE TEMP TABLE IF NOT EXISTS "{table}" ({spec}) ON COMMIT DELETE ROWS; '
            f'TRUNCATE "{table}"'
        )
        copy_expert(
            cursor,
            f'COPY "{table}" FROM STDIN WITH (FORMAT {copy_format}{options})',
            io.StringIO(text),
            COPY_READ,
        )


def counts_column(values: list[Any]) -> pd.array:
    """Whole counts with gaps as a nullable integer column (so the CSV says 3300, not 3300.0)."""
    return pd.array(values, dtype="Int64")


def unknown_accounts(table: str) -> list[tuple[int, str, str]]:
    """(row, platform, handle) of the staged rows whose account is not in the catalogue, by row."""
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT s."row", s.platform, s.handle FROM "{table}" s WHERE NOT EXISTS ('
            "SELECT 1 FROM discovery_profile p WHERE p.platform = s.platform AND p.handle = s.handle"
            ') ORDER BY s."row"'
        )
        return cursor.fetchall()
