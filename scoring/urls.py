"""HTML routes of scoring (admin pages)."""

from django.urls import path

from scoring import views

app_name = "scoring"
urlpatterns = [
    path("", views.run_list, name="run-list"),
    path("rescore/", views.rescore_all, name="rescore-all"),
    path("score-dirty/", views.score_dirty, name="score-dirty"),
    path("runs/<int:pk>/progress/", views.run_progress, name="run-progress"),
]
