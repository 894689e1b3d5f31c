"""Shortlist entries and the outreach pipeline (audited, with status history)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from campaigns.models import (
    Campaign,
    CampaignStatus,
    Compensation,
    PipelineStatus,
    ShortlistEntry,
    StatusChange,
)
from campaigns.services._common import (
    ENTRY_FIELDS,
    AnyUser,
    _audit,
    _require,
    _snapshot,
)
from core.exceptions import ApplicationError
from core.services.audit import audit_changes
from discovery.models import Profile


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


def entries_add(
    *, user: AnyUser, campaign: Campaign, profiles: list[Profile]
) -> tuple[list[ShortlistEntry], list[Profile]]:
    """Put several accounts on a shortlist (ticked on the search page); those already on it are skipped."""
    _require(user, campaign, "this campaign's shortlist")
    present = set(
        ShortlistEntry.objects.filter(campaign=campaign, profile__in=profiles).values_list(
            "profile_id", flat=True
        )
    )
    added = [entry_add(user=user, campaign=campaign, profile=p) for p in profiles if p.pk not in present]
    return added, [p for p in profiles if p.pk in present]


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
