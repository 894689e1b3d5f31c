"""Post results: save one, delete one, import a CSV (all rows or none)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.dateparse import parse_date

from campaigns.models import (
    Campaign,
    PostResult,
    ShortlistEntry,
)
from campaigns.services._common import (
    MAX_IMPORT_ROWS,
    RESULT_FIELDS,
    AnyUser,
    _audit,
    _require,
    _snapshot,
)
from core.exceptions import ApplicationError
from core.services.audit import audit_changes


@transaction.atomic
def result_save(*, user: AnyUser, entry: ShortlistEntry, post_ref: str, **data: Any) -> PostResult:
    """Create or replace the results of one published post."""
    _require(user, entry.campaign, "this campaign's results")
    post_ref = (post_ref or "").strip()
    if not post_ref:
        raise ValidationError({"post_ref": "Give the post's URL or id."})
    result = PostResult.objects.select_for_update().filter(entry=entry, post_ref=post_ref).first()
    created = result is None
    result = result or PostResult(entry=entry, post_ref=post_ref)
    before = {} if created else _snapshot(result, RESULT_FIELDS)
    for key, value in data.items():
        if key not in RESULT_FIELDS:
            raise ApplicationError(f"Unknown result field {key!r}.", {"field": key})
        setattr(result, key, value)
    result.full_clean(validate_unique=False)
    result.save()
    result.refresh_from_db()
    changes = audit_changes(before=before, after=_snapshot(result, RESULT_FIELDS))
    _audit(user, entry.campaign, result, "create" if created else "update", changes)
    return result


@transaction.atomic
def result_delete(*, user: AnyUser, result: PostResult) -> None:
    """Delete one post's results."""
    campaign = result.entry.campaign
    _require(user, campaign, "this campaign's results")
    _audit(user, campaign, result, "delete", audit_changes(before=_snapshot(result, RESULT_FIELDS), after={}))
    result.delete()


@dataclass
class ImportReport:
    """What a results CSV did: rows saved, or every error with its row number."""

    saved: int = 0
    errors: list[str] = field(default_factory=list)


INT_COLUMNS = (
    "views",
    "reach",
    "impressions",
    "likes",
    "comments",
    "shares",
    "saves",
    "clicks",
    "conversions",
)
MONEY_COLUMNS = ("revenue", "cost")
REQUIRED_COLUMNS = ("handle", "post")
KNOWN_COLUMNS = (*REQUIRED_COLUMNS, "platform", "published_on", *INT_COLUMNS, *MONEY_COLUMNS)


def _parse_row(row: dict[str, str], line: int, errors: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for col in INT_COLUMNS:
        raw = (row.get(col) or "").strip().replace(",", "")
        if raw:
            try:
                out[col] = int(float(raw)) if float(raw).is_integer() else None
                if out[col] is None or out[col] < 0:
                    raise ValueError
            except ValueError:
                errors.append(f"row {line}: {col} must be a whole number of 0 or more, got {raw!r}")
        else:
            out[col] = None
    for col in MONEY_COLUMNS:
        raw = (row.get(col) or "").strip().replace(",", "").lstrip("£$€")
        try:
            out[col] = Decimal(raw).quantize(Decimal("0.01")) if raw else None
            if out[col] is not None and (out[col] < 0 or not out[col].is_finite()):
                raise InvalidOperation
        except InvalidOperation:
            errors.append(f"row {line}: {col} must be an amount of 0 or more, got {raw!r}")
    raw_date = (row.get("published_on") or "").strip()
    if raw_date:
        try:
            out["published_on"] = parse_date(raw_date)
        except ValueError:
            out["published_on"] = None
        if out["published_on"] is None:
            errors.append(f"row {line}: published_on must be a date as YYYY-MM-DD, got {raw_date!r}")
    return out


def results_import(*, user: AnyUser, campaign: Campaign, content: bytes) -> ImportReport:
    """Import post results from CSV (handle, post, metrics...); all rows or none, errors by row number."""
    _require(user, campaign, "this campaign's results")
    report = ImportReport()
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.errors.append("The file is not UTF-8 text; export it as CSV (UTF-8).")
        return report
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip().lower() for c in (reader.fieldnames or [])]
    reader.fieldnames = columns
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    unknown = [c for c in columns if c not in KNOWN_COLUMNS]
    if missing or unknown:
        if missing:
            report.errors.append(f"Missing column(s): {', '.join(missing)}.")
        if unknown:
            report.errors.append(
                f"Unknown column(s): {', '.join(unknown)}. Known: {', '.join(KNOWN_COLUMNS)}."
            )
        return report
    entries: dict[str, list[ShortlistEntry]] = {}
    for e in campaign.entries.select_related("profile"):
        entries.setdefault(e.profile.handle, []).append(e)
    parsed = []
    for line, row in enumerate(reader, start=2):
        if line - 1 > MAX_IMPORT_ROWS:
            report.errors.append(f"The file has more than {MAX_IMPORT_ROWS} rows; split it.")
            break
        handle = (row.get("handle") or "").strip().lstrip("@").lower()
        post = (row.get("post") or "").strip()
        platform = (row.get("platform") or "").strip().lower()
        matches = [e for e in entries.get(handle, []) if not platform or e.profile.platform == platform]
        if not handle or not post:
            report.errors.append(f"row {line}: handle and post are required")
            continue
        if not matches:
            report.errors.append(f"row {line}: @{handle} is not on this campaign's shortlist")
            continue
        if len(matches) > 1:
            report.errors.append(
                f"row {line}: @{handle} is on the shortlist on several platforms; add a platform column"
            )
            continue
        n_errors = len(report.errors)
        values = _parse_row(row, line, report.errors)
        if len(report.errors) == n_errors:
            parsed.append((matches[0], post, values))
    if report.errors:
        return report
    with transaction.atomic():
        for entry, post, values in parsed:
            result_save(user=user, entry=entry, post_ref=post, **values)
    report.saved = len(parsed)
    return report
