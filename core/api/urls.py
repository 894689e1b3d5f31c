"""API routes of this app (mounted under /api/ in the "api" namespace)."""

from django.urls import path

from core.api import views

urlpatterns = [
    path("auth/token/", views.AuthTokenView.as_view(), name="auth-token"),
    path("me/", views.MeView.as_view(), name="me"),
    path("audit/", views.AuditEntryListView.as_view(), name="audit-list"),
]
