"""Every write of campaigns: briefs, shortlist entries, pipeline moves, results; plus the suggestion."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date

from campaigns import optimizer
from campaigns.models import (
    Campaign,
    CampaignStatus,
    Compensation,
    PipelineStatus,
    PostResult,
    ShortlistEntry,
    StatusChange,
)
from campaigns.selectors import best_macro_candidate, objective_field, suggestion_candidates
from core.exceptions import ApplicationError
from core.models import Organisation
from core.permissions import Action, can
from core.services.audit import audit_changes, audit_record
from discovery.models import Profile

AnyUser = User | AnonymousUser

CAMPAIGN_FIELDS = (
    "name",
    "objective",
    "platforms",
    "countries",
    "languages",
    "tiers",
    "min_quality",
    "budget",
    "currency",
    "start_date",
    "end_date",
    "deliverables_count",
    "deliverables",
    "hashtags",
    "mentions",
    "guidelines",
    "status",
)
ENTRY_FIELDS = (
    "fee",
    "compensation",
    "gift_value",
    "commission_pct",
    "pinned",
    "notes",
    "agreed_fee",
    "agreed_deliverables",
)
RESULT_FIELDS = (
    "published_on",
    "views",
    "reach",
    "impressions",
    "likes",
    "comments",
    "shares",
    "saves",
    "clicks",
    "conversions",
    "revenue",
    "cost",
)
MAX_IMPORT_ROWS = 5000


def _require(user: AnyUser, obj: Any, what: str) -> None:
    if not can(user, Action.EDIT, obj):
        raise PermissionDenied(f"You may not change {what}.")


def _snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in fields}


def _audit(
    user: AnyUser, campaign: Campaign, instance: Any, action: str, changes: dict | None = None
) -> None:
    audit_record(
        user=user, organisation=campaign.organisation, instance=instance, action=action, changes=changes
    )


# Briefs -------------------------------------------------------------------------------------------


@transaction.atomic
def campaign_create(
    *, user: AnyUser, organisation: Organisation, niche_ids: list[int] | None = None, **data: Any
) -> Campaign:
    """Write a new brief for a client brand the user may edit."""
    if organisation.kind != Organisation.Kind.BRAND:
        raise ApplicationError(
            "A campaign belongs to a client brand, not an agency.", {"field": "organisation"}
        )
    _require(user, organisation, "this brand's campaigns")
    campaign = Campaign(organisation=organisation, created_by=user if user.is_authenticated else None)
    for key, value in data.items():
        if key not in CAMPAIGN_FIELDS:
            raise ApplicationError(f"Unknown campaign field {key!r}.", {"field": key})
        setattr(campaign, key, value)
    campaign.full_clean()
    campaign.save()
    if niche_ids:
        campaign.niches.set(niche_ids)
    _audit(
        user,
        campaign,
        campaign,
        "create",
        audit_changes(before={}, after=_snapshot(campaign, CAMPAIGN_FIELDS)),
    )
    return campaign


@transaction.atomic
def campaign_update(
    *, user: AnyUser, campaign: Campaign, niche_ids: list[int] | None = None, **data: Any
) -> Campaign:
    """Change a brief's fields (and niches when given)."""
    _require(user, campaign, "this campaign")
    campaign = Campaign.objects.select_for_update().select_related("organisation").get(pk=campaign.pk)
    before = {
        **_snapshot(campaign, CAMPAIGN_FIELDS),
        "niches": sorted(campaign.niches.values_list("pk", flat=True)),
    }
    for key, value in data.items():
        if key not in CAMPAIGN_FIELDS:
            raise ApplicationError(f"Unknown campaign field {key!r}.", {"field": key})
        setattr(campaign, key, value)
    campaign.full_clean()
    campaign.save()
    campaign.refresh_from_db()  # compare stored values (Decimal places), not what the caller typed
    if niche_ids is not None:
        campaign.niches.set(niche_ids)
    after = {
        **_snapshot(campaign, CAMPAIGN_FIELDS),
        "niches": sorted(campaign.niches.values_list("pk", flat=True)),
    }
    changes = audit_changes(before=before, after=after)
    if changes:
        _audit(user, campaign, campaign, "update", changes)
    return campaign


@transaction.atomic
def campaign_duplicate(*, user: AnyUser, campaign: Campaign) -> Campaign:
    """Copy a brief and its shortlist (fees, notes, pins) into a new draft; results stay behind."""
    _require(user, campaign, "this campaign")
    data = _snapshot(campaign, CAMPAIGN_FIELDS)
    data.update(name=f"Copy of {campaign.name}"[:200], status=CampaignStatus.DRAFT)
    copy = campaign_create(
        user=user,
        organisation=campaign.organisation,
        niche_ids=list(campaign.niches.values_list("pk", flat=True)),
        **data,
    )
    ShortlistEntry.objects.bulk_create(
        ShortlistEntry(
            campaign=copy,
            profile_id=e.profile_id,
            added_by=user if user.is_authenticated else None,
            **{
                f: getattr(e, f)
                for f in ("fee", "compensation", "gift_value", "commission_pct", "pinned", "notes")
            },
        )
        for e in campaign.entries.all()
    )
    _audit(user, copy, copy, "duplicate", {"source": [None, campaign.pk]})
    return copy


