"""The shortlist MILP on hand-built instances whose optimum is known and differs from greedy."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from campaigns.optimizer import Problem, greedy, knapsack_dp_value, solve


def problem(fee, value, *, group=None, pinned=(), budget, **kw) -> Problem:
    n = len(fee)
    pin = np.zeros(n, dtype=bool)
    pin[list(pinned)] = True
    return Problem(
        fee=np.array(fee, dtype=float),
        value=np.array(value, dtype=float),
        group=np.array(group if group is not None else range(n)),
        pinned=pin,
        budget=budget,
        **kw,
    )


def brute_force(p: Problem) -> float:
    """Best objective by enumeration (small instances only)."""
    best = -1.0
    cap = p.budget * (p.max_share or 1)
    for k in range(p.size + 1):
        for combo in itertools.combinations(range(p.size), k):
            idx = list(combo)
            if any(p.pinned[i] and i not in idx for i in range(p.size)):
                continue
            if p.fee[idx].sum() > p.budget + 1e-9 or any(p.fee[i] > cap + 1e-9 for i in idx):
                continue
            if k < p.min_count or (p.max_count is not None and k > p.max_count):
                continue
            if len(set(p.group[idx].tolist())) < k:
                continue
            best = max(best, float(p.value[idx].sum()))
    return best


def test_optimum_beats_greedy_on_a_classic_knapsack() -> None:
    # greedy takes the best ratio (100/60) and then nothing fits; the optimum is the two 50s.
    p = problem([60, 50, 50], [100, 80, 80], budget=100)

    best, naive = solve(p), greedy(p)

    assert best.selected.tolist() == [1, 2]
    assert best.objective == 160
    assert best.optimal
    assert best.gap == pytest.approx(0, abs=1e-9)
    assert naive.objective == 100
    assert best.objective > naive.objective


def test_one_account_per_creator() -> None:
    # accounts 0 and 1 are the same creator: the best pair without that rule would be 0+1.
    p = problem([40, 40, 50, 60], [90, 90, 70, 20], group=[7, 7, 8, 9], budget=100)

    s = solve(p)

    assert s.selected.tolist() == [0, 2]
    assert s.objective == 160 == brute_force(p)


def test_max_share_excludes_expensive_creators() -> None:
    p = problem([80, 30, 30, 30], [200, 60, 60, 60], budget=100, max_share=0.5)

    s = solve(p)

    assert 0 not in s.selected.tolist()
    assert s.objective == 180


def test_min_and_max_creators_are_honoured() -> None:
    fee, value = [10, 20, 30, 40, 50], [15, 35, 40, 70, 95]
    capped = problem(fee, value, budget=100, max_count=2)
    floored = problem(fee, value, budget=100, min_count=4)

    s_cap, s_floor = solve(capped), solve(floored)

    assert len(s_cap.selected) <= 2
    assert s_cap.objective == brute_force(capped) == 165
    assert len(s_floor.selected) >= 4
    assert s_floor.objective == brute_force(floored)


def test_pinned_accounts_are_kept_even_when_poor_value() -> None:
    p = problem([50, 50, 50], [1, 80, 90], pinned=[0], budget=100)

    s = solve(p)

    assert s.selected.tolist() == [0, 2]
    assert s.objective == 91


@pytest.mark.parametrize("seed", range(12))
def test_random_small_instances_match_brute_force_and_never_exceed_budget(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 10
    p = problem(
        rng.integers(5, 60, n).astype(float),
        rng.integers(1, 100, n).astype(float),
        group=rng.integers(0, 7, n),
        budget=float(rng.integers(60, 150)),
        min_count=int(rng.integers(0, 3)),
        max_count=int(rng.integers(3, 6)),
        max_share=0.6,
    )

    s = solve(p)
    expected = brute_force(p)

    if expected < 0:
        assert not s.feasible
        assert s.explanation
    else:
        assert s.feasible
        assert s.objective == pytest.approx(expected)
        assert p.fee[s.selected].sum() <= p.budget
        assert len(set(p.group[s.selected].tolist())) == len(s.selected)
        assert p.min_count <= len(s.selected) <= p.max_count
        assert all(p.fee[s.selected] <= p.budget * 0.6 + 1e-9)


def test_large_instance_is_pruned_and_matches_dynamic_programming() -> None:
    rng = np.random.default_rng(5)
    n = 3000
    followers = np.exp(rng.uniform(np.log(1000), np.log(100_000), n))
    fee = np.round(followers * rng.uniform(0.005, 0.02, n))
    value = followers * 0.38 * rng.uniform(0.5, 1.5, n)
    p = problem(fee, value, budget=8000)

    s = solve(p, mip_rel_gap=1e-9)

    assert s.extra["solved_over"] < n  # reduced-cost fixing removed candidates
    assert s.objective == pytest.approx(knapsack_dp_value(fee, value, 8000), rel=1e-9)
    assert s.total_fee <= 8000


@pytest.mark.parametrize(
    ("kw", "constraint", "words"),
    [
        ({"budget": 100, "min_count": 3}, "budget", "cheapest 3 creators"),
        ({"budget": 1000, "min_count": 5}, "min_creators", "Only 4 creators"),
        ({"budget": 100, "pinned": [2, 3]}, "budget", "pinned creators alone cost"),
        ({"budget": 200, "pinned": [3], "max_share": 0.2}, "max_share", "maximum share"),
        ({"budget": 500, "pinned": [0, 1, 2], "max_count": 2}, "max_creators", "at most 2"),
        ({"budget": 0}, "budget", "more than zero"),
    ],
)
def test_infeasible_briefs_are_explained(kw: dict, constraint: str, words: str) -> None:
    p = problem([40, 45, 60, 90], [10, 10, 10, 10], **kw)

    s = solve(p)

    assert not s.feasible
    assert s.constraint == constraint
    assert words in s.explanation
    assert len(s.selected) == 0


def test_two_pinned_accounts_of_one_creator_are_explained() -> None:
    p = problem([10, 10], [1, 1], group=[3, 3], pinned=[0, 1], budget=100)

    s = solve(p)

    assert s.constraint == "one_per_creator"


def test_malformed_input_is_rejected() -> None:
    with pytest.raises(ValueError, match="max_count"):
        solve(problem([1, 2], [1, 2], budget=10, min_count=3, max_count=2))
    with pytest.raises(ValueError, match="fees"):
        solve(problem([-1, 2], [1, 2], budget=10))


def test_dp_rejects_fees_off_the_grid() -> None:
    with pytest.raises(ValueError, match="multiple"):
        knapsack_dp_value(np.array([1.5]), np.array([1.0]), 10)


@pytest.mark.parametrize(
    "kw",
    [
        {"min_count": 5, "max_count": 12, "max_share": 0.15},
        {"min_count": 30, "max_share": 0.05},
        {"max_count": 3},
        {},
    ],
)
def test_pruning_is_exact_with_every_constraint(monkeypatch, kw: dict) -> None:
    rng = np.random.default_rng(11)
    n = 900
    followers = np.exp(rng.uniform(np.log(1000), np.log(300_000), n))
    fee = np.round(followers * rng.uniform(0.005, 0.02, n), 2)
    p = problem(fee, followers * 0.38, group=rng.integers(0, 600, n), pinned=[3], budget=6000, **kw)

    pruned = solve(p, mip_rel_gap=1e-9, time_limit=60)
    monkeypatch.setattr("campaigns.optimizer.PRUNE_ABOVE", 10**9)
    direct = solve(p, mip_rel_gap=1e-9, time_limit=60)

    assert pruned.extra["solved_over"] < n
    assert pruned.objective == pytest.approx(direct.objective, rel=1e-9)
    assert 3 in pruned.selected.tolist()
    assert pruned.total_fee <= 6000


@given(
    fees=st.lists(st.integers(1, 50), min_size=1, max_size=8),
    data=st.data(),
)
@settings(max_examples=60, deadline=None)
def test_property_matches_brute_force(fees: list[int], data: st.DataObject) -> None:
    n = len(fees)
    values = data.draw(st.lists(st.integers(0, 60), min_size=n, max_size=n))
    groups = data.draw(st.lists(st.integers(0, 4), min_size=n, max_size=n))
    budget = data.draw(st.integers(1, 120))
    lo = data.draw(st.integers(0, 3))
    hi = data.draw(st.one_of(st.none(), st.integers(max(lo, 1), 5)))
    p = problem(fees, values, group=groups, budget=budget, min_count=lo, max_count=hi)

    s = solve(p, mip_rel_gap=0)
    expected = brute_force(p)

    if expected < 0:
        assert not s.feasible
        assert s.explanation
    else:
        assert s.feasible
        assert s.objective == pytest.approx(expected)
        assert p.fee[s.selected].sum() <= budget
