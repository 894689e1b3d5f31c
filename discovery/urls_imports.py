"""HTML routes of the admin import screens (staff only)."""

app_name = "imports"
urlpatterns: list = []