def campaign_archive(*, user: AnyUser, campaign: Campaign) -> Campaign:
    """Archive a brief (kept with its history, hidden from the working lists)."""
    return campaign_update(user=user, campaign=campaign, status=CampaignStatus.ARCHIVED)


@transaction.atomic
def campaign_delete(*, user: AnyUser, campaign: Campaign) -> None:
    """Delete a brief with its shortlist and results (the audit log keeps the record)."""
    _require(user, campaign, "this campaign")
    _audit(
        user,
        campaign,
        campaign,
        "delete",
        audit_changes(before=_snapshot(campaign, CAMPAIGN_FIELDS), after={}),
    )
    campaign.delete()


# Shortlist ----------------------------------------------------------------------------------------


def _clean_entry(entry: ShortlistEntry) -> None:
    if entry.compensation == Compensation.GIFTED and entry.gift_value is None:
        raise ValidationError({"gift_value": "Give the value of the gifted product."})
    if entry.compensation == Compensation.AFFILIATE and entry.commission_pct is None:
        raise ValidationError({"commission_pct": "Give the affiliate commission in percent."})
    entry.full_clean(exclude=["campaign", "profile"], validate_unique=False)


@transaction.atomic
def entry_add(*, user: AnyUser, campaign: Campaign, profile: Profile, **data: Any) -> ShortlistEntry:
    """Put an account on a campaign's shortlist (once)."""
    _require(user, campaign, "this campaign's shortlist")
    if campaign.status == CampaignStatus.ARCHIVED:
        raise ApplicationError("This campaign is archived; restore it before changing the shortlist.")
    campaign = Campaign.objects.select_for_update().select_related("organisation").get(pk=campaign.pk)
    if ShortlistEntry.objects.filter(campaign=campaign, profile=profile).exists():
        raise ApplicationError(
            f"@{profile.handle} is already on the shortlist of {campaign.name}.", {"profile": profile.pk}
        )
    entry = ShortlistEntry(
        campaign=campaign, profile=profile, added_by=user if user.is_authenticated else None
    )
    for key, value in data.items():
        if key not in ENTRY_FIELDS:
            raise ApplicationError(f"Unknown shortlist field {key!r}.", {"field": key})
        setattr(entry, key, value)
    _clean_entry(entry)
    entry.status_changed_at = timezone.now()
    entry.save()
    StatusChange.objects.create(
        entry=entry, from_status="", to_status=entry.status, changed_by=entry.added_by
    )
    _audit(user, campaign, entry, "create", audit_changes(before={}, after={"profile": profile.pk, **data}))
    return entry


@transaction.atomic
def entry_update(*, user: AnyUser, entry: ShortlistEntry, **data: Any) -> ShortlistEntry:
    """Change an entry's fee, terms, pin or notes; a ``status`` goes through ``entry_move``."""
    _require(user, entry.campaign, "this shortlist")
    status = data.pop("status", None)
    entry = (
        ShortlistEntry.objects.select_for_update().select_related("campaign__organisation").get(pk=entry.pk)
    )
    before = _snapshot(entry, ENTRY_FIELDS)
    for key, value in data.items():
        if key not in ENTRY_FIELDS:
            raise ApplicationError(f"Unknown shortlist field {key!r}.", {"field": key})
        setattr(entry, key, value)
    _clean_entry(entry)
    entry.save()
    entry.refresh_from_db()
    changes = audit_changes(before=before, after=_snapshot(entry, ENTRY_FIELDS))
    if changes:
        _audit(user, entry.campaign, entry, "update", changes)
    if status is not None and status != entry.status:
        entry = entry_move(user=user, entry=entry, status=status)
    return entry


@transaction.atomic
def entry_remove(*, user: AnyUser, entry: ShortlistEntry) -> None:
    """Take an account off the shortlist; refused once it has results (cancel it instead)."""
    _require(user, entry.campaign, "this shortlist")
    if entry.results.exists():
        raise ApplicationError(
            "This creator has published results; set the status to cancelled instead of removing them.",
            {"entry": entry.pk},
        )
    _audit(user, entry.campaign, entry, "delete", {"profile": [entry.profile_id, None]})
    entry.delete()


@transaction.atomic
def entry_move(*, user: AnyUser, entry: ShortlistEntry, status: str, note: str = "") -> ShortlistEntry:
    """Move an entry to another pipeline status, recording who and when."""
    _require(user, entry.campaign, "this shortlist")
    if status not in PipelineStatus.values:
        raise ValidationError(
            {"status": f"Unknown status {status!r}; one of {', '.join(PipelineStatus.values)}."}
        )
    entry = (
        ShortlistEntry.objects.select_for_update().select_related("campaign__organisation").get(pk=entry.pk)
    )
    if entry.status == status:
        return entry
    old = entry.status
    entry.status = status
    entry.status_changed_at = timezone.now()
    entry.save(update_fields=["status", "status_changed_at", "updated_at"])
    StatusChange.objects.create(
        entry=entry,
        from_status=old,
        to_status=status,
        changed_by=user if user.is_authenticated else None,
        note=note,
    )
    _audit(user, entry.campaign, entry, "status", {"status": [old, status]})
    return entry


# Suggestion ---------------------------------------------------------------------------------------


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


# Results ------------------------------------------------------------------------------------------


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
