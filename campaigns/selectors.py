"""Reads of campaigns, shortlists, suggestion candidates and results, always scoped to the user."""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from django.contrib.auth.models import AnonymousUser, User
from django.db import connections, router
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.http import Http404

from campaigns import kpis
from campaigns.models import (
    INACTIVE_STATUSES,
    Campaign,
    Objective,
    PipelineStatus,
    PostResult,
    ShortlistEntry,
)
from core.models import Organisation
from core.permissions import Action, organisation_ids_for, organisations_for, scope
from discovery.models import Profile
from scoring.models import Tier

AnyUser = User | AnonymousUser


def campaign_list(*, user: AnyUser, status: str | None = None) -> QuerySet[Campaign]:
    """Campaigns the user may read, newest first, with their client and shortlist size."""
    qs = scope(Campaign.objects.all(), user).select_related("organisation", "created_by")
    if status:
        qs = qs.filter(status=status)
    return (
        qs.annotate(entry_count=Count("entries", distinct=True))
        .prefetch_related("niches")
        .order_by("-created_at", "-id")
    )


def campaign_get(*, user: AnyUser, pk: int | str) -> Campaign:
    """One campaign the user may read; another organisation's campaign is a 404."""
    try:
        return scope(Campaign.objects.all(), user).select_related("organisation").get(pk=int(pk))
    except (Campaign.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such campaign.") from exc


def entry_get(*, user: AnyUser, campaign: Campaign, pk: int | str) -> ShortlistEntry:
    """One entry of a campaign the user may read (404 otherwise)."""
    try:
        return (
            ShortlistEntry.objects.select_related("campaign", "campaign__organisation", "profile")
            .filter(campaign=campaign, campaign__organisation__in=organisations_for(user, Action.VIEW))
            .get(pk=int(pk))
        )
    except (ShortlistEntry.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such shortlist entry.") from exc


def client_brands_for(*, user: AnyUser) -> QuerySet[Organisation]:
    """Brands the user may write a brief for (own brand, or an agency's clients)."""
    return organisations_for(user, Action.EDIT).filter(kind=Organisation.Kind.BRAND).order_by("name")


def editable_campaigns(*, user: AnyUser) -> list[Campaign]:
    """Campaigns (not archived) where the user may add to the shortlist, by client then name, with
    what a choice of them shows: id, name and the client's name (other fields load on access)."""
    # Every search page asks, so: no query for a user with no organisation to edit for, and else one
    # statement compiled once per number of organisations, read into light instances (building and
    # compiling the queryset, and whole campaign and organisation rows, cost ~1 ms CPU).
    org_ids = organisation_ids_for(user, Action.EDIT)
    if not org_ids:
        return []
    alias = router.db_for_read(Campaign)
    sql, places = _editable_campaigns_sql(alias, len(org_ids))
    params = [org_ids[place] if isinstance(place, int) else place for place in places]
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    campaigns = []
    for campaign_id, name, org_id, org_name in rows:
        campaign = _from_db(Campaign, alias, {"id": campaign_id, "name": name, "organisation_id": org_id})
        campaign.organisation = _from_db(Organisation, alias, {"id": org_id, "name": org_name})
        campaigns.append(campaign)
    return campaigns


def _from_db(model: type[Any], alias: str, values: dict[str, Any]) -> Any:
    """A model instance with these field values loaded (the others deferred), as a queryset makes it:
    ``Model.from_db`` takes the values in the model's field order."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(alias, names, [values[name] for name in names])


@functools.lru_cache(maxsize=64)
def _editable_campaigns_sql(alias: str, organisations: int) -> tuple[str, tuple[Any, ...]]:
    """The statement of ``editable_campaigns`` for ``organisations`` ids, and its parameters: the
    i-th organisation id as ``i``, the others (the archived status) as they are."""
    placeholders = {-1_000_001 - i: i for i in range(organisations)}  # ids no row has
    compiler = (
        Campaign.objects.not_archived()
        .filter(organisation_id__in=list(placeholders))
        .order_by("organisation__name", "name")
        .values_list("id", "name", "organisation_id", "organisation__name")
        .query.get_compiler(alias)
    )
    sql, params = compiler.as_sql()
    ints = [p for p in params if isinstance(p, int)]
    if sorted(ints) != sorted(placeholders) or compiler.get_converters(
        [col for col, _sql, _alias in compiler.select]
    ):
        raise ValueError(f"unexpected parameters or converters in {sql}")
    return sql, tuple(placeholders[p] if isinstance(p, int) else p for p in params)


def shortlist_entries(*, campaign: Campaign) -> QuerySet[ShortlistEntry]:
    """A campaign's shortlist with each account's creator, scores and result totals."""
    return (
        ShortlistEntry.objects.filter(campaign=campaign)
        .select_related("profile", "profile__creator", "profile__score", "added_by")
        .prefetch_related("profile__niches")
        .annotate(result_posts=Count("results"))
        .order_by("id")
    )


def entry_fee(entry: ShortlistEntry, deliverables: int) -> Decimal | None:
    """What an entry costs: agreed fee, else quoted (or estimated) fee times deliverables, or the gift."""
    if entry.agreed_fee is not None:
        return entry.agreed_fee
    if entry.compensation == "gifted" and entry.gift_value is not None:
        return entry.gift_value
    per_post = entry.fee
    if per_post is None and _has_score(entry.profile):
        per_post = entry.profile.score.price
    return None if per_post is None else per_post * deliverables


def _has_score(profile: Profile) -> bool:
    try:
        profile.score  # noqa: B018 - touch the reverse one-to-one to see if it exists
    except Profile.score.RelatedObjectDoesNotExist:
        return False
    return True


@dataclass
class EntryRow:
    """An entry with what it costs and brings, and how it misses the brief."""

    entry: ShortlistEntry
    cost: Decimal | None
    cost_source: str
    reach: float | None
    engagements: float | None
    warnings: list[str]


@dataclass
class ShortlistSummary:
    """Running totals of a shortlist against the campaign's budget."""

    rows: list[EntryRow]
    total_fee: Decimal
    unpriced: int
    reach: float
    engagements: float
    cpe: Decimal | None
    budget: Decimal
    remaining: Decimal
    used_pct: float
    over_budget: bool


def _brief_warnings(campaign: Campaign, profile: Profile, niche_ids: set[int]) -> list[str]:
    warnings = []
    score = profile.score if _has_score(profile) else None
    if niche_ids and not niche_ids & {n.pk for n in profile.niches.all()}:
        warnings.append("outside the brief's niches")
    if campaign.countries and profile.country and profile.country not in campaign.countries:
        warnings.append(f"country {profile.country} not in the brief")
    if campaign.platforms and profile.platform not in campaign.platforms:
        warnings.append(f"platform {profile.platform} not in the brief")
    if campaign.tiers and score is not None and score.tier and score.tier not in campaign.tiers:
        warnings.append(f"tier {score.tier} not in the brief")
    if campaign.min_quality is not None:
        quality = score.quality if score is not None else None
        if quality is None:
            warnings.append("audience quality unknown")
        elif quality < campaign.min_quality:
            warnings.append(f"audience quality {quality} below {campaign.min_quality}")
    return warnings


def shortlist_summary(*, campaign: Campaign, entries: list[ShortlistEntry] | None = None) -> ShortlistSummary:
    """Fees, expected reach and engagements, CPE and brief warnings of the active shortlist."""
    entries = list(shortlist_entries(campaign=campaign)) if entries is None else entries
    niche_ids = {n.pk for n in campaign.niches.all()}
    n = campaign.deliverables_count
    rows, total, unpriced, reach, engagements = [], Decimal(0), 0, 0.0, 0.0
    priced_engagements = 0.0  # CPE only over entries whose cost is known
    for entry in entries:
        score = entry.profile.score if _has_score(entry.profile) else None
        cost = entry_fee(entry, n)
        source = (
            "agreed" if entry.agreed_fee is not None else ("quoted" if entry.fee is not None else "estimated")
        )
        r = score.expected_reach * n if score is not None and score.expected_reach is not None else None
        e = (
            score.expected_engagements * n
            if score is not None and score.expected_engagements is not None
            else None
        )
        rows.append(EntryRow(entry, cost, source, r, e, _brief_warnings(campaign, entry.profile, niche_ids)))
        if entry.status in INACTIVE_STATUSES:
            continue
        if cost is None:
            unpriced += 1
        else:
            total += cost
        reach += r or 0.0
        engagements += e or 0.0
        if cost is not None:
            priced_engagements += e or 0.0
    budget = campaign.budget
    cpe = (total / Decimal(priced_engagements)).quantize(Decimal("0.0001")) if priced_engagements else None
    return ShortlistSummary(
        rows=rows,
        total_fee=total,
        unpriced=unpriced,
        reach=reach,
        engagements=engagements,
        cpe=cpe,
        budget=budget,
        remaining=budget - total,
        used_pct=float(total / budget * 100) if budget else 0.0,
        over_budget=total > budget,
    )


def profile_campaign_context(*, user: AnyUser, profile: Profile) -> dict[str, Any]:
    """For a profile page: campaigns the user can add this account to, and the relationship history.

    History = every shortlist entry of any account of the same creator in campaigns the user may read,
    with fees, result totals and notes (long-term partnerships over one-off posts).
    """
    editable = list(editable_campaigns(user=user))
    on_list = (
        set(
            ShortlistEntry.objects.filter(profile=profile, campaign__in=[c.pk for c in editable]).values_list(
                "campaign_id", flat=True
            )
        )
        if editable
        else set()
    )
    entries = scope(ShortlistEntry.objects.all(), user, field="campaign__organisation").filter(
        profile__creator_id=profile.creator_id
    )
    # Most creators were never shortlisted by the user's organisations: a plain EXISTS says so, and
    # the history with its five totals (~1.5 ms CPU to build and compile) is read only when it has rows.
    history: list[ShortlistEntry] = []
    if entries.exists():
        history = _history(entries)
    return {
        "profile": profile,
        "campaign_choices": [c for c in editable if c.pk not in on_list],
        "campaigns_with_profile": [c for c in editable if c.pk in on_list],
        "history": history,
    }


def _history(entries: QuerySet[ShortlistEntry]) -> list[ShortlistEntry]:
    """Shortlist entries with their campaign, client, account and result totals, latest campaign first."""
    return list(
        entries.select_related("campaign", "campaign__organisation", "profile")
        .annotate(
            posts=Count("results"),
            views=Sum("results__views"),
            reach=Sum("results__reach"),
            revenue=Sum("results__revenue"),
            cost=Sum("results__cost"),
        )
        .order_by("-campaign__start_date", "-campaign__created_at")
    )


@dataclass
class Candidates:
    """Suggestion candidates as arrays (one row per account), in selector order."""

    profile_ids: np.ndarray
    creator_ids: np.ndarray
    fee: np.ndarray
    value: np.ndarray
    tier: list[str]
    excluded_currency: int


def objective_field(campaign: Campaign) -> str:
    """The ProfileScore field the campaign's objective maximises."""
    return "expected_reach" if campaign.objective == Objective.AWARENESS else "expected_engagements"


def _brief_profiles(campaign: Campaign, *, quality_min: int | None) -> QuerySet[Profile]:
    qs = Profile.objects.filter(
        score__price__isnull=False, **{f"score__{objective_field(campaign)}__isnull": False}
    )
    niche_ids = list(campaign.niches.values_list("pk", flat=True))
    if niche_ids:
        through = Profile.niches.through
        qs = qs.filter(Exists(through.objects.filter(profile_id=OuterRef("pk"), niche_id__in=niche_ids)))
    if campaign.platforms:
        qs = qs.filter(platform__in=campaign.platforms)
    if campaign.countries:
        qs = qs.filter(country__in=campaign.countries)
    if campaign.languages:
        qs = qs.filter(language__in=campaign.languages)
    if quality_min is not None:
        qs = qs.filter(score__quality__gte=quality_min)
    return qs


def suggestion_candidates(
    *, campaign: Campaign, quality_min: int | None, pinned_ids: list[int] | None = None
) -> Candidates:
    """Accounts matching the brief (one query, straight into numpy), plus any pinned accounts."""
    pinned_ids = pinned_ids or []
    qs = _brief_profiles(campaign, quality_min=quality_min)
    if campaign.tiers:
        qs = qs.filter(score__tier__in=campaign.tiers)
    qs = Profile.objects.filter(Q(pk__in=qs.values("pk")) | Q(pk__in=pinned_ids))
    field = objective_field(campaign)
    rows = list(
        qs.values_list(
            "pk", "creator_id", "score__price", f"score__{field}", "score__tier", "score__currency"
        )
    )
    # Pinned accounts come along even without a price (a quoted fee on the shortlist may supply it).
    wanted = [r for r in rows if not r[5] or r[5] == campaign.currency or r[0] in pinned_ids]
    n = campaign.deliverables_count
    return Candidates(
        profile_ids=np.array([r[0] for r in wanted], dtype=np.int64),
        creator_ids=np.array([r[1] for r in wanted], dtype=np.int64),
        fee=np.array([float(r[2]) * n if r[2] is not None else np.nan for r in wanted], dtype=np.float64),
        value=np.array([max(float(r[3] or 0.0), 0.0) * n for r in wanted], dtype=np.float64),
        tier=[r[4] for r in wanted],
        excluded_currency=len(rows) - len(wanted),
    )


def best_macro_candidate(
    *, campaign: Campaign, budget: Decimal, quality_min: int | None
) -> dict[str, Any] | None:
    """The single macro account in the brief's niches with the best objective within the budget."""
    field = objective_field(campaign)
    n = campaign.deliverables_count
    row = (
        _brief_profiles(campaign, quality_min=quality_min)
        .filter(
            score__tier__in=[Tier.MACRO, Tier.MEGA],
            score__price__lte=budget / n,
            score__currency__in=[campaign.currency, ""],
        )
        .order_by(f"-score__{field}", "pk")
        .values("pk", "handle", "platform", "followers", "score__price", f"score__{field}")
        .first()
    )
    if row is None:
        return None
    return {
        "profile_id": row["pk"],
        "handle": row["handle"],
        "platform": row["platform"],
        "followers": row["followers"],
        "fee": row["score__price"] * n,
        "objective": float(row[f"score__{field}"]) * n,
    }


def campaign_results(*, campaign: Campaign) -> QuerySet[PostResult]:
    """A campaign's post results with their creator."""
    return (
        PostResult.objects.filter(entry__campaign=campaign)
        .select_related("entry", "entry__profile")
        .order_by("entry__profile__handle", "published_on", "id")
    )


@dataclass
class CreatorReportRow:
    """One shortlisted account's results and KPIs."""

    entry: ShortlistEntry
    kpis: kpis.Kpis


@dataclass
class CampaignReport:
    """Totals, KPIs, per-creator rows and chart series of a campaign."""

    campaign: Campaign
    total: kpis.Kpis
    rows: list[CreatorReportRow]
    chart: dict[str, list]


def _result_dict(r: PostResult) -> dict[str, Any]:
    return {f: getattr(r, f) for f in (*kpis.COUNT_FIELDS, *kpis.MONEY_FIELDS)}


def campaign_report(*, campaign: Campaign) -> CampaignReport:
    """Everything the report page, its exports and the API show (two queries)."""
    results = list(campaign_results(campaign=campaign))
    entries = (
        ShortlistEntry.objects.filter(campaign=campaign)
        .select_related("profile")
        .prefetch_related(Prefetch("results", queryset=PostResult.objects.order_by("published_on", "id")))
        .order_by("profile__handle")
    )
    rows = [
        CreatorReportRow(entry=e, kpis=kpis.compute_kpis(_result_dict(r) for r in e.results.all()))
        for e in entries
        if e.status in (PipelineStatus.PUBLISHED, PipelineStatus.PAID) or e.results.all()
    ]
    chart = {
        "labels": [f"@{r.entry.profile.handle}" for r in rows],
        "views": [r.kpis.totals["views"] or 0 for r in rows],
        "reach": [r.kpis.totals["reach"] or 0 for r in rows],
        "impressions": [r.kpis.totals["impressions"] or 0 for r in rows],
    }
    return CampaignReport(
        campaign=campaign,
        total=kpis.compute_kpis(_result_dict(r) for r in results),
        rows=rows,
        chart=chart,
    )


STATUS_ORDER = [s for s in PipelineStatus if s not in INACTIVE_STATUSES] + list(INACTIVE_STATUSES)
# The one-click "next step" of each status on the main path.
NEXT_STATUS = dict(itertools.pairwise([s for s in STATUS_ORDER if s not in INACTIVE_STATUSES]))


def pipeline_columns(entries: list[ShortlistEntry]) -> list[tuple[str, str, list[tuple]]]:
    """Board columns: (status, label, [(entry, next status, its label)]) in pipeline order."""
    columns = []
    for status in STATUS_ORDER:
        cards = []
        for e in entries:
            if e.status == status:
                nxt = NEXT_STATUS.get(status)
                cards.append((e, nxt, PipelineStatus(nxt).label if nxt else ""))
        columns.append((status, PipelineStatus(status).label, cards))
    return columns
