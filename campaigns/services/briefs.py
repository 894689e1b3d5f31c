"""Campaign briefs: create, update, duplicate, archive, delete (audited)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from campaigns.models import (
    Campaign,
    CampaignStatus,
    ShortlistEntry,
)
from campaigns.services._common import (
    CAMPAIGN_FIELDS,
    AnyUser,
    _audit,
    _require,
    _snapshot,
)
from core.exceptions import ApplicationError
from core.models import Organisation
from core.services.audit import audit_changes


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
