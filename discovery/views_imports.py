"""Admin import screens: upload, mapping preview, live progress, summary and rejected rows (staff only)."""

from __future__ import annotations

import csv
import logging
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.exceptions import ApplicationError
from core.permissions import is_platform_admin
from discovery.importing.headers import KINDS
from discovery.models import ImportJob, Platform
from discovery.services.imports import (
    ALLOWED_SUFFIXES,
    import_job_create,
    import_job_preview,
    import_job_rejected_rows,
    import_job_set_mapping,
    import_job_start,
)

logger = logging.getLogger(__name__)


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Only platform admins import data; for anyone else the pages do not exist (404)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_platform_admin(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


class ImportUploadForm(forms.Form):
    """The upload: a file, what it holds, and file-wide defaults."""

    file = forms.FileField(
        help_text=f"CSV, XLSX, JSON or JSON Lines, up to {settings.IMPORT_MAX_UPLOAD_BYTES // 1_048_576} MB",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ALLOWED_SUFFIXES)}),
    )
    kind = forms.ChoiceField(choices=[(k, ImportJob.Kind(k).label) for k in KINDS], initial="profiles")
    platform = forms.ChoiceField(
        choices=[("", "From the file (column or file name)"), *Platform.choices], required=False
    )
    snapshot_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The day the numbers refer to; else taken from the file name (e.g. 'june 2022').",
    )
    strict = forms.BooleanField(required=False, help_text="Import nothing if any row is rejected.")


@require_http_methods(["GET", "POST"])
@staff_required
def job_list(request: HttpRequest) -> HttpResponse:
    """Recent import jobs and the upload form; a valid upload goes on to its mapping preview."""
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_job_create(upload=form.cleaned_data["file"], user=request.user, **_options(form))
        except ValidationError as exc:
            form.add_error("file", exc)
        except OSError as exc:  # disk full, or no permission on MEDIA_ROOT: the partial file is removed
            logger.error("import upload could not be stored: %s", exc)
            form.add_error(
                "file",
                f"The file could not be saved on the server ({exc.strerror or 'storage error'}); nothing was "
                "imported. Please tell an administrator (disk full or no permission on the upload folder).",
            )
        else:
            if job.status == ImportJob.Status.FAILED:
                messages.error(request, f"This file cannot be imported: {job.message}")
            return redirect("imports:job-detail", pk=job.pk)
    jobs = ImportJob.objects.select_related("created_by").order_by("-created_at")[:50]
    return render(request, "discovery/imports/list.html", {"form": form, "jobs": jobs}, status=_status(form))


def _options(form: ImportUploadForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "kind": data["kind"],
        "platform": data["platform"],
        "snapshot_date": data["snapshot_date"],
        "strict": data["strict"],
    }


def _status(form: forms.Form) -> int:
    return 400 if form.is_bound and form.errors else 200


@require_GET
@staff_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A pending job shows its proposed mapping; a started one its progress, then its summary."""
    job = get_object_or_404(ImportJob, pk=pk)
    preview = import_job_preview(job=job) if job.status == ImportJob.Status.PENDING else None
    return render(request, "discovery/imports/detail.html", {"job": job, "preview": preview})


@require_POST
@staff_required
def job_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the admin's mapping and queue the import; a down broker leaves the job pending."""
    job = get_object_or_404(ImportJob, pk=pk)
    try:
        if "field" in request.POST or any(k.startswith("map:") for k in request.POST):
            import_job_set_mapping(job=job, mapping=_posted_mapping(request, job))
        import_job_start(job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Import started.")
    return redirect("imports:job-detail", pk=job.pk)


def _posted_mapping(request: HttpRequest, job: ImportJob) -> dict[str, Any]:
    """``map:<field>`` selects -> {field: [headers]}; every other header is ignored."""
    mapping: dict[str, Any] = {}
    chosen: set[str] = set()
    for key in request.POST:
        if key.startswith("map:"):
            headers = [h for h in request.POST.getlist(key) if h]
            mapping[key[4:]] = headers
            chosen.update(headers)
    preview = import_job_preview(job=job, overrides={})
    all_headers = preview.headers if preview.mapping else []
    return {"_ignore": [h for h in dict.fromkeys(all_headers) if h not in chosen], **mapping}


@require_GET
@staff_required
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress partial that htmx polls until the job finishes."""
    job = get_object_or_404(ImportJob, pk=pk)
    return render(request, "discovery/imports/partials/_progress.html", {"job": job})


@require_GET
@staff_required
def job_rejected(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """The rejected rows as CSV (header + _row + _error), safe to open in a spreadsheet."""
    job = get_object_or_404(ImportJob, pk=pk)

    class _Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff"  # Excel reads UTF-8 with a BOM correctly
        for row in import_job_rejected_rows(job=job):
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-rejected.csv"'
    return response
