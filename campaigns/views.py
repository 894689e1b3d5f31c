"""Campaign pages: briefs, shortlist with suggestion, pipeline board, results and the report."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from campaigns import exports, selectors, services
from campaigns.filters import CampaignFilterSet
from campaigns.forms import CampaignForm, EntryForm, ImportForm, MoveForm, ResultForm, SuggestForm
from campaigns.models import CampaignStatus, PipelineStatus
from core.exceptions import ApplicationError
from core.permissions import Action, can
from discovery.models import Profile


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ApplicationError):
        return exc.message
    if isinstance(exc, ValidationError):
        if hasattr(exc, "message_dict"):
            return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        return " ".join(exc.messages)
    return str(exc)


def _back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(default)


# The search page shows at most 100 rows; a larger tick list is a forged request.
MAX_TICKED = 100


def post_action(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """POST-only; business-rule and validation errors become a message, not a 500."""

    @require_POST
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except (ApplicationError, ValidationError) as exc:
            messages.error(request, _error_text(exc))
            pk = kwargs.get("pk")
            return _back(request, reverse("campaigns:detail", args=[pk]) if pk else reverse("campaigns:list"))

    return wrapper


def _form_errors(form: Any) -> str:
    return "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())


@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    """All campaigns the user may read, filterable by status."""
    filterset = CampaignFilterSet(request.GET or None, queryset=selectors.campaign_list(user=request.user))
    campaigns = filterset.qs
    status = filterset.form.cleaned_data.get("status") if filterset.is_bound else None
    if not status:
        campaigns = campaigns.not_archived()
    can_create = selectors.client_brands_for(user=request.user).exists()
    return render(
        request,
        "campaigns/list.html",
        {
            "campaigns": campaigns,
            "status": status,
            "statuses": CampaignStatus.choices,
            "can_create": can_create,
        },
    )


def campaign_create(request: HttpRequest) -> HttpResponse:
    """Write a new brief for a client brand."""
    brands = selectors.client_brands_for(user=request.user)
    if not brands.exists():
        raise PermissionDenied("You cannot write briefs for any brand.")
    form = CampaignForm(request.POST or None, brands=brands, initial={"organisation": brands.first()})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        organisation, niches = data.pop("organisation"), data.pop("niches")
        try:
            campaign = services.campaign_create(
                user=request.user, organisation=organisation, niche_ids=[n.pk for n in niches], **data
            )
        except (ApplicationError, ValidationError) as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, f"Brief “{campaign.name}” created.")
            return redirect("campaigns:detail", campaign.pk)
    return render(request, "campaigns/form.html", {"form": form, "title": "New brief"})


def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a brief."""
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    if not can(request.user, Action.EDIT, campaign):
        raise PermissionDenied("You may read but not change this campaign.")
    initial = {f: getattr(campaign, f) for f in services.CAMPAIGN_FIELDS}
    initial.update(organisation=campaign.organisation, niches=list(campaign.niches.all()))
    brands = selectors.client_brands_for(user=request.user)
    form = CampaignForm(request.POST or None, brands=brands, initial=initial)
    form.fields["organisation"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("organisation")
        niches = data.pop("niches")
        try:
            services.campaign_update(
                user=request.user, campaign=campaign, niche_ids=[n.pk for n in niches], **data
            )
        except (ApplicationError, ValidationError) as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, "Brief saved.")
            return redirect("campaigns:detail", campaign.pk)
    return render(
        request, "campaigns/form.html", {"form": form, "title": f"Edit {campaign.name}", "campaign": campaign}
    )


def _detail_context(request: HttpRequest, campaign: Any, **extra: Any) -> dict[str, Any]:
    summary = selectors.shortlist_summary(campaign=campaign)
    return {
        "campaign": campaign,
        "summary": summary,
        "can_edit": can(request.user, Action.EDIT, campaign),
        "entry_form": EntryForm(),
        "suggest_form": extra.pop("suggest_form", None)
        or SuggestForm(
            initial={"budget": campaign.budget, "quality_min": campaign.min_quality, "min_creators": 1}
        ),
        "statuses": PipelineStatus.choices,
        **extra,
    }


