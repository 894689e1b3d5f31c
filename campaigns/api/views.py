"""Campaigns API: parse -> call a selector or service -> render."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from campaigns import selectors, services
from campaigns.api.serializers import (
    CampaignInputSerializer,
    CampaignOutputSerializer,
    EntryInputSerializer,
    EntryOutputSerializer,
    ResultInputSerializer,
    ResultOutputSerializer,
    SuggestInputSerializer,
    SuggestionOutputSerializer,
    kpis_data,
)
from campaigns.filters import CampaignFilterSet
from core.exceptions import ApplicationError
from discovery.models import Profile


class CampaignViewSet(viewsets.GenericViewSet):
    """Briefs (CRUD, duplicate, archive), their shortlist, suggestion, results and report."""

    serializer_class = CampaignOutputSerializer

    filterset_class = CampaignFilterSet

    def get_queryset(self) -> Any:
        return selectors.campaign_list(user=self.request.user)

    def _campaign(self) -> Any:
        """The campaign of a shortlist call: scoped like ``get_object`` (another brand's is a 404), without
        the list's shortlist count and niche prefetch, which these calls never show."""
        return selectors.campaign_get(user=self.request.user, pk=self.kwargs["pk"])

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(CampaignOutputSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return Response(CampaignOutputSerializer(self.get_object()).data)

    @extend_schema(request=CampaignInputSerializer, responses=CampaignOutputSerializer)
    def create(self, request: Request) -> Response:
        data = CampaignInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        org_id = values.pop("organisation", None)
        if org_id is None:
            raise ApplicationError(
                "Give the client brand as organisation (its id).", {"field": "organisation"}
            )
        organisation = get_object_or_404(selectors.client_brands_for(user=request.user), pk=org_id)
        niches = values.pop("niches", [])
        campaign = services.campaign_create(
            user=request.user, organisation=organisation, niche_ids=[n.pk for n in niches], **values
        )
        return Response(CampaignOutputSerializer(campaign).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CampaignInputSerializer, responses=CampaignOutputSerializer)
    def update(self, request: Request, pk: str | None = None) -> Response:
        campaign = self.get_object()
        data = CampaignInputSerializer(data=request.data, partial=request.method == "PATCH")
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "organisation" in values and values.pop("organisation") != campaign.organisation_id:
            raise ApplicationError("A campaign cannot move to another brand; duplicate it instead.")
        niches = values.pop("niches", None)
        campaign = services.campaign_update(
            user=request.user,
            campaign=campaign,
            niche_ids=[n.pk for n in niches] if niches is not None else None,
            **values,
        )
        return Response(CampaignOutputSerializer(campaign).data)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self.update(request, pk)

    def destroy(self, request: Request, pk: str | None = None) -> Response:
        services.campaign_delete(user=request.user, campaign=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=CampaignOutputSerializer)
    @action(detail=True, methods=["post"])
    def duplicate(self, request: Request, pk: str | None = None) -> Response:
        copy = services.campaign_duplicate(user=request.user, campaign=self.get_object())
        return Response(CampaignOutputSerializer(copy).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=CampaignOutputSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        campaign = services.campaign_archive(user=request.user, campaign=self.get_object())
        return Response(CampaignOutputSerializer(campaign).data)

    @extend_schema(request=EntryInputSerializer, responses=EntryOutputSerializer(many=True))
    @action(detail=True, methods=["get", "post"])
    def shortlist(self, request: Request, pk: str | None = None) -> Response:
        campaign = self._campaign()
        if request.method == "GET":
            page = self.paginate_queryset(selectors.shortlist_entries(campaign=campaign))
            return self.get_paginated_response(EntryOutputSerializer(page, many=True).data)
        data = EntryInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "profile" not in values:
            raise ApplicationError("Give the account to add as profile (its id).", {"field": "profile"})
        profile = get_object_or_404(Profile, pk=values.pop("profile"))
        new_status = values.pop("status", None)
        entry = services.entry_add(user=request.user, campaign=campaign, profile=profile, **values)
        if new_status:
            entry = services.entry_move(user=request.user, entry=entry, status=new_status)
        return Response(EntryOutputSerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=EntryInputSerializer, responses=EntryOutputSerializer)
    @action(detail=True, methods=["get", "patch", "delete"], url_path=r"shortlist/(?P<entry_id>\d+)")
    def shortlist_entry(
        self, request: Request, pk: str | None = None, entry_id: str | None = None
    ) -> Response:
        campaign = self._campaign()
        entry = selectors.entry_get(user=request.user, campaign=campaign, pk=entry_id or "")
        if request.method == "GET":
            return Response(EntryOutputSerializer(entry).data)
        if request.method == "DELETE":
            services.entry_remove(user=request.user, entry=entry)
            return Response(status=status.HTTP_204_NO_CONTENT)
        data = EntryInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.pop("profile", None)
        entry = services.entry_update(user=request.user, entry=entry, **values)
        return Response(EntryOutputSerializer(entry).data)

    @extend_schema(request=SuggestInputSerializer, responses=SuggestionOutputSerializer)
    @action(detail=True, methods=["post"])
    def suggest(self, request: Request, pk: str | None = None) -> Response:
        campaign = self.get_object()
        data = SuggestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        suggestion = services.shortlist_suggest(user=request.user, campaign=campaign, **data.validated_data)
        return Response(SuggestionOutputSerializer(suggestion).data)

    @extend_schema(request=ResultInputSerializer, responses=ResultOutputSerializer(many=True))
    @action(detail=True, methods=["get", "post"])
    def results(self, request: Request, pk: str | None = None) -> Response:
        campaign = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(selectors.campaign_results(campaign=campaign))
            return self.get_paginated_response(ResultOutputSerializer(page, many=True).data)
        data = ResultInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        entry = selectors.entry_get(user=request.user, campaign=campaign, pk=values.pop("entry"))
        result = services.result_save(user=request.user, entry=entry, **values)
        return Response(ResultOutputSerializer(result).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None)
    @action(detail=True, methods=["get"])
    def report(self, request: Request, pk: str | None = None) -> Response:
        report = selectors.campaign_report(campaign=self.get_object())
        return Response(
            {
                "campaign": report.campaign.pk,
                "currency": report.campaign.currency,
                "totals": kpis_data(report.total),
                "creators": [
                    {
                        "entry": r.entry.pk,
                        "profile": r.entry.profile_id,
                        "handle": r.entry.profile.handle,
                        "status": r.entry.status,
                        **kpis_data(r.kpis),
                    }
                    for r in report.rows
                ],
                "chart": report.chart,
            }
        )
