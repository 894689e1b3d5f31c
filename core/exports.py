"""Spreadsheet-safe export cells, shared by every CSV/XLSX download (search, reports, rejected rows)."""

from __future__ import annotations

from typing import Any

# A cell starting with one of these is read as a formula (or DDE) by Excel, LibreOffice or Sheets
# (OWASP "CSV injection"); a leading apostrophe makes it plain text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")


def safe_cell(value: Any) -> Any:
    """Formula-like text gets a leading apostrophe; other values pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