@require_GET
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The brief, its shortlist with running totals and warnings, and the suggestion form."""
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    return render(request, "campaigns/detail.html", _detail_context(request, campaign))


@post_action
def campaign_duplicate(request: HttpRequest, pk: int) -> HttpResponse:
    """Copy a brief and its shortlist into a new draft."""
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    copy = services.campaign_duplicate(user=request.user, campaign=campaign)
    messages.success(request, f"Duplicated as “{copy.name}”.")
    return redirect("campaigns:detail", copy.pk)


@post_action
def campaign_archive(request: HttpRequest, pk: int) -> HttpResponse:
    """Archive a brief."""
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    services.campaign_archive(user=request.user, campaign=campaign)
    messages.success(request, f"“{campaign.name}” archived.")
    return redirect("campaigns:list")


@post_action
def entry_add(request: HttpRequest) -> HttpResponse:
    """Add an account to a campaign's shortlist (from a profile page or by handle)."""
    campaign = selectors.campaign_get(user=request.user, pk=request.POST.get("campaign", ""))
    profile = _profile_from_post(request)
    entry = services.entry_add(user=request.user, campaign=campaign, profile=profile)
    messages.success(request, f"@{profile.handle} added to {campaign.name}.")
    return _back(request, reverse("campaigns:detail", args=[entry.campaign_id]))


@post_action
def entries_add(request: HttpRequest) -> HttpResponse:
    """Add the accounts ticked on the search page to one campaign's shortlist."""
    campaign = selectors.campaign_get(user=request.user, pk=request.POST.get("campaign", ""))
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()][:MAX_TICKED]
    profiles = list(Profile.objects.filter(pk__in=ids).order_by("handle"))
    if not profiles:
        raise ApplicationError("Tick at least one account in the results to add it to a shortlist.")
    added, skipped = services.entries_add(user=request.user, campaign=campaign, profiles=profiles)
    if added:
        messages.success(request, f"{len(added)} account(s) added to {campaign.name}.")
    if skipped:
        names = ", ".join(f"@{p.handle}" for p in skipped)
        messages.info(request, f"Already on the shortlist of {campaign.name}: {names}.")
    return _back(request, reverse("campaigns:detail", args=[campaign.pk]))


def _profile_from_post(request: HttpRequest) -> Profile:
    raw_id = request.POST.get("profile", "").strip()
    handle = request.POST.get("handle", "").strip().lstrip("@").lower()
    profile = None
    if raw_id.isdigit():
        profile = Profile.objects.filter(pk=int(raw_id)).first()
    elif handle:
        platform, _, name = handle.rpartition(":")
        matches = Profile.objects.filter(handle=name, **({"platform": platform} if platform else {}))
        if matches.count() > 1:
            raise ApplicationError(f"@{name} exists on several platforms; write platform:handle.")
        profile = matches.first()
    if profile is None:
        raise ApplicationError("No such account in the catalogue.")
    return profile


