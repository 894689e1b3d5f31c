"""Campaign KPIs against hand-computed results."""

from __future__ import annotations

from decimal import Decimal

from campaigns.kpis import compute_kpis


def row(**kw):
    base = dict.fromkeys(
        ("views", "reach", "impressions", "likes", "comments", "shares", "saves", "clicks", "conversions")
    )
    base.update(revenue=None, cost=None)
    base.update(kw)
    return base


def test_totals_and_kpis_by_hand() -> None:
    rows = [
        row(
            views=1000,
            reach=800,
            impressions=2000,
            likes=90,
            comments=8,
            shares=2,
            cost=Decimal("100"),
            revenue=Decimal("250"),
        ),
        row(
            views=3000,
            reach=1200,
            impressions=3000,
            likes=150,
            comments=40,
            shares=10,
            cost=Decimal("150"),
            revenue=Decimal("50"),
        ),
    ]

    k = compute_kpis(rows)

    assert k.posts == 2
    assert k.totals["views"] == 4000
    assert k.totals["impressions"] == 5000
    assert k.engagements == 300  # 90+8+2 + 150+40+10
    assert k.cpe == Decimal("0.8333")  # 250 / 300
    assert k.cpm == Decimal("50.0000")
    assert k.cpm_basis == "impressions"
    assert k.cpv == Decimal("0.0625")  # 250 / 4000
    assert k.roi == Decimal("0.2000")  # (300 - 250) / 250


def test_zero_views_gives_no_cpv_instead_of_infinity() -> None:
    k = compute_kpis([row(views=0, impressions=100, likes=5, comments=0, shares=0, cost=Decimal("10"))])

    assert k.cpv is None
    assert k.cpe == Decimal("2.0000")
    assert k.cpm == Decimal("100.0000")


def test_missing_impressions_fall_back_to_reach_and_say_so() -> None:
    k = compute_kpis([row(reach=4000, cost=Decimal("60"))])

    assert k.cpm == Decimal("15.0000")  # 60 / 4000 * 1000
    assert k.cpm_basis == "reach"
    assert k.missing["impressions"] == 1


def test_mixed_impressions_and_reach_are_labelled_mixed() -> None:
    k = compute_kpis([row(impressions=1000, cost=Decimal("10")), row(reach=1000, cost=Decimal("10"))])

    assert k.cpm == Decimal("10.0000")  # 20 / 2000 * 1000
    assert k.cpm_basis == "impressions+reach"


def test_no_cost_or_no_data_leaves_kpis_empty() -> None:
    empty = compute_kpis([])
    no_cost = compute_kpis([row(views=10, likes=1, revenue=Decimal("5"))])

    assert empty.posts == 0
    assert empty.cpe is None
    assert empty.cpm is None
    assert empty.roi is None
    assert no_cost.cpv is None
    assert no_cost.roi is None
    assert no_cost.cpm_basis is None


def test_zero_cost_has_no_roi() -> None:
    k = compute_kpis([row(views=10, cost=Decimal("0"), revenue=Decimal("5"))])

    assert k.roi is None
    assert k.cpv == Decimal("0.0000")


def test_hidden_likes_count_as_unknown_not_zero() -> None:
    k = compute_kpis([row(likes=None, comments=5, shares=None, cost=Decimal("10"))])

    assert k.engagements == 5
    assert k.missing["likes"] == 1
