"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from core.current import current_organisation


def microlens(request: HttpRequest) -> dict[str, Any]:
    """Mode flag for the local-mode banner, and the organisation switcher's choices.

    The organisations are read only if the template shows them (the header of a full page), so an
    htmx fragment or a partial does not pay a query for a switcher it never renders.
    """
    context: dict[str, Any] = {"MICROLENS_MODE": settings.MODE}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["current_organisation"] = SimpleLazyObject(lambda: current_organisation(request))

        def member_organisations() -> list[Any]:
            current_organisation(request)
            return getattr(request, "_microlens_member_orgs", [])

        context["member_organisations"] = SimpleLazyObject(member_organisations)
    return context
