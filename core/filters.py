"""FilterSets for core lists (the audit log), shared by the API and HTML views."""

from __future__ import annotations

import django_filters
from django import forms

from core.db import DB_INT_MAX
from core.models import AuditEntry


class IdFilter(django_filters.NumberFilter):
    """An id: a whole number from 1 to the database's largest, else a 400 naming the parameter
    (a float like 1e264 reached SQLite as an integer it cannot hold: a 500)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", DB_INT_MAX)
        super().__init__(*args, **kwargs)


class AuditEntryFilterSet(django_filters.FilterSet):
    """Narrow the audit log by organisation, model, object, action, user and time."""

    organisation = IdFilter(field_name="organisation_id")
    model = django_filters.CharFilter(field_name="model_label", lookup_expr="iexact")
    object_id = django_filters.CharFilter(field_name="object_id")
    action = django_filters.CharFilter(field_name="action")
    user = IdFilter(field_name="user_id")
    since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = AuditEntry
        fields: list[str] = []
