"""API routes of discovery (mounted under /api/ in the "api" namespace)."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from discovery.api.views import NicheViewSet, ProfileViewSet, SavedSearchViewSet

router = SimpleRouter()
router.register("profiles", ProfileViewSet, basename="profile")
router.register("niches", NicheViewSet, basename="niche")
router.register("saved-searches", SavedSearchViewSet, basename="saved-search")

urlpatterns = router.urls
