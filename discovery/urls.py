"""HTML routes of discovery (search, profiles, compare, exports, saved searches)."""

from django.urls import path

from discovery import views

app_name = "discovery"
urlpatterns = [
    path("", views.search, name="search"),
    path("profiles/<int:pk>/", views.profile_detail, name="profile-detail"),
    path("compare/", views.compare, name="compare"),
    path("export.csv", views.export_csv, name="export-csv"),
    path("export.xlsx", views.export_xlsx, name="export-xlsx"),
    path("saved-searches/", views.saved_search_save, name="saved-search-save"),
    path("saved-searches/<int:pk>/delete/", views.saved_search_remove, name="saved-search-delete"),
]
