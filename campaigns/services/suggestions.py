"""The budget-optimal suggestion (exact MILP) beside greedy and one macro creator."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from campaigns import optimizer
from campaigns.models import (
    Campaign,
    ShortlistEntry,
)
from campaigns.selectors import best_macro_candidate, objective_field, suggestion_candidates
from campaigns.services._common import (
    AnyUser,
    _require,
)
from campaigns.services.shortlists import entry_add
from core.exceptions import ApplicationError
from core.permissions import Action, can
from discovery.models import Profile


@dataclass
class Pick:
    """One account of a suggestion."""

    profile_id: int
    handle: str
    platform: str
    fee: Decimal
    objective: float
    pinned: bool


@dataclass
class Suggestion:
    """The exact answer, the macro and greedy comparisons, or why the brief is infeasible."""

    objective_name: str
    budget: Decimal
    candidates: int
    feasible: bool
    picks: list[Pick] = field(default_factory=list)
    total_fee: Decimal = Decimal(0)
    objective_value: float = 0.0
    optimal: bool = False
    gap: float | None = None
    bound: float | None = None
    seconds: float = 0.0
    constraint: str | None = None
    explanation: str = ""
    greedy: dict[str, Any] | None = None
    macro: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def gap_pct(self) -> float | None:
        """The proven gap in percent."""
        return None if self.gap is None else self.gap * 100


def _money(value: float) -> Decimal:
    """A float amount from the optimizer as Decimal with two places."""
    return Decimal(str(round(float(value), 2))).quantize(Decimal("0.01"))


def _picks(indices: np.ndarray, cands: Any, profiles: dict[int, Profile], pinned: set[int]) -> list[Pick]:
    out = []
    for i in indices:
        pid = int(cands.profile_ids[i])
        p = profiles[pid]
        out.append(
            Pick(
                pid,
                p.handle,
                p.platform,
                _money(cands.fee[i]),
                float(cands.value[i]),
                pid in pinned,
            )
        )
    return sorted(out, key=lambda x: -x.objective)


def shortlist_suggest(
    *,
    user: AnyUser,
    campaign: Campaign,
    budget: Decimal | None = None,
    min_creators: int = 0,
    max_creators: int | None = None,
    max_share: float | None = None,
    quality_min: int | None = None,
    pinned: list[int] | None = None,
    time_limit: float = optimizer.DEFAULT_TIME_LIMIT,
) -> Suggestion:
    """Best accounts for the brief within budget (exact MILP), beside a greedy pick and one macro creator.

    ``pinned`` defaults to the shortlist's pinned entries; pinned accounts are kept even outside the brief.
    """
    if not can(user, Action.VIEW, campaign):
        raise PermissionDenied("You may not read this campaign.")
    budget = campaign.budget if budget is None else Decimal(budget)
    quality_min = campaign.min_quality if quality_min is None else quality_min
    if pinned is None:
        pinned = list(campaign.entries.filter(pinned=True).values_list("profile_id", flat=True))
    pinned_set = set(pinned)
    cands = suggestion_candidates(campaign=campaign, quality_min=quality_min, pinned_ids=pinned)
    suggestion = Suggestion(
        objective_name=objective_field(campaign), budget=budget, candidates=len(cands.fee), feasible=False
    )
    # Quoted fees on the shortlist beat estimates.
    quoted = dict(campaign.entries.filter(fee__isnull=False).values_list("profile_id", "fee"))
    for i, pid in enumerate(cands.profile_ids.tolist()):
        if pid in quoted:
            cands.fee[i] = float(quoted[pid]) * campaign.deliverables_count
    unpriced = set(cands.profile_ids[np.isnan(cands.fee)].tolist())
    missing = (pinned_set - set(cands.profile_ids.tolist())) | (pinned_set & unpriced)
    if missing:
        suggestion.constraint = "pinned"
        suggestion.explanation = (
            f"{len(missing)} pinned account(s) have neither a quoted fee nor an estimated price, "
            "so the budget cannot account for them. Enter a quoted fee on the shortlist or unpin them."
        )
        return suggestion
    if cands.excluded_currency:
        suggestion.notes.append(
            f"{cands.excluded_currency} matching accounts are priced in another currency and were left out."
        )
    problem = optimizer.Problem(
        fee=cands.fee,
        value=cands.value,
        group=cands.creator_ids,
        pinned=np.isin(cands.profile_ids, list(pinned_set)),
        budget=float(budget),
        min_count=min_creators,
        max_count=max_creators,
        max_share=max_share,
    )
    try:
        optimizer.validate(problem)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    if not len(cands.fee):
        suggestion.constraint = "brief"
        suggestion.explanation = (
            "No account matches the brief (niches, platforms, countries, languages, tiers, minimum quality) "
            "with a known price. Widen the brief or lower the minimum audience quality."
        )
        return suggestion
    solution = optimizer.solve(problem, time_limit=time_limit)
    greedy = optimizer.greedy(problem)
    ids = set(cands.profile_ids[solution.selected].tolist()) | set(
        cands.profile_ids[greedy.selected].tolist()
    )
    profiles = Profile.objects.in_bulk(ids)
    suggestion.seconds = solution.seconds
    suggestion.greedy = {
        "picks": _picks(greedy.selected, cands, profiles, pinned_set),
        "total_fee": _money(greedy.total_fee),
        "objective": greedy.objective,
        "feasible": greedy.feasible,
    }
    suggestion.macro = best_macro_candidate(campaign=campaign, budget=budget, quality_min=quality_min)
    if not solution.feasible:
        suggestion.constraint = solution.constraint
        suggestion.explanation = solution.explanation
        return suggestion
    if not len(solution.selected):
        suggestion.constraint = "budget"
        suggestion.explanation = (
            f"No account that matches the brief costs {budget} {campaign.currency} or less"
            + (" (or fits the per-creator share)." if max_share else ".")
            + " Raise the budget or widen the brief."
        )
        return suggestion
    suggestion.feasible = True
    suggestion.picks = _picks(solution.selected, cands, profiles, pinned_set)
    suggestion.total_fee = _money(solution.total_fee)
    suggestion.objective_value = solution.objective
    suggestion.optimal = solution.optimal
    suggestion.gap = solution.gap
    suggestion.bound = solution.bound
    return suggestion


@transaction.atomic
def suggestion_accept(*, user: AnyUser, campaign: Campaign, profile_ids: list[int]) -> list[ShortlistEntry]:
    """Add the suggested accounts that are not yet on the shortlist (fees stay estimates until quoted)."""
    _require(user, campaign, "this campaign's shortlist")
    present = set(campaign.entries.values_list("profile_id", flat=True))
    profiles = Profile.objects.in_bulk([p for p in profile_ids if p not in present])
    if len(profiles) != len({p for p in profile_ids if p not in present}):
        raise ApplicationError("Some suggested accounts no longer exist; ask for a new suggestion.")
    return [entry_add(user=user, campaign=campaign, profile=profiles[pid]) for pid in sorted(profiles)]
