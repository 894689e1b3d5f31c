"""HTML routes of scoring (admin pages)."""

app_name = "scoring"
urlpatterns: list = []
