"""CSV and XLSX exports of a campaign report, safe against spreadsheet formula injection."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils.text import slugify
from openpyxl import Workbook

from campaigns.kpis import COUNT_FIELDS, Kpis
from campaigns.selectors import CampaignReport
from core.exports import safe_cell

HEADER = [
    "creator",
    "platform",
    "status",
    "posts",
    *COUNT_FIELDS,
    "revenue",
    "cost",
    "cpe",
    "cpm",
    "cpm_basis",
    "cpv",
    "roi",
]


def _kpi_cells(k: Kpis) -> list[Any]:
    return [
        k.posts,
        *[k.totals[f] for f in COUNT_FIELDS],
        k.revenue,
        k.cost,
        k.cpe,
        k.cpm,
        k.cpm_basis or "",
        k.cpv,
        k.roi,
    ]


def report_rows(report: CampaignReport) -> list[list[Any]]:
    """Header, one row per creator and a total row, with formula-like text neutralised."""
    rows: list[list[Any]] = [HEADER]
    for r in report.rows:
        rows.append(
            [f"@{r.entry.profile.handle}", r.entry.profile.platform, r.entry.status, *_kpi_cells(r.kpis)]
        )
    rows.append(["TOTAL", "", "", *_kpi_cells(report.total)])
    return [[safe_cell(c) for c in row] for row in rows]


def _filename(report: CampaignReport, ext: str) -> str:
    return f"{slugify(report.campaign.name) or 'campaign'}-report.{ext}"


def report_csv_response(report: CampaignReport) -> HttpResponse:
    """The report as a CSV download."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in report_rows(report):
        writer.writerow(["" if c is None else c for c in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, "csv")}"'
    return response


def report_xlsx_response(report: CampaignReport) -> HttpResponse:
    """The report as an XLSX download (numbers stay numbers; text never becomes a formula)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Report"
    for row in report_rows(report):
        sheet.append([float(c) if isinstance(c, Decimal) else c for c in row])
    for cell in (c for row in sheet.iter_rows() for c in row):
        if isinstance(cell.value, str):
            cell.data_type = "s"  # store as a string even if it starts with '='
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, "xlsx")}"'
    return response
