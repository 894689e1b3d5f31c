"""Discovery HTML views: search (full page or htmx fragment), profile, compare, exports, saved searches."""

from __future__ import annotations

import importlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_POST

from campaigns.selectors import editable_campaigns
from discovery import selectors
from discovery.exports import EXPORT_MAX_ROWS, profiles_csv, profiles_xlsx
from discovery.filters import ProfileFilterSet
from discovery.models import Profile, SavedSearch
from discovery.services.saved_searches import saved_search_create, saved_search_delete
from discovery.templatetags.discovery_results import ROW_NICHE_FIELD, ROW_PROFILE_FIELDS, ROW_SCORE_FIELDS

logger = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
PAGE_SIZES = (10, 25, 50, 100)
# Provided by the campaigns app (issue: campaigns); the profile page shows it once it exists.
CAMPAIGN_BOX_TEMPLATE = "campaigns/partials/_profile_campaigns.html"
FILTER_FIELDS_TEMPLATE = "discovery/partials/_filter_fields.html"
# Rendered filter forms kept per process (~10 KB each with 20 niches).
FILTER_FIELDS_CACHE_SIZE = 256


def _page_size(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page_size", DEFAULT_PAGE_SIZE)), MAX_PAGE_SIZE))
    except ValueError:
        return DEFAULT_PAGE_SIZE


def _without(query: QueryDict, name: str, value: str) -> str:
    """The query string with one value of one parameter (and the page) removed."""
    copy = query.copy()
    copy.setlist(name, [v for v in copy.getlist(name) if v != value])
    copy.pop("page", None)
    return copy.urlencode()


def _result_rows(ids: list[int]) -> list[dict[str, Any]]:
    return selectors.profile_rows(
        ids, profile_fields=ROW_PROFILE_FIELDS, score_fields=ROW_SCORE_FIELDS, niche_field=ROW_NICHE_FIELD
    )


def search_context(request: HttpRequest) -> dict[str, Any]:
    """Filter, order and paginate the catalogue for the search page and its fragment (the FilterSet
    of the parameters sent: the page's filter form comes from ``filter_fields``)."""
    filterset = ProfileFilterSet(request.GET, queryset=selectors.profile_list(), sent_only=True)
    results = filterset.qs if filterset.is_valid() else Profile.objects.none()
    # Page by id first, then load the page's rows as plain values (see selectors.DeferredRows), for
    # the results table's row renderer (discovery_results.result_rows).
    paginator = Paginator(selectors.DeferredRows(results, load=_result_rows), _page_size(request))
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except (EmptyPage, PageNotAnInteger):
        page = paginator.page(paginator.num_pages if request.GET.get("page", "").isdigit() else 1)
    chips = [
        {"label": label, "remove": _without(request.GET, name, raw)}
        for name, raw, label in filterset.active_filters()
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "filterset": filterset,
        "form": filterset.form,
        "page_obj": page,
        "profiles": list(page.object_list),
        "chips": chips,
        "query": query.urlencode(),
        "page_sizes": PAGE_SIZES,
        "export_max_rows": EXPORT_MAX_ROWS,
        "count_exact_up_to": selectors.COUNT_EXACT_UP_TO,
        "count_cache_seconds": selectors.COUNT_CACHE_SECONDS,
        # Campaigns the ticked results can be added to (campaigns app; one query).
        "shortlist_campaigns": list(editable_campaigns(user=request.user)),
    }


class _RenderedFilterFields:
    """The search page's filter fields as HTML, by the parameters they show, kept in this process.

    Rendering the form's 27 fields through Django's widget templates was half of the full page's
    CPU (~12 ms). That HTML is a function of the values the fields read from the query string (their
    errors follow from those values), the niche choices and the language. The niches are read on
    every page (one small query, as the form's own rendering did), and a different list (a niche
    added, renamed or removed) empties the cache, so a page never shows stale choices. Nothing in it
    is private: it is the same for every user who sends the same query.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._html: OrderedDict[tuple[Any, ...], SafeString] = OrderedDict()
        self._niches: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def get(self, filterset: ProfileFilterSet, whole_form: Callable[[], forms.Form]) -> SafeString:
        """The fields of ``whole_form()`` (the form of every filter, bound to ``filterset``'s data),
        rendered only when this process has not rendered them for the same values."""
        niches = list(selectors.niche_list().values_list("slug", "name"))
        data = filterset.data
        shown = tuple((name, tuple(data.getlist(name))) for name in FILTER_NAMES if name in data)
        key = (translation.get_language(), filterset.is_bound, shown)
        with self._lock:
            if niches != self._niches:
                self._html.clear()
                self._niches = niches
            html = self._html.get(key)
            if html is not None:
                self._html.move_to_end(key)
                return html
        # The partial's file ends with a newline that the page's own line already has.
        html = mark_safe(render_to_string(FILTER_FIELDS_TEMPLATE, {"form": whole_form()}).removesuffix("\n"))
        with self._lock:
            if niches == self._niches:
                self._html[key] = html
                while len(self._html) > self.size:
                    self._html.popitem(last=False)
        return html

    def clear(self) -> None:
        with self._lock:
            self._html.clear()
            self._niches = []


filter_fields = _RenderedFilterFields(FILTER_FIELDS_CACHE_SIZE)
FILTER_NAMES = tuple(ProfileFilterSet.base_filters)  # the whole form's fields, in its order


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """The search page; an htmx request gets only the results fragment."""
    context = search_context(request)
    if request.headers.get("HX-Request") and not request.headers.get("HX-History-Restore-Request"):
        return render(request, "discovery/partials/_results.html", context)
    context["saved_searches"] = list(selectors.saved_search_list(user=request.user))
    context["filter_fields"] = filter_fields.get(
        context["filterset"], lambda: ProfileFilterSet(request.GET, queryset=selectors.profile_list()).form
    )
    return render(request, "discovery/search.html", context)


def _campaign_box(request: HttpRequest, profile: Profile) -> str | None:
    """The campaigns app's shortlist box and relationship history for this profile, rendered.

    The box is owned by the campaigns app; if it is missing or fails, the profile page still
    renders (without it) and the error is logged.
    """
    try:
        module = importlib.import_module("campaigns.selectors")
        provider = module.profile_campaign_context
        get_template(CAMPAIGN_BOX_TEMPLATE)
    except (ImportError, AttributeError, TemplateDoesNotExist):
        return None
    try:
        context = provider(user=request.user, profile=profile)
        return render_to_string(CAMPAIGN_BOX_TEMPLATE, context, request=request)
    except Exception:
        logger.exception("campaign box failed for profile %s", profile.pk)
        return None


@require_GET
def profile_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One account: charts, scores with provenance, signals, posts, similar creators, shortlist box."""
    try:
        profile = selectors.profile_get(profile_id=pk)
    except Profile.DoesNotExist as exc:
        raise Http404("No such profile") from exc
    detail = selectors.profile_detail(profile=profile)
    context = {"detail": detail, "profile": profile, "score": detail.score}
    context["campaign_box"] = _campaign_box(request, profile)
    return render(request, "discovery/profile.html", context)


@require_GET
def compare(request: HttpRequest) -> HttpResponse:
    """Two to five profiles side by side (``?ids=1,2,3``)."""
    # ?ids=1,2,3 (shareable) or ?ids=1&ids=2 (the results table's checkboxes).
    raw = [part.strip() for value in request.GET.getlist("ids") for part in value.split(",") if part.strip()]
    error = ""
    ids: list[int] = []
    if not all(part.isdigit() for part in raw):
        error = "ids must be profile numbers separated by commas, e.g. ?ids=12,40,73."
    else:
        ids = list(dict.fromkeys(int(part) for part in raw))
        if not selectors.COMPARE_MIN <= len(ids) <= selectors.COMPARE_MAX:
            limits = f"{selectors.COMPARE_MIN} to {selectors.COMPARE_MAX}"
            error = f"Choose {limits} profiles to compare (got {len(ids)})."
    profiles = [] if error else selectors.profiles_for_compare(ids=ids)
    if not error and len(profiles) < len(ids):
        missing = sorted(set(ids) - {p.pk for p in profiles})
        error = f"No profile with id {', '.join(map(str, missing))}."
    status = 400 if error else 200
    context = {"profiles": profiles, "error": error, "best": selectors.compare_best(profiles)}
    return render(request, "discovery/compare.html", context, status=status)


def _export_rows(request: HttpRequest) -> list[Profile] | HttpResponse:
    filterset = ProfileFilterSet(request.GET, queryset=selectors.profile_list())
    if not filterset.is_valid():
        errors = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in filterset.errors.items())
        return HttpResponseBadRequest(f"Invalid filters: {errors}", content_type="text/plain")
    return list(filterset.qs[:EXPORT_MAX_ROWS])


def _export_note(rows: list[Profile]) -> str:
    capped = len(rows) == EXPORT_MAX_ROWS
    return f"Exports stop at {EXPORT_MAX_ROWS} rows; narrow the search for the rest." if capped else ""


@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    """The current result set (same filters and order) as CSV, capped at EXPORT_MAX_ROWS."""
    rows = _export_rows(request)
    if isinstance(rows, HttpResponse):
        return rows
    response = HttpResponse(profiles_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="microlens-profiles.csv"'
    response["X-Export-Rows"] = str(len(rows))
    response["X-Export-Capped"] = "true" if _export_note(rows) else "false"
    return response


@require_GET
def export_xlsx(request: HttpRequest) -> HttpResponse:
    """The current result set as an XLSX workbook, capped at EXPORT_MAX_ROWS."""
    rows = _export_rows(request)
    if isinstance(rows, HttpResponse):
        return rows
    note = _export_note(rows) or f"{len(rows)} profiles; filters: {request.GET.urlencode() or 'none'}"
    response = HttpResponse(
        profiles_xlsx(rows, note=note),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="microlens-profiles.xlsx"'
    response["X-Export-Rows"] = str(len(rows))
    response["X-Export-Capped"] = "true" if _export_note(rows) else "false"
    return response


@require_POST
def saved_search_save(request: HttpRequest) -> HttpResponse:
    """Save the current search under a name, then go back to it."""
    query = request.POST.get("query", "")
    try:
        saved = saved_search_create(user=request.user, name=request.POST.get("name", ""), query=query)
    except ValidationError as exc:
        messages.error(request, "Search not saved: " + " ".join(exc.messages))
        return redirect(f"/?{query}" if query else "/")
    messages.success(request, f"Saved search “{saved.name}”.")
    return redirect(f"/?{saved.query}" if saved.query else "/")


@require_POST
def saved_search_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete one of the user's saved searches (another user's is a 404)."""
    saved = get_object_or_404(SavedSearch, pk=pk, user=request.user)
    saved_search_delete(saved_search=saved)
    messages.success(request, f"Deleted saved search “{saved.name}”.")
    return redirect("discovery:search")
