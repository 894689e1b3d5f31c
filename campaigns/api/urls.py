"""API routes of this app (mounted under /api/ in the "api" namespace)."""

from rest_framework.routers import SimpleRouter

from campaigns.api.views import CampaignViewSet

router = SimpleRouter()
router.register("campaigns", CampaignViewSet, basename="campaign")

urlpatterns = router.urls
