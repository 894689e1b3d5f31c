"""HTML routes of campaigns."""

app_name = "campaigns"
urlpatterns: list = []
