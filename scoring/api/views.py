"""Scoring API: a profile's score (any signed-in user; the catalogue is shared) and runs (admins)."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import generics, permissions

from scoring import selectors
from scoring.api.serializers import ProfileScoreOutputSerializer, ScoringRunOutputSerializer
from scoring.models import ProfileScore, ScoringRun


class ProfileScoreDetailView(generics.RetrieveAPIView):
    """GET /api/scores/<profile_id>/: the full score of one profile."""

    serializer_class = ProfileScoreOutputSerializer
    lookup_field = "profile_id"

    def get_queryset(self) -> QuerySet[ProfileScore]:
        return ProfileScore.objects.all()


class ScoringRunListView(generics.ListAPIView):
    """GET /api/scoring-runs/: recent runs, for platform admins."""

    serializer_class = ScoringRunOutputSerializer
    permission_classes = [permissions.IsAdminUser]

    def get_queryset(self) -> QuerySet[ScoringRun]:
        return selectors.scoring_run_queryset()
