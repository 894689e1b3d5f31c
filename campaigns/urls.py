"""HTML routes of campaigns."""

from django.urls import path

from campaigns import views

app_name = "campaigns"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_create, name="create"),
    path("shortlist/add/", views.entry_add, name="entry-add"),
    path("shortlist/add-ticked/", views.entries_add, name="entries-add"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/edit/", views.campaign_edit, name="edit"),
    path("<int:pk>/duplicate/", views.campaign_duplicate, name="duplicate"),
    path("<int:pk>/archive/", views.campaign_archive, name="archive"),
    path("<int:pk>/suggest/", views.campaign_suggest, name="suggest"),
    path("<int:pk>/suggest/accept/", views.suggestion_accept, name="suggest-accept"),
    path("<int:pk>/entries/<int:entry_pk>/", views.entry_update, name="entry-update"),
    path("<int:pk>/entries/<int:entry_pk>/remove/", views.entry_remove, name="entry-remove"),
    path("<int:pk>/entries/<int:entry_pk>/move/", views.entry_move, name="entry-move"),
    path("<int:pk>/board/", views.campaign_board, name="board"),
    path("<int:pk>/results/", views.campaign_results, name="results"),
    path("<int:pk>/results/import/", views.results_import, name="results-import"),
    path("<int:pk>/report/", views.campaign_report, name="report"),
    path("<int:pk>/report.<str:fmt>", views.report_export, name="report-export"),
]
