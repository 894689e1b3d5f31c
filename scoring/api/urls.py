"""API routes of this app (mounted under /api/ in the "api" namespace)."""

from django.urls import path

from scoring.api import views

urlpatterns = [
    path("scores/<int:profile_id>/", views.ProfileScoreDetailView.as_view(), name="score-detail"),
    path("scoring-runs/", views.ScoringRunListView.as_view(), name="scoring-run-list"),
]
