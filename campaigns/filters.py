"""The one FilterSet of campaign lists, shared by the API and the HTML list."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from campaigns.models import Campaign, CampaignStatus, Objective
from core.filters import IdFilter


class CampaignFilterSet(django_filters.FilterSet):
    """Filter campaigns by status, objective, client brand and a free-text query."""

    status = django_filters.ChoiceFilter(choices=CampaignStatus.choices)
    objective = django_filters.ChoiceFilter(choices=Objective.choices)
    organisation = IdFilter(field_name="organisation_id")
    q = django_filters.CharFilter(method="search", label="Search")

    class Meta:
        model = Campaign
        fields = ["status", "objective", "organisation", "q"]

    def search(self, queryset: QuerySet[Campaign], name: str, value: str) -> QuerySet[Campaign]:
        """Name or client brand contains the text."""
        return queryset.filter(Q(name__icontains=value) | Q(organisation__name__icontains=value))
