"""HTML routes of the admin import screens (staff only)."""

from django.urls import path

from discovery import views_imports as views

app_name = "imports"
urlpatterns = [
    path("", views.job_list, name="job-list"),
    path("<int:pk>/", views.job_detail, name="job-detail"),
    path("<int:pk>/start/", views.job_start, name="job-start"),
    path("<int:pk>/progress/", views.job_progress, name="job-progress"),
    path("<int:pk>/rejected.csv", views.job_rejected, name="job-rejected"),
]
