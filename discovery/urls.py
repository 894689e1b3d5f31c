"""HTML routes of discovery (search, profiles, compare)."""

from django.urls import path

from discovery import views

app_name = "discovery"
urlpatterns = [
    path("", views.home, name="home"),
]
