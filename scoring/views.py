"""Scoring admin pages: runs list with a progress bar, full rescore, score dirty now."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.exceptions import ApplicationError
from core.permissions import is_platform_admin
from scoring import selectors
from scoring.models import ScoringRun
from scoring.services import scoring_dirty_kick, scoring_rescore_all

FINISHED = (ScoringRun.Status.SUCCEEDED, ScoringRun.Status.FAILED)


def platform_admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Only platform admins see scoring pages; others get a 404 (the page does not exist for them)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_platform_admin(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
@platform_admin_required
def run_list(request: HttpRequest) -> HttpResponse:
    """Recent runs, the dirty count and the rescore buttons."""
    runs = list(selectors.scoring_run_list())
    active = next(
        (r for r in runs if r.status in (ScoringRun.Status.RUNNING, ScoringRun.Status.QUEUED)), None
    )
    context = {"runs": runs, "active": active, "dirty": selectors.dirty_profile_count()}
    return render(request, "scoring/run_list.html", context)


@require_POST
@platform_admin_required
def rescore_all(request: HttpRequest) -> HttpResponse:
    """Start a full rescore of every profile in the workers."""
    try:
        run = scoring_rescore_all(triggered_by=request.user.get_username())
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Full rescore #{run.pk} started for {run.total:,} profiles.")
    return redirect("scoring:run-list")


@require_POST
@platform_admin_required
def score_dirty(request: HttpRequest) -> HttpResponse:
    """Score the profiles already marked dirty, now."""
    try:
        run = scoring_dirty_kick(triggered_by=request.user.get_username())
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("scoring:run-list")
    if run is None:
        messages.info(request, "No profile is waiting to be scored.")
    else:
        messages.success(request, f"Scoring run #{run.pk} started for {run.total:,} profiles.")
    return redirect("scoring:run-list")


@require_GET
@platform_admin_required
def run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar of one run (polled by htmx while the run is going)."""
    run = get_object_or_404(ScoringRun, pk=pk)
    response = render(request, "scoring/partials/_run_progress.html", {"run": run})
    if request.headers.get("HX-Request") and run.status in FINISHED:
        # The run list beneath (status, seconds, errors) is out of date: htmx reloads the page.
        response["HX-Refresh"] = "true"
    return response
