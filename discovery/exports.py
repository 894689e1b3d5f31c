"""CSV and XLSX exports of a search's result set, safe against spreadsheet formula injection."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

from core.exports import safe_cell
from discovery.models import Profile

# Exports are for shortlisting, not for copying the catalogue; the page says so next to the links.
EXPORT_MAX_ROWS = 5000

EXPORT_COLUMNS = [
    "id", "platform", "handle", "name", "followers", "tier", "er", "er_median", "er_method", "er_provenance",
    "growth_30d_pct", "quality", "price_low", "price_high", "price", "price_provenance", "currency",
    "expected_engagements", "expected_reach", "cpe", "niches", "country", "language", "verified", "url",
    "as_of",
]  # fmt: skip
SCORE_COLUMNS = {
    "tier", "er", "er_median", "er_method", "er_provenance", "growth_30d_pct", "quality", "price_low",
    "price_high", "price", "price_provenance", "currency", "expected_engagements", "expected_reach", "cpe",
    "as_of",
}  # fmt: skip


def profile_export_row(profile: Profile) -> list[Any]:
    """One profile as export cells, in EXPORT_COLUMNS order (None for unknown)."""
    try:
        score = profile.score
    except Profile.score.RelatedObjectDoesNotExist:  # type: ignore[attr-defined]
        score = None
    row: list[Any] = []
    for column in EXPORT_COLUMNS:
        if column == "niches":
            value: Any = ", ".join(n.slug for n in profile.niches.all())
        elif column in SCORE_COLUMNS:
            value = getattr(score, column, None) if score else None
        else:
            value = getattr(profile, column)
        if isinstance(value, Decimal):
            value = float(value)
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        row.append(safe_cell(value))
    return row


def profiles_csv(profiles: Iterable[Profile]) -> str:
    """The profiles as CSV text with a header row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    for profile in profiles:
        writer.writerow(["" if v is None else v for v in profile_export_row(profile)])
    return buffer.getvalue()


def profiles_xlsx(profiles: Iterable[Profile], *, note: str = "") -> bytes:
    """The profiles as an XLSX workbook (sheet "profiles", plus an "about" sheet with ``note``)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("profiles")
    sheet.append(EXPORT_COLUMNS)
    for profile in profiles:
        sheet.append(profile_export_row(profile))
    about = workbook.create_sheet("about")
    about.append([safe_cell(note)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