@post_action
def entry_update(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    """Save an entry's fee, terms, pin and notes."""
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    entry = selectors.entry_get(user=request.user, campaign=campaign, pk=entry_pk)
    form = EntryForm(request.POST)
    if not form.is_valid():
        raise ApplicationError(f"@{entry.profile.handle}: {_form_errors(form)}")
    services.entry_update(user=request.user, entry=entry, **form.cleaned_data)
    messages.success(request, f"@{entry.profile.handle} saved.")
    return _back(request, reverse("campaigns:detail", args=[pk]))


@post_action
def entry_remove(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    """Take an account off the shortlist."""
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    entry = selectors.entry_get(user=request.user, campaign=campaign, pk=entry_pk)
    services.entry_remove(user=request.user, entry=entry)
    messages.success(request, f"@{entry.profile.handle} removed.")
    return _back(request, reverse("campaigns:detail", args=[pk]))


@post_action
def entry_move(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    """Move an entry through the outreach pipeline."""
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    entry = selectors.entry_get(user=request.user, campaign=campaign, pk=entry_pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        raise ApplicationError(_form_errors(form))
    entry = services.entry_move(user=request.user, entry=entry, **form.cleaned_data)
    messages.success(request, f"@{entry.profile.handle} is now {entry.get_status_display().lower()}.")
    return _back(request, reverse("campaigns:board", args=[pk]))


def campaign_suggest(request: HttpRequest, pk: int) -> HttpResponse:
    """Run the budget-optimal suggestion and show it beside greedy and one macro creator."""
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    if request.method != "POST":
        return redirect("campaigns:detail", pk)
    form = SuggestForm(request.POST)
    suggestion = None
    if form.is_valid():
        data = form.cleaned_data
        share = data.get("max_share")
        try:
            suggestion = services.shortlist_suggest(
                user=request.user,
                campaign=campaign,
                budget=data.get("budget"),
                min_creators=data.get("min_creators") or 0,
                max_creators=data.get("max_creators"),
                max_share=float(share) / 100 if share else None,
                quality_min=data.get("quality_min"),
                time_limit=data.get("time_limit") or 10.0,
            )
        except (ApplicationError, ValidationError) as exc:
            form.add_error(None, _error_text(exc))
    context = _detail_context(request, campaign, suggest_form=form, suggestion=suggestion)
    return render(request, "campaigns/detail.html", context)


@post_action
def suggestion_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """Add every suggested account to the shortlist in one click."""
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    ids = [int(p) for p in request.POST.getlist("profile") if p.isdigit()]
    if not ids:
        raise ApplicationError("The suggestion was empty; nothing to add.")
    added = services.suggestion_accept(user=request.user, campaign=campaign, profile_ids=ids)
    messages.success(request, f"{len(added)} creator(s) added to the shortlist.")
    return redirect("campaigns:detail", pk)


@require_GET
def campaign_board(request: HttpRequest, pk: int) -> HttpResponse:
    """Outreach pipeline as columns by status."""
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    entries = list(selectors.shortlist_entries(campaign=campaign))
    columns = selectors.pipeline_columns(entries)
    return render(
        request,
        "campaigns/board.html",
        {
            "campaign": campaign,
            "columns": columns,
            "statuses": PipelineStatus.choices,
            "can_edit": can(request.user, Action.EDIT, campaign),
            "empty": not entries,
        },
    )


def campaign_results(request: HttpRequest, pk: int) -> HttpResponse:
    """Enter results per published post, or import them from CSV."""
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    entries = list(selectors.shortlist_entries(campaign=campaign))
    form = ResultForm(request.POST or None, entries=entries)
    if request.method == "POST":
        if not can(request.user, Action.EDIT, campaign):
            raise PermissionDenied("You may read but not change this campaign.")
        if form.is_valid():
            data = dict(form.cleaned_data)
            entry = selectors.entry_get(user=request.user, campaign=campaign, pk=data.pop("entry"))
            try:
                services.result_save(user=request.user, entry=entry, **data)
            except (ApplicationError, ValidationError) as exc:
                form.add_error(None, _error_text(exc))
            else:
                messages.success(request, f"Results saved for @{entry.profile.handle}.")
                return redirect("campaigns:results", pk)
    return render(
        request,
        "campaigns/results.html",
        {
            "campaign": campaign,
            "form": form,
            "import_form": ImportForm(),
            "results": selectors.campaign_results(campaign=campaign),
            "can_edit": can(request.user, Action.EDIT, campaign),
        },
    )


@post_action
def results_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Import results from an uploaded CSV; every error is listed with its row number."""
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    if not can(request.user, Action.EDIT, campaign):
        raise PermissionDenied("You may read but not change this campaign.")
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        raise ApplicationError("Choose a CSV file to import.")
    report = services.results_import(
        user=request.user, campaign=campaign, content=form.cleaned_data["file"].read()
    )
    if report.errors:
        shown = report.errors[:20]
        more = f" (and {len(report.errors) - 20} more)" if len(report.errors) > 20 else ""
        messages.error(request, "Nothing imported. " + " | ".join(shown) + more)
    else:
        messages.success(request, f"{report.saved} result row(s) imported.")
    return redirect("campaigns:results", pk)


@require_GET
def campaign_report(request: HttpRequest, pk: int) -> HttpResponse:
    """Totals, KPIs, per-creator rows and charts; ``?print=1`` gives the printable page."""
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    report = selectors.campaign_report(campaign=campaign)
    template = "campaigns/report_print.html" if request.GET.get("print") else "campaigns/report.html"
    return render(request, template, {"campaign": campaign, "report": report})


@require_GET
def report_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The report as CSV or XLSX (cells that look like formulas are neutralised)."""
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    report = selectors.campaign_report(campaign=campaign)
    if fmt == "csv":
        return exports.report_csv_response(report)
    if fmt == "xlsx":
        return exports.report_xlsx_response(report)
    raise Http404("Unknown export format.")
