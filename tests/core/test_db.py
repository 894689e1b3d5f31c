"""core.db.copy_expert: COPY's errors arrive as Django's, as ``execute``'s do."""

from __future__ import annotations

import io

import psycopg2
import pytest
from django.db import DataError, IntegrityError, connection

from core.db import copy_expert
from tests.services import missing_service

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgres() -> None:
    """COPY is PostgreSQL's; without it (SQLite locally) skipped, a failure in CI."""
    if connection.vendor != "postgresql":
        missing_service("COPY needs PostgreSQL (set DATABASE_URL)")


def test_copy_in_and_out_round_trip() -> None:
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE copy_probe (n integer PRIMARY KEY, label text)")
        copy_expert(cursor, "COPY copy_probe (n, label) FROM STDIN", io.StringIO("1\tone\n2\ttwo\n"))
        out = io.StringIO()
        copy_expert(cursor, "COPY (SELECT n, label FROM copy_probe ORDER BY n) TO STDOUT", out)

    assert out.getvalue() == "1\tone\n2\ttwo\n"


@pytest.mark.parametrize(
    ("rows", "django_error"),
    [("x\tnot a number\n", DataError), ("1\tone\n1\tagain\n", IntegrityError)],
)
def test_copy_errors_are_djangos(rows: str, django_error: type[Exception]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE copy_probe (n integer PRIMARY KEY, label text)")
        with pytest.raises(django_error) as raised:
            copy_expert(cursor, "COPY copy_probe (n, label) FROM STDIN", io.StringIO(rows))

    assert isinstance(raised.value.__cause__, psycopg2.Error)  # the driver's error, kept as the cause
