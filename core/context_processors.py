"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from core.current import current_organisation


def microlens(request: HttpRequest) -> dict[str, Any]:
    """Mode flag for the local-mode banner, and the organisation switcher's choices."""
    context: dict[str, Any] = {"MICROLENS_MODE": settings.MODE}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["current_organisation"] = current_organisation(request)
        context["member_organisations"] = getattr(request, "_microlens_member_orgs", [])
    return context
