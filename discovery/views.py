"""Discovery HTML views."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    """Landing page (replaced by the search page)."""
    return render(request, "discovery/home.html")
