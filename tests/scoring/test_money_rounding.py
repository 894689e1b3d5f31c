"""Money without a Decimal per cell: the chunk's float rounding agrees with the decimal arithmetic it
replaced (``Decimal(str(v)).quantize(..., ROUND_HALF_UP)``), ties and near-ties included."""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest

from scoring.selectors import id_array
from scoring.services.chunk import _cpe_decimal, _round_half_up, score_rows_as_dicts


def _decimal_rounding(value: float, places: int) -> float:
    return float(Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


@pytest.mark.parametrize("places", [2, 4])
def test_float_rounding_matches_decimal_half_up_on_ties_and_random_values(places):
    # given: decimal ties (x.xx5 whose float is just below or above it), values a few ulps from a
    # tie, negatives (half away from zero), zero, huge values and random magnitudes
    rng = random.Random(places)
    ties = [2.675, 1.005, 0.125, 0.285, 1.115, 10.005, 1234.565, 0.00005, 0.00015, 2.00025]
    values = ties + [-v for v in ties] + [0.0, -0.0, 1e12, 9.99999999995e8, 5e15, 0.0049999999]
    for _ in range(20_000):
        cents = rng.randrange(0, 10 ** rng.randint(1, 10))
        tie = float(f"{cents}.5e-{places}")
        values += [tie, tie * (1 + 2.0**-52 * rng.randint(-6, 6)), tie * 0.8, tie * 1.2]
        values.append(rng.random() * 10 ** rng.uniform(-3, 8))

    # when
    rounded = _round_half_up(np.array(values), places)

    # then
    expected = [_decimal_rounding(v, places) for v in values]
    mismatched = [(v, e, g) for v, e, g in zip(values, expected, rounded.tolist(), strict=True) if e != g]
    assert mismatched == []


def test_float_rounding_rounds_the_written_decimal_not_the_binary_float():
    # 2.675 and 1.005 are stored a little below (2.67499999..., 1.00499999...): rounding the float
    # itself gives 2.67 and 1.0; the decimal written as "2.675" rounds half up to 2.68
    assert _round_half_up(np.array([2.675, 1.005, -2.675]), 2).tolist() == [2.68, 1.01, -2.68]
    assert round(2.675, 2) == 2.67
    assert round(1.005, 2) == 1.0


def test_float_rounding_keeps_nan_and_refuses_infinity_as_the_decimal_did():
    assert np.isnan(_round_half_up(np.array([np.nan]), 2)[0])
    with pytest.raises(ArithmeticError):
        _round_half_up(np.array([np.inf]), 2)


def test_cost_per_engagement_matches_the_decimal_quotient():
    # given: prices in cents and engagements, some chosen so the quotient is a tie at 4 places
    rng = random.Random(7)
    cents = [rng.randrange(1, 10**8) for _ in range(20_000)]
    prices = np.array([float(Decimal(c).scaleb(-2)) for c in cents] + [1.0, 2.5])
    engaged = np.array([rng.random() * 10 ** rng.uniform(-2, 6) for _ in range(20_000)] + [800.0, 2000.0])
    engaged[:200] = prices[:200] / 0.00125
    where = np.ones(len(prices), dtype=bool)

    # when
    cpe = _round_half_up(prices / engaged, 4, exact=lambda k: _cpe_decimal(prices, engaged, where, k))

    # then: (price as cents) / str(engagements), quantized half up, as the Decimal code computed it
    expected = [
        float((Decimal(f"{p:.2f}") / Decimal(str(e))).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))
        for p, e in zip(prices.tolist(), engaged.tolist(), strict=True)
    ]
    assert cpe.tolist() == expected
    assert cpe[-2:].tolist() == [0.0013, 0.0013]  # 0.00125 exactly: half up


def test_score_rows_as_dicts_gives_money_as_exact_decimals():
    frame = pd.DataFrame(
        {"price": [2.68, np.nan, 1234567890.12], "cpe": [0.1235, 0.0001, np.nan], "signals": ["[]"] * 3}
    )

    rows = score_rows_as_dicts(frame)

    assert [r["price"] for r in rows] == [Decimal("2.68"), None, Decimal("1234567890.12")]
    assert [r["cpe"] for r in rows] == [Decimal("0.1235"), Decimal("0.0001"), None]


def test_id_array_is_one_literal_of_integers_only():
    assert id_array([3, np.int64(1), 2]) == "{3,1,2}"
    assert id_array([]) == "{}"
    with pytest.raises(ValueError, match="invalid literal"):
        id_array(["1}; DROP TABLE x; --"])
