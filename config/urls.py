"""Root URL map: each app owns its HTML urls (namespaced) and its API urls under /api/."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

api_patterns = [
    path("", include("core.api.urls")),
    path("", include("discovery.api.urls")),
    path("", include("scoring.api.urls")),
    path("", include("campaigns.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include((api_patterns, "api"), namespace="api")),
    path("", include("core.urls")),
    path("imports/", include("discovery.urls_imports")),
    path("scoring/", include("scoring.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("", include("discovery.urls")),
]
