"""Catalogue API: profiles (one FilterSet with the search page), niches, the user's saved searches."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters import utils as filter_utils
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from discovery import selectors
from discovery.api.serializers import (
    LIST_PROFILE_FIELDS,
    LIST_SCORE_FIELDS,
    NicheOutputSerializer,
    ProfileDetailOutputSerializer,
    ProfileOutputSerializer,
    SavedSearchInputSerializer,
    SavedSearchOutputSerializer,
    profile_row_representation,
)
from discovery.filters import ProfileFilterSet
from discovery.models import Niche, Profile, SavedSearch
from discovery.services.saved_searches import saved_search_create, saved_search_delete


def _list_rows(ids: list[int]) -> list[dict[str, Any]]:
    rows = selectors.profile_rows(ids, profile_fields=LIST_PROFILE_FIELDS, score_fields=LIST_SCORE_FIELDS)
    return [profile_row_representation(row, ProfileOutputSerializer.Meta.fields) for row in rows]


@extend_schema_view(
    list=extend_schema(summary="Search the creator catalogue", tags=["discovery"]),
    retrieve=extend_schema(summary="One profile with its scores and signals", tags=["discovery"]),
)
class ProfileViewSet(viewsets.ReadOnlyModelViewSet):
    """The shared catalogue: readable by any logged-in user."""

    filterset_class = ProfileFilterSet
    queryset = Profile.objects.none()  # for the schema; get_queryset is what runs

    def get_queryset(self) -> QuerySet[Profile]:
        return selectors.profile_list()

    def get_serializer_class(self) -> type:
        if self.action == "retrieve":
            return ProfileDetailOutputSerializer
        return ProfileOutputSerializer

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A page of the search: ids first, then the page's rows read as plain values and rendered
        by ``profile_row_representation`` (the declared fields' output, without model instances)."""
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(selectors.DeferredRows(queryset, load=_list_rows))  # type: ignore[arg-type]
        return self.get_paginated_response(page)

    def filter_queryset(self, queryset: QuerySet[Profile]) -> QuerySet[Profile]:
        # A detail URL is not a search: don't let list filters turn an id into a 404.
        if self.action == "retrieve":
            return queryset
        # DjangoFilterBackend's filtering, with the FilterSet of the parameters sent (see sent_only).
        filterset = ProfileFilterSet(
            self.request.query_params, queryset=queryset, request=self.request, sent_only=True
        )
        if not filterset.is_valid():
            raise filter_utils.translate_validation(filterset.errors)
        return filterset.qs


@extend_schema_view(
    list=extend_schema(summary="The niche taxonomy", tags=["discovery"]),
    retrieve=extend_schema(summary="One niche", tags=["discovery"]),
)
class NicheViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = NicheOutputSerializer
    queryset = Niche.objects.none()
    filterset_class = None

    def get_queryset(self) -> QuerySet[Niche]:
        return selectors.niche_list()


@extend_schema_view(
    list=extend_schema(summary="Your saved searches", tags=["discovery"]),
    retrieve=extend_schema(summary="One of your saved searches", tags=["discovery"]),
    destroy=extend_schema(summary="Delete one of your saved searches", tags=["discovery"]),
)
class SavedSearchViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Saved searches are private to their user: another user's is a 404."""

    serializer_class = SavedSearchOutputSerializer
    queryset = SavedSearch.objects.none()
    filterset_class = None

    def get_queryset(self) -> QuerySet[SavedSearch]:
        return selectors.saved_search_list(user=self.request.user)

    @extend_schema(
        summary="Save a search (a search with the same name is overwritten)",
        request=SavedSearchInputSerializer,
        responses={201: SavedSearchOutputSerializer},
        tags=["discovery"],
    )
    def create(self, request: Request) -> Response:
        data = SavedSearchInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        saved = saved_search_create(user=request.user, **data.validated_data)
        return Response(SavedSearchOutputSerializer(saved).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: SavedSearch) -> None:
        saved_search_delete(saved_search=instance)
