"""The app's URLs plus one bench-only endpoint: the floor of a DRF request on this stack.

``GET /api/bench-floor/`` is a DRF view with the project's default authentication (the session read),
permission and throttle classes (the Redis round trip) behind the whole middleware stack, returning an
empty page. No API list endpoint on this stack can be faster; ``bench.bench_search`` times it beside
each search so its report can tell the stack's share of a request from the search's own. Mounted only
by the bench (``ROOT_URLCONF`` set at run time), never by the app.
"""

from django.urls import include, path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class FloorView(APIView):
    """An authenticated, throttled DRF list that reads nothing: the stack alone."""

    def get(self, request: Request) -> Response:
        return Response({"count": 0, "next": None, "previous": None, "results": []})


urlpatterns = [
    path("api/bench-floor/", FloorView.as_view()),
    path("", include("config.urls")),
]
