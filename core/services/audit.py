"""The audit log: who changed what, field by field, in an organisation's private data."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import models

from core.models import AuditEntry, Organisation

OBJECT_REPR_MAX = 200


def _json_safe(value: Any) -> Any:
    """A JSON-storable form of a field value (Decimal and UUID as str, dates ISO, instances by pk)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_json_safe(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    return str(value)


def audit_changes(*, before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Fields whose value differs between ``before`` and ``after``, as {field: [old, new]} (JSON-safe).

    A field missing on one side counts as None there, so added and removed keys show up too.
    """
    changes: dict[str, list[Any]] = {}
    for field in sorted(set(before) | set(after)):
        old, new = _json_safe(before.get(field)), _json_safe(after.get(field))
        if old != new:
            changes[field] = [old, new]
    return changes


def audit_record(
    *,
    user: User | AnonymousUser | None,
    organisation: Organisation,
    instance: models.Model,
    action: str,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record that ``user`` did ``action`` (e.g. "create", "update", "delete") to ``instance``."""
    if not action or len(action) > AuditEntry._meta.get_field("action").max_length:
        raise ValueError(f"audit action must be 1-40 characters, got {action!r}")
    actor = user if user is not None and user.is_authenticated else None
    return AuditEntry.objects.create(
        organisation=organisation,
        user=actor,
        action=action,
        model_label=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:OBJECT_REPR_MAX],
        changes=_json_safe(changes or {}),
    )
