"""The app's URLs plus bench-only endpoints: the floor of a DRF request on this stack, and its layers.

``GET /api/bench-floor/`` is a DRF view with the project's default authentication (the session read),
permission and throttle classes (the Redis round trip) behind the whole middleware stack, returning an
empty page. No API list endpoint on this stack can be faster; ``bench.bench_search`` times it beside
each search so its report can tell the stack's share of a request from the search's own.

The layers (``STACK``), timed once per run, take that floor apart, each adding one thing to the one
before: a plain Django view behind the middleware that reads nothing; the same view reading the
session's user (the session and user rows); a DRF view with no authentication, permission or throttle;
DRF with the project's authentication and permission; and the floor (plus the throttle).

Mounted only by the bench (``ROOT_URLCONF`` set at run time), never by the app.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

EMPTY_PAGE = {"count": 0, "next": None, "previous": None, "results": []}


class FloorView(APIView):
    """An authenticated, throttled DRF list that reads nothing: the stack alone."""

    def get(self, request: Request) -> Response:
        return Response(EMPTY_PAGE)


class UnthrottledView(FloorView):
    """The floor without its throttle."""

    throttle_classes: list = []


class BareDRFView(FloorView):
    """DRF's dispatch and rendering alone: no authentication, permission or throttle."""

    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes: list = []


def plain_view(request: HttpRequest) -> HttpResponse:
    """Django behind the middleware, reading nothing."""
    return HttpResponse(b"{}", content_type="application/json")


def plain_user_view(request: HttpRequest) -> HttpResponse:
    """The plain view, reading the session's user (what any logged-in page pays)."""
    if not request.user.is_authenticated:
        return HttpResponse(status=403)
    return HttpResponse(b"{}", content_type="application/json")


# (label, URL): each layer adds one thing to the one before.
STACK = [
    ("django, middleware only", "/api/bench-stack/plain/"),
    ("+ session and user read", "/api/bench-stack/user/"),
    ("drf, no auth or throttle", "/api/bench-stack/drf/"),
    ("drf + authentication, permission", "/api/bench-stack/drf-auth/"),
    ("floor: + throttle", "/api/bench-floor/"),
]

urlpatterns = [
    path("api/bench-floor/", FloorView.as_view()),
    path("api/bench-stack/plain/", plain_view),
    path("api/bench-stack/user/", plain_user_view),
    path("api/bench-stack/drf/", BareDRFView.as_view()),
    path("api/bench-stack/drf-auth/", UnthrottledView.as_view()),
    path("", include("config.urls")),
]
