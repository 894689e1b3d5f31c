"""FilterSets for core lists (the audit log), shared by the API and HTML views."""

from __future__ import annotations

import django_filters

from core.models import AuditEntry


class AuditEntryFilterSet(django_filters.FilterSet):
    """Narrow the audit log by organisation, model, object, action, user and time."""

    organisation = django_filters.NumberFilter(field_name="organisation_id")
    model = django_filters.CharFilter(field_name="model_label", lookup_expr="iexact")
    object_id = django_filters.CharFilter(field_name="object_id")
    action = django_filters.CharFilter(field_name="action")
    user = django_filters.NumberFilter(field_name="user_id")
    since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = AuditEntry
        fields: list[str] = []
