"""The audit log service: diffs and records."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from core.models import AuditEntry
from core.services.audit import audit_changes, audit_record

pytestmark = pytest.mark.django_db


def test_audit_changes_lists_only_changed_fields_as_old_new_pairs() -> None:
    before = {"name": "Spring", "budget": Decimal("1000.00"), "status": "draft"}
    after = {"name": "Spring", "budget": Decimal("1500.50"), "status": "active"}

    changes = audit_changes(before=before, after=after)

    assert changes == {"budget": ["1000.00", "1500.50"], "status": ["draft", "active"]}


def test_audit_changes_counts_missing_keys_as_none_and_serialises_dates() -> None:
    changes = audit_changes(
        before={"ends_on": datetime.date(2026, 1, 31)},
        after={"notes": "call back", "ends_on": datetime.date(2026, 1, 31)},
    )

    assert changes == {"notes": [None, "call back"]}
    assert audit_changes(before={"d": datetime.date(2026, 1, 1)}, after={}) == {"d": ["2026-01-01", None]}


def test_audit_changes_of_identical_dicts_is_empty() -> None:
    assert audit_changes(before={"a": 1, "b": [1, 2]}, after={"a": 1, "b": [1, 2]}) == {}


def test_audit_record_stores_who_what_and_changes(brand, brand_member) -> None:
    changes = audit_changes(before={"role": "member"}, after={"role": "manager"})

    entry = audit_record(
        user=brand_member, organisation=brand, instance=brand, action="update", changes=changes
    )

    entry.refresh_from_db()
    assert entry.user == brand_member
    assert entry.organisation == brand
    assert entry.model_label == "core.organisation"
    assert entry.object_id == str(brand.pk)
    assert entry.object_repr == "Acme Cosmetics"
    assert entry.changes == {"role": ["member", "manager"]}
    assert entry.created_at is not None


def test_audit_record_for_anonymous_or_system_keeps_user_empty(brand) -> None:
    entry = audit_record(user=AnonymousUser(), organisation=brand, instance=brand, action="import")
    system = audit_record(user=None, organisation=brand, instance=brand, action="import")

    assert entry.user is None
    assert system.user is None
    assert entry.changes == {}


def test_audit_record_rejects_an_empty_action(brand, brand_member) -> None:
    with pytest.raises(ValueError, match="audit action"):
        audit_record(user=brand_member, organisation=brand, instance=brand, action="")

    assert not AuditEntry.objects.exists()


def test_audit_entry_survives_its_user_being_deleted(brand, brand_member) -> None:
    entry = audit_record(user=brand_member, organisation=brand, instance=brand, action="delete")

    brand_member.delete()

    entry.refresh_from_db()
    assert entry.user is None
    assert entry.action == "delete"
