"""Shared pieces of the campaign services: field lists, permission check, audit helper."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied

from campaigns.models import Campaign
from core.permissions import Action, can
from core.services.audit import audit_record

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
