"""Database helpers shared by the apps."""

from __future__ import annotations

from typing import IO, Any

from django.db import connection

# The largest value a BigIntegerField or an id holds (PostgreSQL bigint, SQLite INTEGER): larger
# numbers are a validation error at the edge, not a database error (a 500) later.
DB_INT_MAX = 2**63 - 1


def copy_expert(cursor: Any, sql: str, buffer: IO[Any], size: int = 8192) -> None:
    """psycopg2's ``COPY ... FROM STDIN`` / ``TO STDOUT`` on a Django cursor, its errors raised as Django's.

    Django wraps ``execute`` so that driver errors arrive as ``django.db`` exceptions (``IntegrityError``,
    ``OperationalError``...), but not ``copy_expert``: without this, a COPY that lost its connection
    raised psycopg2's ``OperationalError``, which tasks retrying on Django's never caught.
    ``cursor`` is a Django cursor (its connection wraps the errors) or a driver cursor (the default
    connection wraps them).
    """
    raw = getattr(cursor, "cursor", cursor)
    with getattr(cursor, "db", connection).wrap_database_errors:
        raw.copy_expert(sql, buffer, size)
