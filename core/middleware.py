"""Every page requires login, except the API (DRF authenticates it) and the health check."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.http import HttpRequest, HttpResponseBase

OPEN_PREFIXES = ("/api/", "/healthz", "/static/")


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Django's login-required default, leaving /api/ to DRF so scripts get 401/403, not a redirect."""

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponseBase | None:
        if request.path.startswith(OPEN_PREFIXES):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
