"""Campaign KPIs from post results (pure: no Django). Definitions in DOMAIN.md, "Campaigns".

CPE = cost / (likes + comments + shares); CPM = cost / impressions x 1000, using a post's reach when
its impressions are unknown (``cpm_basis`` says which); CPV = cost / views; ROI = (revenue - cost) / cost.
A KPI whose denominator is zero or unknown is ``None`` ("not computable"), never 0 or infinity.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

COUNT_FIELDS = (
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
MONEY_FIELDS = ("revenue", "cost")
FOUR_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Kpis:
    """Totals over some post results and the KPIs derived from them."""

    posts: int
    totals: dict[str, int | None]
    revenue: Decimal | None
    cost: Decimal | None
    engagements: int | None
    cpe: Decimal | None
    cpm: Decimal | None
    cpm_basis: str | None  # "impressions", "reach" (fallback), "impressions+reach" (mixed) or None
    cpv: Decimal | None
    roi: Decimal | None
    missing: dict[str, int] = field(default_factory=dict)  # posts lacking each count


def _sum_known(values: list[Any]) -> Any:
    """Sum of the non-null values, or None when every value is null."""
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _ratio(
    numerator: Decimal | None, denominator: float | int | Decimal | None, scale: int = 1
) -> Decimal | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return (numerator * scale / Decimal(denominator)).quantize(FOUR_PLACES)


def compute_kpis(rows: Iterable[Mapping[str, Any]]) -> Kpis:
    """Totals and KPIs over result rows (dicts with COUNT_FIELDS and MONEY_FIELDS; None = unknown)."""
    rows = list(rows)
    totals: dict[str, int | None] = {f: _sum_known([r.get(f) for r in rows]) for f in COUNT_FIELDS}
    missing = {f: sum(1 for r in rows if r.get(f) is None) for f in COUNT_FIELDS}
    revenue = _sum_known([r.get("revenue") for r in rows])
    cost = _sum_known([r.get("cost") for r in rows])
    revenue = Decimal(revenue) if revenue is not None else None
    cost = Decimal(cost) if cost is not None else None
    parts = [totals["likes"], totals["comments"], totals["shares"]]
    engagements = _sum_known(parts)
    # CPM per post: impressions when known, else reach (labelled), never silently mixed.
    seen = [(r.get("impressions"), r.get("reach")) for r in rows]
    used_impr = any(i is not None for i, _ in seen)
    used_reach = any(i is None and re is not None for i, re in seen)
    audience = _sum_known([i if i is not None else re for i, re in seen])
    cpm = _ratio(cost, audience, 1000)
    basis = None
    if cpm is not None:
        basis = "impressions+reach" if used_impr and used_reach else ("impressions" if used_impr else "reach")
    roi = None
    if cost and revenue is not None:
        roi = ((revenue - cost) / cost).quantize(FOUR_PLACES)
    return Kpis(
        posts=len(rows),
        totals=totals,
        revenue=revenue,
        cost=cost,
        engagements=engagements,
        cpe=_ratio(cost, engagements),
        cpm=cpm,
        cpm_basis=basis,
        cpv=_ratio(cost, totals["views"]),
        roi=roi,
        missing=missing,
    )
