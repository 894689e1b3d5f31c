"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def microlens(request: HttpRequest) -> dict[str, Any]:
    """Mode flag for the local-mode banner."""
    return {"MICROLENS_MODE": settings.MODE}
