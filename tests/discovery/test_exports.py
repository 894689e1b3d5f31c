"""CSV and XLSX exports: same filters and order as the page, formula-injection safe, capped, few queries."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from discovery import exports
from discovery.exports import EXPORT_COLUMNS
from tests.factories.discovery import NicheFactory, ProfileFactory
from tests.factories.scoring import ProfileScoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(brand_member) -> Client:
    client = Client()
    client.force_login(brand_member)
    return client


def _rows(csv_text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(csv_text)))


def test_csv_export_uses_the_search_filters_and_order(web) -> None:
    beauty = NicheFactory(slug="beauty", name="Beauty")
    cheap = ProfileFactory(handle="cheap", name="=cmd|' /C calc'!A0")
    dear = ProfileFactory(handle="dear")
    outside = ProfileFactory(handle="outside")
    for profile, price in [(cheap, "90.00"), (dear, "400.00")]:
        profile.niches.add(beauty)
        ProfileScoreFactory(profile=profile, price=Decimal(price), growth_30d_pct=-1.5)
    ProfileScoreFactory(profile=outside)

    response = web.get("/export.csv", {"niche": "beauty", "ordering": "-price"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _rows(response.content.decode())
    assert [r["handle"] for r in rows] == ["dear", "cheap"]
    assert list(rows[0]) == EXPORT_COLUMNS
    assert rows[1]["name"] == "'=cmd|' /C calc'!A0"
    assert rows[1]["growth_30d_pct"] == "-1.5"  # numbers are not prefixed
    assert rows[1]["niches"] == "beauty"
    assert response["X-Export-Capped"] == "false"


def test_xlsx_export_has_the_same_rows_and_an_about_sheet(web) -> None:
    ProfileScoreFactory(profile=ProfileFactory(handle="one", name="@evil"))
    ProfileScoreFactory(profile=ProfileFactory(handle="two"))

    response = web.get("/export.xlsx", {"ordering": "followers"})

    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    values = list(book["profiles"].values)
    assert list(values[0]) == EXPORT_COLUMNS
    handles = {row[EXPORT_COLUMNS.index("handle")] for row in values[1:]}
    assert handles == {"one", "two"}
    names = {row[EXPORT_COLUMNS.index("name")] for row in values[1:]}
    assert "'@evil" in names
    assert "2 profiles" in next(iter(book["about"].values))[0]


def test_export_is_capped_and_says_so(web, monkeypatch) -> None:
    monkeypatch.setattr("discovery.views.EXPORT_MAX_ROWS", 2)
    for _ in range(3):
        ProfileFactory()

    response = web.get("/export.csv")

    assert len(_rows(response.content.decode())) == 2
    assert response["X-Export-Capped"] == "true"


def test_export_with_bad_filters_is_400_naming_the_field(web) -> None:
    response = web.get("/export.csv", {"price_max": "cheap"})

    assert response.status_code == 400
    assert "price_max" in response.content.decode()


def test_export_query_count_does_not_grow_with_rows(web) -> None:
    beauty = NicheFactory(slug="beauty", name="Beauty")

    def queries(n: int) -> int:
        for _ in range(n):
            profile = ProfileFactory()
            profile.niches.add(beauty)
            ProfileScoreFactory(profile=profile)
        with CaptureQueriesContext(connection) as ctx:
            web.get("/export.csv", {"niche": "beauty"})
        return len(ctx.captured_queries)

    small = queries(2)
    large = queries(30)

    assert small == large


def test_export_columns_cover_the_api_contract() -> None:
    assert {"id", "handle", "followers", "tier", "er", "price_low", "price_high", "cpe", "as_of"} <= set(
        exports.EXPORT_COLUMNS
    )
