"""Budget-optimal shortlist as a 0/1 MILP (scipy.optimize.milp, HiGHS), plus greedy and DP baselines.

Pure numpy/scipy, no Django. One binary x_i per candidate account:

    maximise   sum(value_i x_i)
    subject to sum(fee_i x_i) <= budget
               min_count <= sum(x_i) <= max_count
               sum(x_i for i of creator g) <= 1           (one account per creator)
               x_i = 0 where fee_i > max_share * budget   (no creator takes more than the share)
               x_i = 1 for pinned accounts

Fees are handled in integer cents so "never over budget" holds exactly, not within a float tolerance.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import coo_array, vstack

DEFAULT_TIME_LIMIT = 10.0  # seconds
DEFAULT_MIP_REL_GAP = 5e-4  # 0.05 %: inside the 0.1 % target; tighter gaps cost seconds on large briefs
CORE_MIP_REL_GAP = 1e-5  # the core solve supplies the incumbent for pruning: tight, but time-capped


@dataclass(frozen=True)
class Problem:
    """Candidates as parallel arrays: fee (money), value (objective), group (creator id), pinned flag."""

    fee: np.ndarray
    value: np.ndarray
    group: np.ndarray
    pinned: np.ndarray
    budget: float
    min_count: int = 0
    max_count: int | None = None
    max_share: float | None = None  # 0 < share <= 1 of the budget per creator

    @property
    def size(self) -> int:
        """Number of candidates."""
        return len(self.fee)


@dataclass(frozen=True)
class Solution:
    """Chosen candidate indices with totals, proof status and, when infeasible, the reason."""

    selected: np.ndarray
    total_fee: float
    objective: float
    feasible: bool
    optimal: bool
    gap: float | None  # relative gap between the answer and the solver's proven bound
    bound: float | None  # the proven upper bound on the objective
    method: str
    seconds: float
    constraint: str | None = None  # which constraint made the problem infeasible
    explanation: str = ""
    extra: dict = field(default_factory=dict)


def _cents(values: np.ndarray | float) -> np.ndarray:
    return np.rint(np.asarray(values, dtype=np.float64) * 100.0).astype(np.int64)


def _cap_cents(problem: Problem) -> int:
    budget = int(_cents(problem.budget))
    if problem.max_share is None or problem.max_share >= 1:
        return budget
    return int(np.floor(problem.budget * problem.max_share * 100.0 + 1e-6))


def validate(problem: Problem) -> None:
    """Raise ValueError naming the first malformed input."""
    n = problem.size
    for name in ("value", "group", "pinned"):
        if len(getattr(problem, name)) != n:
            raise ValueError(f"{name} has {len(getattr(problem, name))} entries, fee has {n}")
    if n and (not np.all(np.isfinite(problem.fee)) or np.any(problem.fee < 0)):
        raise ValueError("fees must be finite and non-negative")
    if n and (not np.all(np.isfinite(problem.value)) or np.any(problem.value < 0)):
        raise ValueError("values must be finite and non-negative")
    if problem.max_share is not None and not 0 < problem.max_share <= 1:
        raise ValueError("max_share must be in (0, 1]")
    if problem.min_count < 0:
        raise ValueError("min_count cannot be negative")
    if problem.max_count is not None and problem.max_count < problem.min_count:
        raise ValueError(f"max_count ({problem.max_count}) is below min_count ({problem.min_count})")


def explain_infeasible(problem: Problem) -> tuple[str, str, dict] | None:
    """The constraint that makes the problem infeasible, a sentence and numbers; None when feasible."""
    fee = _cents(problem.fee)
    budget = int(_cents(problem.budget))
    cap = _cap_cents(problem)
    pinned = np.flatnonzero(problem.pinned)
    if budget <= 0:
        return "budget", "The budget must be more than zero.", {"budget": problem.budget}
    pinned_groups, counts = np.unique(problem.group[pinned], return_counts=True)
    if np.any(counts > 1):
        return (
            "one_per_creator",
            "Two pinned accounts belong to the same creator; only one account per creator may be chosen.",
            {"creators": pinned_groups[counts > 1].tolist()},
        )
    over_cap = pinned[fee[pinned] > cap]
    if len(over_cap):
        return (
            "max_share",
            f"A pinned creator costs {fee[over_cap].max() / 100:.2f}, more than the maximum share "
            f"per creator ({cap / 100:.2f}).",
            {"candidates": over_cap.tolist(), "cap": cap / 100},
        )
    pinned_fee = int(fee[pinned].sum())
    if pinned_fee > budget:
        return (
            "budget",
            f"The pinned creators alone cost {pinned_fee / 100:.2f}, over the budget of {budget / 100:.2f}.",
            {"pinned_fee": pinned_fee / 100, "budget": budget / 100},
        )
    if problem.max_count is not None and len(pinned) > problem.max_count:
        return (
            "max_creators",
            f"{len(pinned)} creators are pinned but at most {problem.max_count} may be chosen.",
            {"pinned": len(pinned), "max_creators": problem.max_count},
        )
    need = problem.min_count - len(pinned)
    if need <= 0:
        return None
    free = np.ones(problem.size, dtype=bool)
    free[pinned] = False
    free &= fee <= cap
    free &= ~np.isin(problem.group, problem.group[pinned])
    groups = problem.group[free]
    if len(np.unique(groups)) < need:
        within = (
            "at a fee within the budget"
            if cap >= budget
            else f"at a fee within the per-creator cap of {cap / 100:.2f}"
        )
        available = int(len(np.unique(groups)) + len(pinned))
        return (
            "min_creators",
            f"Only {available} creators match the brief {within}, but at least {problem.min_count} "
            "are required.",
            {"available": available, "min_creators": problem.min_count},
        )
    # Cheapest account of each remaining creator; the cheapest `need` of them is the least spend possible.
    order = np.lexsort((fee[free], groups))
    g_sorted, f_sorted = groups[order], fee[free][order]
    first = np.ones(len(g_sorted), dtype=bool)
    first[1:] = g_sorted[1:] != g_sorted[:-1]
    cheapest = np.sort(f_sorted[first])[:need]
    least = pinned_fee + int(cheapest.sum())
    if least > budget:
        return (
            "budget",
            f"The cheapest {problem.min_count} creators that match the brief cost {least / 100:.2f}, "
            "over the "
            f"budget of {budget / 100:.2f}. Raise the budget or lower the minimum number of creators.",
            {"least_cost": least / 100, "budget": budget / 100, "min_creators": problem.min_count},
        )
    return None


def _infeasible(problem: Problem, reason: tuple[str, str, dict], method: str, started: float) -> Solution:
    constraint, sentence, extra = reason
    return Solution(
        selected=np.array([], dtype=np.int64),
        total_fee=0.0,
        objective=0.0,
        feasible=False,
        optimal=False,
        gap=None,
        bound=None,
        method=method,
        seconds=time.perf_counter() - started,
        constraint=constraint,
        explanation=sentence,
        extra=extra,
    )


PRUNE_ABOVE = 500  # above this many candidates, prune with LP bounds first (1,000 solve faster pruned)
CORE_SIZE = 200  # candidates (best reduced value first) in the MILP that supplies the incumbent


def _milp(
    problem: Problem,
    fee: np.ndarray,
    budget: int,
    idx: np.ndarray,
    *,
    time_limit: float,
    mip_rel_gap: float,
    relax: bool = False,
) -> Any:
    """Build and run the MILP (or its LP relaxation) over the candidates ``idx``."""
    n = len(idx)
    f, v, g, pin = fee[idx].astype(np.float64), problem.value[idx], problem.group[idx], problem.pinned[idx]
    ones = np.ones(n)
    cols = np.arange(n)
    zeros = np.zeros(n, dtype=np.int64)
    rows = [coo_array((f, (zeros, cols)), shape=(1, n)), coo_array((ones, (zeros, cols)), shape=(1, n))]
    lower = [-np.inf, float(problem.min_count)]
    upper = [budget + 0.5, float(problem.max_count) if problem.max_count is not None else np.inf]  # cents
    _, inverse, counts = np.unique(g, return_inverse=True, return_counts=True)
    shared = counts[inverse] > 1  # creators with several accounts need a row
    if shared.any():
        row_of_group = np.cumsum(counts > 1) - 1
        sel = np.flatnonzero(shared)
        n_rows = int((counts > 1).sum())
        rows.append(coo_array((ones[sel], (row_of_group[inverse[sel]], sel)), shape=(n_rows, n)))
        lower.extend([-np.inf] * n_rows)
        upper.extend([1.0] * n_rows)
    matrix = vstack(rows).tocsr()
    options = {"time_limit": time_limit, "disp": False}
    if relax:
        # Budget and count rows only: any non-negative duals give a valid bound, and the pruning
        # handles one-account-per-creator exactly; 3 rows solve in milliseconds even for 100k columns.
        return linprog(
            -v,
            A_ub=vstack([matrix[:2], -matrix[1:2]]).tocsr(),
            b_ub=np.array([upper[0], upper[1] if np.isfinite(upper[1]) else n, -lower[1]]),
            bounds=np.column_stack([pin.astype(float), ones]),
            method="highs",
            options={"time_limit": time_limit},
        )
    return milp(
        c=-v,
        constraints=LinearConstraint(matrix, np.array(lower, dtype=float), np.array(upper, dtype=float)),
        integrality=np.ones(n),
        bounds=Bounds(pin.astype(float), ones),
        options={**options, "mip_rel_gap": mip_rel_gap},
    )


GOLDEN_STEPS = 30  # golden-section steps on the count multiplier: the interval shrinks by 0.618^30 ~ 5e-7


def _lagrange_multipliers(
    f: np.ndarray, v: np.ndarray, pin: np.ndarray, budget: int, min_count: int, max_count: int | None
) -> tuple[float, float]:
    """Multipliers (lam for the budget, mu for the count: >0 max, <0 min) minimising the dual bound.

    For a fixed mu the best lam is the critical value-per-cent ratio (Dantzig's bound), found by
    sorting; the bound is convex in mu, so a golden-section search finds mu. Any multipliers are
    valid for pruning; good ones prune more.
    """
    upper = max_count if max_count is not None else len(f)
    free = ~pin
    capacity = budget - f[pin].sum()
    v_free, f_free = v[free], f[free]

    def best_lam(mu: float) -> float:
        gain = v_free - mu
        positive = (gain > 0) & (f_free > 0)
        ratio = gain[positive] / f_free[positive]
        cost = f_free[positive]
        order = np.argsort(-ratio, kind="stable")
        k = np.searchsorted(np.cumsum(cost[order]), capacity, side="right")
        return float(ratio[order[k]]) if k < len(order) else 0.0

    def bound(mu: float) -> float:
        lam = best_lam(mu)
        d = v - lam * f - mu
        return (
            lam * budget
            + max(mu, 0) * upper
            - max(-mu, 0) * min_count
            + np.maximum(d[free], 0).sum()
            + d[pin].sum()
        )

    # mu = 0 is optimal when the count bounds do not bind at the budget-only multiplier.
    lam0 = best_lam(0.0)
    chosen0 = int(((v_free - lam0 * f_free) > 0).sum()) + int(pin.sum())
    if min_count <= chosen0 <= upper:
        return lam0, 0.0
    v_max = float(v.max()) if len(v) else 0.0
    lo, hi = (0.0, v_max) if chosen0 > upper else (-v_max, 0.0)
    golden = (np.sqrt(5) - 1) / 2
    a, b = lo, hi
    c, e = b - golden * (b - a), a + golden * (b - a)
    fc, fe = bound(c), bound(e)
    for _ in range(GOLDEN_STEPS):
        if fc <= fe:
            b, e, fe = e, c, fc
            c = b - golden * (b - a)
            fc = bound(c)
        else:
            a, c, fc = c, e, fe
            e = a + golden * (b - a)
            fe = bound(e)
    mu = (a + b) / 2
    if bound(0.0) <= bound(mu):
        mu = 0.0
    return best_lam(mu), mu


def _branched_lp_bounds(f: np.ndarray, v: np.ndarray, pin: np.ndarray, budget: int) -> np.ndarray:
    """Upper bound on the objective of any answer containing each candidate (budget-only LP).

    For candidate i: value_i + the Dantzig LP bound with the budget minus its fee, branching on the
    LP's critical (fractional) item c (max of "c out" and "c in"), as in Martello and Toth's U2. The
    count and one-per-creator rules are relaxed, so the bound stays valid; +inf where not computed.
    """
    n = len(f)
    out = np.full(n, np.inf)
    free = np.flatnonzero(~pin & (f > 0))
    capacity = budget - f[pin].sum()
    base = v[pin].sum() + v[~pin & (f <= 0)].sum()
    if not len(free):
        return out
    order = free[np.argsort(-(v[free] / f[free]), kind="stable")]
    spent = np.cumsum(f[order])
    k = int(np.searchsorted(spent, capacity, side="right"))
    if k >= len(order):
        return out  # everything fits: nothing to prune
    crit = order[k]
    rest = np.delete(order, k)
    cf = np.concatenate([[0.0], np.cumsum(f[rest])])
    cv = np.concatenate([[0.0], np.cumsum(v[rest])])
    ratio = np.append(v[rest] / f[rest], 0.0)

    def dantzig(caps: np.ndarray) -> np.ndarray:
        j = np.searchsorted(cf, np.maximum(caps, 0.0), side="right") - 1
        j = np.minimum(j, len(rest))
        value = cv[j] + (np.maximum(caps, 0.0) - cf[j]) * ratio[j]
        return np.where(caps < 0, -np.inf, value)

    caps = capacity - f[free]
    without_c = dantzig(caps)
    with_c = v[crit] + dantzig(caps - f[crit])
    out[free] = base + v[free] + np.maximum(without_c, with_c)
    out[crit] = base + v[crit] + dantzig(np.array([capacity - f[crit]]))[0]
    return out


def _reduced_cost_fixing(
    problem: Problem,
    fee: np.ndarray,
    budget: int,
    idx: np.ndarray,
    *,
    deadline: float,
    core_seconds: float,
) -> tuple[np.ndarray, np.ndarray | None, float]:
    """Drop candidates that provably cannot be in any answer better than a known feasible one.

    Returns the kept candidates, that feasible answer (indices) when one was found, and the bound.

    From the LP duals (lam for the budget, mu for the count bounds), every feasible x satisfies
    value(x) <= lam*B + mu_up*U - mu_lo*L + sum over creators of max(0, best reduced value d_i),
    with d_i = v_i - lam*f_i - mu_up + mu_lo. Forcing x_i = 1 replaces its creator's term by d_i; if
    that bound is below the value of a feasible answer (a MILP over the best-ranked core), x_i = 0.
    """
    f, v, g, pin = fee[idx].astype(np.float64), problem.value[idx], problem.group[idx], problem.pinned[idx]
    upper_count = problem.max_count if problem.max_count is not None else len(idx)
    lam, mu = _lagrange_multipliers(f, v, pin, budget, problem.min_count, problem.max_count)
    mu_up, mu_lo = max(mu, 0.0), max(-mu, 0.0)
    d = v - lam * f - mu_up + mu_lo
    _, inverse = np.unique(g, return_inverse=True)
    best = np.zeros(inverse.max() + 1)
    np.maximum.at(best, inverse, np.where(pin, -np.inf, d))
    best = np.maximum(best, 0.0)
    best[inverse[pin]] = d[pin]  # a pinned account is forced, whatever its sign
    bound = lam * budget + mu_up * upper_count - mu_lo * problem.min_count + best.sum()
    core = idx[np.argsort(-d, kind="stable")[:CORE_SIZE]]
    core = np.union1d(core, idx[pin])
    trial = _milp(
        problem,
        fee,
        budget,
        core,
        time_limit=max(min(deadline - time.perf_counter(), core_seconds), 0.1),
        mip_rel_gap=CORE_MIP_REL_GAP,
    )
    # The incumbent is the better of the core MILP and the greedy pick (which is often within one
    # item of the bound on plain knapsacks, and needs no solver time).
    incumbents = [] if trial.x is None else [core[trial.x > 0.5]]
    quick = greedy(problem)
    if quick.feasible:
        incumbents.append(quick.selected)
    if not incumbents:
        return idx, None, bound
    best_set = max(incumbents, key=lambda sel: float(problem.value[sel].sum()))
    incumbent = float(problem.value[best_set].sum())
    upper_i = bound - best[inverse] + d
    tolerance = 1e-7 * max(1.0, abs(incumbent))
    keep = pin | (upper_i >= incumbent - tolerance)
    keep &= _branched_lp_bounds(f, v, pin, budget) >= incumbent - tolerance
    return idx[keep], best_set, bound


def solve(
    problem: Problem, *, time_limit: float = DEFAULT_TIME_LIMIT, mip_rel_gap: float = DEFAULT_MIP_REL_GAP
) -> Solution:
    """Solve the shortlist MILP exactly (to ``mip_rel_gap``) with HiGHS, or explain why it is infeasible."""
    started = time.perf_counter()
    validate(problem)
    reason = explain_infeasible(problem)
    if reason:
        return _infeasible(problem, reason, "milp", started)
    fee = _cents(problem.fee)
    budget = int(_cents(problem.budget))
    eligible = np.flatnonzero((fee <= _cap_cents(problem)) | problem.pinned)
    # Creators with a pinned account take no other account.
    pinned_groups = problem.group[problem.pinned]
    eligible = eligible[problem.pinned[eligible] | ~np.isin(problem.group[eligible], pinned_groups)]
    if not len(eligible):  # nothing fits and nothing is required: the empty set is optimal
        return Solution(
            selected=np.array([], dtype=np.int64),
            total_fee=0.0,
            objective=0.0,
            feasible=True,
            optimal=True,
            gap=0.0,
            bound=0.0,
            method="milp",
            seconds=time.perf_counter() - started,
            extra={"fixed_out": 0, "solved_over": 0},
        )
    fixed_out, fallback, lagrange_bound = 0, None, np.inf
    if len(eligible) > PRUNE_ABOVE:
        kept, fallback, lagrange_bound = _reduced_cost_fixing(
            problem,
            fee,
            budget,
            eligible,
            deadline=started + time_limit / 2,
            core_seconds=min(1.0, time_limit / 4),
        )
        fixed_out = len(eligible) - len(kept)
        eligible = kept
    remaining = max(time_limit - (time.perf_counter() - started), 0.1)
    result = _milp(problem, fee, budget, eligible, time_limit=remaining, mip_rel_gap=mip_rel_gap)
    if result.x is None and fallback is None:
        if result.status == 2:
            return _infeasible(
                problem,
                ("brief", "No set of creators satisfies the brief's constraints together.", {}),
                "milp",
                started,
            )
        return _infeasible(
            problem,
            ("time_limit", f"The solver found no answer within {time_limit:g} s: {result.message}", {}),
            "milp",
            started,
        )
    chosen = eligible[np.flatnonzero(result.x > 0.5)] if result.x is not None else fallback
    # On a time limit the solver's answer can be worse than the pruning's incumbent: keep the better.
    if fallback is not None and problem.value[fallback].sum() > problem.value[chosen].sum():
        chosen = fallback
    total_cents = int(fee[chosen].sum())
    if total_cents > budget:  # guard against solver tolerances: never report an over-budget answer
        raise RuntimeError(f"solver returned {total_cents} cents over a budget of {budget}")
    objective = float(problem.value[chosen].sum())
    dual = getattr(result, "mip_dual_bound", None)
    # Both bounds are valid for the whole problem; report the tighter one.
    bound = min(float(-dual) if dual is not None and np.isfinite(dual) else np.inf, lagrange_bound)
    bound = None if not np.isfinite(bound) else bound
    # Gap relative to the answer, as HiGHS reports it; 0 when the bound is met.
    gap = None if bound is None else max(bound - objective, 0.0) / max(abs(objective), 1e-9)
    if bound is not None and bound <= 1e-9 and objective == 0:
        gap = 0.0
    return Solution(
        selected=np.sort(chosen),
        total_fee=total_cents / 100,
        objective=objective,
        feasible=True,
        optimal=bool(result.status == 0 and gap is not None and gap <= mip_rel_gap),
        gap=gap,
        bound=bound,
        method="milp",
        seconds=time.perf_counter() - started,
        extra={"fixed_out": fixed_out, "solved_over": len(eligible)},
    )


def greedy(problem: Problem) -> Solution:
    """Pinned first, then best value per unit of fee while the budget and the brief allow (no proof)."""
    started = time.perf_counter()
    validate(problem)
    fee = _cents(problem.fee)
    budget = int(_cents(problem.budget))
    cap = _cap_cents(problem)
    max_count = problem.max_count if problem.max_count is not None else problem.size
    ratio = np.where(fee > 0, problem.value / np.maximum(fee, 1), np.inf)
    by_ratio = np.argsort(-ratio, kind="stable")
    order = np.concatenate([np.flatnonzero(problem.pinned), by_ratio[~problem.pinned[by_ratio]]])
    spent, chosen, used = 0, [], set()
    for i in order:
        if len(chosen) >= max_count:
            break
        gid = int(problem.group[i])
        if gid in used or fee[i] > cap or spent + fee[i] > budget:
            continue
        chosen.append(int(i))
        used.add(gid)
        spent += int(fee[i])
    selected = np.array(sorted(chosen), dtype=np.int64)
    feasible = len(selected) >= problem.min_count
    return Solution(
        selected=selected,
        total_fee=spent / 100,
        objective=float(problem.value[selected].sum()) if len(selected) else 0.0,
        feasible=feasible,
        optimal=False,
        gap=None,
        bound=None,
        method="greedy",
        seconds=time.perf_counter() - started,
        constraint=None if feasible else "min_creators",
        explanation=""
        if feasible
        else "The greedy pick ran out of budget before the minimum number of creators.",
    )


def knapsack_dp_value(fee: np.ndarray, value: np.ndarray, budget: float, *, unit: float = 1.0) -> float:
    """Exact 0/1 knapsack optimum by dynamic programming in ``unit`` budget steps (fees must be multiples).

    O(n x budget/unit) time, O(budget/unit) memory: for checking the MILP on small instances only.
    """
    weights = np.rint(np.asarray(fee, dtype=np.float64) / unit).astype(np.int64)
    if not np.allclose(weights * unit, fee):
        raise ValueError("every fee must be a multiple of unit")
    capacity = int(np.floor(budget / unit + 1e-9))
    best = np.zeros(capacity + 1)
    for w, val in zip(weights, np.asarray(value, dtype=np.float64), strict=True):
        if w > capacity:
            continue
        if w == 0:
            best += val
            continue
        best[w:] = np.maximum(best[w:], best[:-w] + val)
    return float(best[-1])
